"""A nation-wide question with a query, answered from the columns held in memory.

The text index names the matching documents and which of the score's fields each matches
(`hits`, hub.search.backends); the filters, the facet counts and the ranking keys are read from
hub.search.columns. The facets are the same (facet, value, count) rows the database's GROUP BYs give
(hub.search.facets), the page the same rows in the same order as query.page_select; the tests hold
both paths to the same answers on both backends (tests/search/test_in_memory.py).

Used for what is counted or ranked whole: a question asked for the first time, and pages too deep
to keep by network. Any doubt — a document the arrays do not hold yet, a sort other than relevance —
gives None, and the database answers.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

import numpy as np
from sqlalchemy import select

from hub.search import columns as held_columns
from hub.search.backends import backend
from hub.search.cache import Lru, question_key
from hub.search.columns import Columns
from hub.search.facets import FACETS, VALUE_BANDS
from hub.search.tables import docs

#: The upper bounds of the value bands, for np.searchsorted (a value at a bound is in the band above).
_CHUNK = 500
_BAND_BOUNDS = np.array([hi for _, hi, *_ in VALUE_BANDS if hi is not None], dtype=np.float64)


def _coded(name: str) -> Callable:
    def count(columns: Columns, ids: np.ndarray) -> list[tuple]:
        n = np.bincount(columns.coded[name][ids], minlength=len(columns.values[name]))
        return [(columns.values[name][code], int(n[code])) for code in np.flatnonzero(n)]

    return count


def _category_prefix(length: int) -> Callable:
    """substr(category, 1, length), as facets.FACETS groups: the category's own counts, folded."""

    def count(columns: Columns, ids: np.ndarray) -> list[tuple]:
        out: Counter = Counter()
        for value, n in _coded("category")(columns, ids):
            out[None if value is None else value[:length]] += n
        return list(out.items())

    return count


def _certified(columns: Columns, ids: np.ndarray) -> list[tuple]:
    yes = int(columns.certified[ids].sum())
    return [(v, n) for v, n in (("true", yes), ("false", len(ids) - yes)) if n]


def _value_band(columns: Columns, ids: np.ndarray) -> list[tuple]:
    values = columns.value[ids]
    known = ~np.isnan(values)
    n = np.bincount(np.searchsorted(_BAND_BOUNDS, values[known], side="right"), minlength=len(VALUE_BANDS))
    unknown = len(ids) - int(known.sum())
    return [(str(i), int(n[i])) for i in np.flatnonzero(n)] + ([(None, unknown)] if unknown else [])


#: Each of facets.FACETS counted from the columns: (raw value, count) pairs, as its SQL expression groups.
COUNTERS: dict[str, Callable] = {
    "status": _coded("status"),
    "network": _coded("network"),
    "city": _coded("city_code"),
    "category1": _category_prefix(2),
    "category2": _category_prefix(4),
    "owner_type": _coded("owner_type"),
    "sharing": _coded("sharing"),
    "certified": _certified,
    "value_band": _value_band,
}
assert set(COUNTERS) == {f.name for f in FACETS}, "every facet needs its counter from the columns"


#: What the text index said for the last few questions' words, by the index versions it was read at:
#: a word searched before with other filters (HPLC in category 01, then HPLC at institutes) is not
#: looked up again until a network changes. A few MB each at a million instruments.
_HITS = Lru(8)


def _hits(conn, clauses, probes: list, state: tuple) -> tuple[np.ndarray, np.ndarray]:
    key = (question_key(conn, ("hits", *clauses)), state)
    hit = _HITS.get(key)
    return hit if hit is not None else _HITS.put(key, backend(conn).hits(conn, clauses, probes))


#: Sort keys packed into one integer (score, then quality, then tiebreak reversed), when they fit.
_QUALITY_BITS, _TIEBREAK_BITS = 15, 31


def _fits(values: np.ndarray, bits: int) -> bool:
    return bool(values.min() >= 0 and values.max() < 1 << bits)


def _ranked(ids, scores, quality, tiebreak, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, keys) of the first `depth` matches in rank order and every match tied with the last of
    them: score and quality descending, tiebreak ascending (`keys`: rows of the three). Packed into one
    integer, the first `depth` are picked without sorting every match (a sort of 100,000 cost ~12 ms)."""
    if (
        len(ids)
        and 0 <= quality.min()
        and quality.max() < 1 << _QUALITY_BITS
        and 0 <= scores.min()
        and tiebreak.max() < 1 << _TIEBREAK_BITS
    ):
        packed = (scores << (_QUALITY_BITS + _TIEBREAK_BITS)) | (quality << _TIEBREAK_BITS) | ((1 << _TIEBREAK_BITS) - 1 - tiebreak)
        if depth < len(ids):
            edge = np.partition(packed, len(ids) - depth)[len(ids) - depth]
            chosen = np.flatnonzero(packed >= edge)
        else:
            chosen = np.arange(len(ids))
        order = chosen[np.argsort(-packed[chosen], kind="stable")]
    else:
        order = np.lexsort((tiebreak, -quality, -scores))
    return ids[order], np.stack([scores[order], quality[order], tiebreak[order]], axis=1)


class Answer:
    """One question's matches, read once from the index and the columns (lazily: only when the kept
    answers miss). `score_of(bits)`: each match's relevance score from its probe bits."""

    def __init__(self, conn, columns: Columns, params, clauses, probes: list, score_of: Callable, state: tuple):
        self.conn, self.columns, self.params, self.clauses = conn, columns, params, clauses
        self.probes, self.score_of, self.state = probes, score_of, state
        self._read: tuple | None = None

    def _matches(self) -> tuple | None:
        """(total, facet rows, ids in rank order, their sort keys), or None when the arrays cannot answer."""
        if self._read is None:
            columns = self.columns
            with columns.lock:
                columns.refresh(self.conn, self.state)
                found, bits = _hits(self.conn, self.clauses, self.probes, self.state)
                if not columns.known(found):
                    self._read = (None,)
                    return None
                keep = columns.selected_mask(found, self.params)
                ids, scores = found[keep], self.score_of(bits[keep])
                rows = [("total", None, len(ids))]
                rows += [(facet.name, value, n) for facet in FACETS for value, n in COUNTERS[facet.name](columns, ids)]
                quality, tiebreak = columns.quality[ids].astype(np.int64), columns.tiebreak[ids].astype(np.int64)
            self._read = (rows, *_ranked(ids, scores, quality, tiebreak, self.params.offset + self.params.page_size))
        return None if self._read[0] is None else self._read

    def facet_rows(self) -> list[tuple] | None:
        """(facet, value, count) rows, the total's first (hub.search.facets' rows)."""
        read = self._matches()
        return None if read is None else read[0]

    def page(self, p) -> list[tuple] | None:
        """(instrument_id, score) rows of page `p` in query.page_select's order (the page this answer
        was made for, or one before it)."""
        if p.sort != "relevance" or p.offset + p.page_size > self.params.offset + self.params.page_size:
            return None
        read = self._matches()
        if read is None:
            return None
        _rows, ids, keys = read
        start, end = p.offset, min(p.offset + p.page_size, len(ids))
        if start >= end:
            return []
        # Equal (score, quality, tiebreak) are ordered by instrument id, read for the ties at the page's edges.
        lo, hi = start, end
        while lo > 0 and (keys[lo - 1] == keys[start]).all():
            lo -= 1
        while hi < len(ids) and (keys[hi] == keys[end - 1]).all():
            hi += 1
        edge_ids = ids[lo:hi].tolist()
        named = {}
        for at in range(0, len(edge_ids), _CHUNK):
            chunk = edge_ids[at : at + _CHUNK]
            named.update(self.conn.execute(select(docs.c.docid, docs.c.instrument_id).where(docs.c.docid.in_(chunk))).all())
        if len(named) != hi - lo:
            return None  # a document rewritten since the arrays were read
        edge = [(named[int(d)], int(k[0]), int(k[1]), int(k[2])) for d, k in zip(ids[lo:hi], keys[lo:hi])]
        edge.sort(key=lambda r: (-r[1], -r[2], r[3], r[0]))
        return [(instrument_id, score) for instrument_id, score, *_ in edge[start - lo : end - lo]]


def answer(conn, params, clauses, probes: list, score_of: Callable, state: tuple) -> Answer | None:
    """The question's answer from the columns, when this process holds them; `state`: versions.current."""
    columns = held_columns.held(conn)
    return None if columns is None else Answer(conn, columns, params, clauses, probes, score_of, state)
