"""A nation-wide question with a query, answered from the columns held in memory.

The text index names the matching documents and which of the score's fields each matches
(`hits`, hub.search.backends); the filters, the facet counts and the ranking keys are read from
hub.search.columns. The facets are the same (facet, value, count) rows the database's GROUP BYs give
(hub.search.facets), whole or by network; the page the same rows in the same order as
query.page_select, whole or each network's first rows (hub.search.pages). The tests hold both paths to
the same answers on both backends (tests/search/test_in_memory.py).

What the index said is kept by network (`_hits`), like the counts and pages: after a harvest's batch
only the changed network's matches are looked up again, through its tag. Any doubt — a document the
arrays do not hold yet, a sort other than relevance — gives None, and the database answers.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, NamedTuple

import numpy as np
from sqlalchemy import select

from hub.search import columns as held_columns
from hub.search.backends import backend
from hub.search.cache import Lru, question_key
from hub.search.columns import CODED, Columns
from hub.search.facets import FACETS, FEW_CHANGED, VALUE_BANDS
from hub.search.tables import docs
from hub.search.tags import FILTER as TAG_FILTER
from hub.store.chunks import among, chunked

#: The upper bounds of the value bands, for np.searchsorted (a value at a bound is in the band above).
_BAND_BOUNDS = np.array([hi for _, hi, *_ in VALUE_BANDS if hi is not None], dtype=np.float64)


class Matched(NamedTuple):
    """The matches the filters keep, with their columns copied out of the shared arrays (which another
    thread may refresh once the lock is released)."""

    ids: np.ndarray
    scores: np.ndarray
    coded: dict[str, np.ndarray]
    values: dict[str, tuple]  # the coded columns' values, as they were when copied
    certified: np.ndarray
    value: np.ndarray
    quality: np.ndarray
    tiebreak: np.ndarray


def _coded(name: str) -> Callable:
    """(group, value, count) of a coded column's values within each group."""

    def count(m: Matched, groups: np.ndarray, size: int) -> list[tuple]:
        values = m.values[name]
        n = np.bincount(groups * len(values) + m.coded[name], minlength=size * len(values))
        return [(int(at) // len(values), values[int(at) % len(values)], int(n[at])) for at in np.flatnonzero(n)]

    return count


def _category_prefix(length: int) -> Callable:
    """substr(category, 1, length), as facets.FACETS groups: the category's own counts, folded."""

    def count(m: Matched, groups: np.ndarray, size: int) -> list[tuple]:
        out: Counter = Counter()
        for group, value, n in _coded("category")(m, groups, size):
            out[(group, None if value is None else value[:length])] += n
        return [(group, value, n) for (group, value), n in out.items()]

    return count


def _certified(m: Matched, groups: np.ndarray, size: int) -> list[tuple]:
    n = np.bincount(groups * 2 + m.certified, minlength=size * 2)
    return [(int(at) // 2, "true" if at % 2 else "false", int(n[at])) for at in np.flatnonzero(n)]


def _value_band(m: Matched, groups: np.ndarray, size: int) -> list[tuple]:
    bands = len(VALUE_BANDS) + 1  # the last: no value
    band = np.searchsorted(_BAND_BOUNDS, m.value, side="right")
    band[np.isnan(m.value)] = len(VALUE_BANDS)
    n = np.bincount(groups * bands + band, minlength=size * bands)
    return [(int(at) // bands, None if at % bands == len(VALUE_BANDS) else str(at % bands), int(n[at])) for at in np.flatnonzero(n)]


def _total(m: Matched, groups: np.ndarray, size: int) -> list[tuple]:
    n = np.bincount(groups, minlength=size)
    return [(int(at), None, int(n[at])) for at in np.flatnonzero(n)]


#: Each of facets.FACETS counted from the columns: (group, raw value, count), as its SQL expression groups.
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

#: What the text index said for recent questions' words, network by network, each part with the index
#: version it was read at: a word searched before with other filters (HPLC in category 01, then HPLC
#: at institutes) is not looked up again, and after a change only the changed networks' matches are,
#: through their tags. Up to 4 MB each at a million instruments (色谱: 250,000 matches); 8 questions
#: kept half of the benchmark's 15 words, asked in turn, so each was read again (29 reads of 60
#: questions). Up to 64 questions within 48 MB a process.
HITS_BYTES = 48 * 2**20
_HITS = Lru(64, weigh=lambda parts: sum(found.nbytes + bits.nbytes for _, found, bits in parts.values()), budget=HITS_BYTES)
_NEVER = object()


def _hits(conn, columns: Columns, clauses, probes: list, state: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(docids, probe bits) of every document matching the clauses; `state`: the versions read before.
    Called with the columns refreshed to `state` and locked; the matches are split by network as the
    columns (settled) say."""
    now = dict(state)
    key = question_key(conn, ("hits", *clauses))
    parts = _HITS.get(key)
    text = backend(conn)
    changed = None if parts is None else {n for n in set(parts) | set(now) if parts.get(n, (_NEVER,))[0] != now.get(n)}
    if changed is None or len(changed) > FEW_CHANGED:
        found, bits = text.hits(conn, clauses, probes, state=state)
        if not columns.settle(conn, found):
            return found, bits  # a document gone since the index named it: not kept, the database answers
        networks = columns.coded["network"][found]
        names = columns.values["network"]
        parts = {n: (now.get(n), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)) for n in set(now) | set(names)}
        for code in np.unique(networks):
            mine = networks == code
            parts[names[code]] = (now.get(names[code]), found[mine], bits[mine])
    else:
        parts = dict(parts)
        for network in changed:
            parts[network] = (now.get(network), *text.hits(conn, clauses, probes, [TAG_FILTER["network"](network)], state=state))
    _HITS.put(key, parts)
    return np.concatenate([p[1] for p in parts.values()]), np.concatenate([p[2] for p in parts.values()])


#: Sort keys packed into one integer (score, then quality, then tiebreak reversed), when they fit.
_QUALITY_BITS, _TIEBREAK_BITS = 15, 31


def _fits(values: np.ndarray, bits: int) -> bool:
    return bool(len(values) == 0 or (values.min() >= 0 and values.max() < 1 << bits))


def _packed(m: Matched) -> np.ndarray | None:
    """Each match's rank as one integer, larger first (None when a key does not fit its bits)."""
    if not (_fits(m.scores, 63 - _QUALITY_BITS - _TIEBREAK_BITS) and _fits(m.quality, _QUALITY_BITS) and _fits(m.tiebreak, _TIEBREAK_BITS)):
        return None
    return (m.scores << (_QUALITY_BITS + _TIEBREAK_BITS)) | (m.quality << _TIEBREAK_BITS) | ((1 << _TIEBREAK_BITS) - 1 - m.tiebreak)


def _first(packed: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` largest of `packed` and of every one equal to the last of them,
    largest first (without sorting them all: a sort of 100,000 cost ~12 ms)."""
    if depth < len(packed):
        edge = np.partition(packed, len(packed) - depth)[len(packed) - depth]
        chosen = np.flatnonzero(packed >= edge)
    else:
        chosen = np.arange(len(packed))
    return chosen[np.argsort(-packed[chosen], kind="stable")]


class Answer:
    """One question's matches, read once from the index and the columns (lazily: only when the kept
    answers miss). `score_of(bits)`: each match's relevance score from its probe bits."""

    def __init__(self, conn, columns: Columns, params, clauses, probes: list, score_of: Callable, state: tuple):
        self.conn, self.columns, self.params, self.clauses = conn, columns, params, clauses
        self.probes, self.score_of, self.state = probes, score_of, state
        self._read: tuple | None = None

    def _matches(self) -> Matched | None:
        """The matches the filters keep, or None when the arrays cannot answer."""
        if self._read is None:
            columns = self.columns
            with columns.lock:
                columns.refresh(self.conn, self.state)
                found, bits = _hits(self.conn, columns, self.clauses, self.probes, self.state)
                if not columns.settle(self.conn, found):
                    self._read = (None,)
                    return None
                keep = columns.selected_mask(found, self.params)
                ids = found[keep]
                self._read = (
                    Matched(
                        ids,
                        self.score_of(bits[keep]),
                        {name: columns.coded[name][ids].astype(np.int64) for name in CODED},
                        {name: tuple(columns.values[name]) for name in CODED},
                        columns.certified[ids].astype(np.int64),
                        columns.value[ids],
                        columns.quality[ids].astype(np.int64),
                        columns.tiebreak[ids].astype(np.int64),
                    ),
                )
        return self._read[0]

    def facet_rows(self) -> list[tuple] | None:
        """(facet, value, count) rows, the total's first (hub.search.facets' rows)."""
        m = self._matches()
        if m is None:
            return None
        whole = np.zeros(len(m.ids), dtype=np.int64)
        return [("total", None, len(m.ids))] + [(f.name, value, n) for f in FACETS for _g, value, n in COUNTERS[f.name](m, whole, 1)]

    def facet_rows_by_network(self) -> list[tuple] | None:
        """(network, facet, value, count) rows, with each network's total (none for a network with no match)."""
        m = self._matches()
        if m is None:
            return None
        networks, names = m.coded["network"], m.values["network"]
        counted = [("total", _total)] + [(f.name, COUNTERS[f.name]) for f in FACETS]
        return [(names[group], name, value, n) for name, count in counted for group, value, n in count(m, networks, len(names))]

    def page(self, p) -> list[tuple] | None:
        """(instrument_id, score) rows of page `p` in query.page_select's order."""
        m = self._matches()
        packed = None if m is None or p.sort != "relevance" else _packed(m)
        if packed is None:
            return None
        rows = self._named(m, _first(packed, p.offset + p.page_size))
        return None if rows is None else [(instrument_id, score) for instrument_id, score, *_ in rows[p.offset : p.offset + p.page_size]]

    def pages_by_network(self, p, networks) -> dict[str, tuple] | None:
        """Each of `networks`' first `p.offset + p.page_size` rows, as hub.search.pages keeps them:
        (instrument_id, score, quality, tiebreak, instrument_id) — the columns and the sort keys of
        query.ordering's relevance order."""
        m = self._matches()
        packed = None if m is None or p.sort != "relevance" else _packed(m)
        if packed is None:
            return None
        depth, codes = p.offset + p.page_size, {name: code for code, name in enumerate(m.values["network"])}
        chosen = {}
        for network in networks:
            mine = np.flatnonzero(m.coded["network"] == codes[network]) if network in codes else np.empty(0, dtype=np.int64)
            chosen[network] = mine[_first(packed[mine], depth)]
        # Every network's rows named in one read: a read per network cost ~0.7 ms each, 31 of them.
        named = self._names(m, np.concatenate([np.empty(0, dtype=np.int64), *chosen.values()]))
        if named is None:
            return None
        out = {}
        for network, at in chosen.items():
            rows = self._ranked(m, at, named)
            out[network] = tuple((i, score, quality, tiebreak, i) for i, score, quality, tiebreak in rows[:depth])
        return out

    def _named(self, m: Matched, at: np.ndarray) -> list[tuple] | None:
        """(instrument_id, score, quality, tiebreak) of the matches at positions `at`, in rank order: equal
        keys ordered by instrument id, read from the database (None: a document rewritten meanwhile)."""
        named = self._names(m, at)
        return None if named is None else self._ranked(m, at, named)

    def _names(self, m: Matched, at: np.ndarray) -> dict | None:
        """docid → instrument_id of the matches at positions `at` (None: one is gone)."""
        docids = m.ids[at].tolist()
        named: dict = {}
        for chunk in chunked(docids):
            named.update(self.conn.execute(select(docs.c.docid, docs.c.instrument_id).where(among(docs.c.docid, chunk))).all())
        return named if len(named) == len(set(docids)) else None

    @staticmethod
    def _ranked(m: Matched, at: np.ndarray, named: dict) -> list[tuple]:
        rows = [(named[int(m.ids[i])], int(m.scores[i]), int(m.quality[i]), int(m.tiebreak[i])) for i in at.tolist()]
        rows.sort(key=lambda r: (-r[1], -r[2], r[3], r[0]))
        return rows


def answer(conn, params, clauses, probes: list, score_of: Callable, state: tuple) -> Answer | None:
    """The question's answer from the columns, when this process holds them; `state`: versions.current."""
    columns = held_columns.held(conn)
    return None if columns is None else Answer(conn, columns, params, clauses, probes, score_of, state)
