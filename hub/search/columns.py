"""The search documents' filter, facet and ranking columns, held in memory as arrays by docid.

A broad question with a query, asked for the first time (液相色谱 across the nation, category 01, not
certified: 100,000 of a million), cost the database ~4 µs a match for its facets and ~3 µs for its
ranked page: every match's row of search_docs read by docid. Here the text index only names the
matches (hub.search.backends: `hits`), and their filters, facets and sort keys are read from these
arrays — 33 bytes a document, ~35 MB a web process at a million instruments, read as the process
starts (hub.web.wsgi) in ~5 s.

Kept exact network by network, as the kept answers are: when a network's index version
(hub.search.versions) is not the one its rows were read at, the documents its versions since changed
are read again (`refresh`: versions.changes_since names them — one for a single change, 500 for a
harvest's batch), or the whole network where that is not known (a rebuild, versions no longer
noted). Documents written since a refresh, which the index may name first, are read where a
question meets them (`settle`). The version is read before the rows, so rows newer than their
version are only read once more. A store whose index has never been versioned (built before
`index_all` bumped the versions of what it rewrote) holds "no version" for every network until its
first write.
"""

from __future__ import annotations

import threading
from typing import Callable

import numpy as np
from sqlalchemy import Float, cast, select

from hub.search import versions
from hub.search.cache import question_key
from hub.search.params import RETIRED, UNKNOWN
from hub.search.tables import docs
from hub.store.chunks import among, chunked

#: Columns held as codes into a list of their distinct values (None included).
CODED = ("network", "city_code", "category", "owner_type", "owner_level", "status", "sharing")
_READ = select(
    docs.c.docid,
    *(docs.c[name] for name in CODED),
    docs.c.certified,
    cast(docs.c.value, Float),  # compared as the database compares a float; no Decimal per row
    docs.c.quality,
    docs.c.tiebreak,
    docs.c.cluster_primary,
)
_CHUNK = 10_000


class Columns:
    """Every document of one store, as arrays indexed by docid (`alive` marks the docids in use)."""

    def __init__(self):
        self.versions: dict[str, int | None] = {}  # each network's version its rows were read at
        self.values: dict[str, list] = {name: [] for name in CODED}
        self._codes: dict[str, dict] = {name: {} for name in CODED}
        self.lock = threading.Lock()
        self._size = 0
        self._grow(1 << 16)

    def _grow(self, size: int) -> None:
        def grown(old, dtype, fill=0):
            new = np.full(size, fill, dtype=dtype)
            new[: len(old)] = old
            return new

        empty = np.empty(0)
        self.alive = grown(getattr(self, "alive", empty), bool, False)
        self.coded = {name: grown(getattr(self, "coded", {}).get(name, empty), self._dtype(name)) for name in CODED}
        self.certified = grown(getattr(self, "certified", empty), bool, False)
        self.value = grown(getattr(self, "value", empty), np.float64, np.nan)
        self.quality = grown(getattr(self, "quality", empty), np.int32)
        self.tiebreak = grown(getattr(self, "tiebreak", empty), np.int32)  # a CRC-32 masked to 31 bits
        self.primary = grown(getattr(self, "primary", empty), bool, False)
        self._size = size

    def _dtype(self, name: str):
        """Two bytes a code while a column has fewer than 65,536 distinct values (cities, categories:
        hundreds), four beyond."""
        return np.uint16 if len(self.values.get(name, ())) <= np.iinfo(np.uint16).max else np.int32

    def _code(self, name: str, values) -> np.ndarray:
        codes = self._codes[name]
        for v in set(values) - codes.keys():
            codes[v] = len(self.values[name])
            self.values[name].append(v)
        if self._dtype(name) != self.coded[name].dtype:
            self.coded[name] = self.coded[name].astype(self._dtype(name))
        return np.fromiter(map(codes.__getitem__, values), dtype=self.coded[name].dtype, count=len(values))

    def _put(self, rows: list) -> None:
        """Write rows of _READ."""
        columns = list(zip(*rows))
        ids = np.fromiter(columns[0], dtype=np.int64, count=len(rows))
        if ids.max() >= self._size:
            self._grow(max(self._size * 2, int(ids.max()) + 1))
        for i, name in enumerate(CODED, start=1):
            self.coded[name][ids] = self._code(name, columns[i])
        at = len(CODED) + 1
        self.certified[ids] = np.fromiter((c is True for c in columns[at]), dtype=bool, count=len(rows))
        self.value[ids] = np.array([np.nan if v is None else v for v in columns[at + 1]], dtype=np.float64)
        self.quality[ids] = np.fromiter(columns[at + 2], dtype=np.int32, count=len(rows))
        self.tiebreak[ids] = np.fromiter(columns[at + 3], dtype=np.int32, count=len(rows))
        self.primary[ids] = np.fromiter((bool(c) for c in columns[at + 4]), dtype=bool, count=len(rows))
        self.alive[ids] = True

    def _read(self, conn, where=()) -> None:
        result = conn.execute(_READ.where(*where))
        while rows := result.fetchmany(_CHUNK):
            self._put(rows)

    def load(self, conn, state: tuple) -> None:
        """Read every document; `state` (versions.current) was read before."""
        self.versions = dict(state)
        self._read(conn)

    def refresh(self, conn, state: tuple) -> None:
        """Bring every network whose version in `state` (read before) is not the one its rows were read
        at up to that version: read again the documents its versions since changed, or, where those
        are not known, the whole network (~0.15 s for 33,000 documents at a million). Reading again
        every document of a changed network that a question met cost the first nation-wide question
        after a single change ~70 ms at a million (8,000 rows)."""
        now = dict(state)
        for network in sorted(set(now) | set(self.versions)):
            held, current = self.versions.get(network), now.get(network)
            if held == current:
                continue
            ids = versions.changes_since(conn, network, held, current)
            # Read whole when a quarter or more of it changed (duplicate resolution can re-flag tens of
            # thousands): one range read is cheaper than that many lookups by id.
            if ids is None or 4 * len(ids) >= self._held(network):
                self._read_network(conn, network)
            else:
                for chunk in chunked(sorted(ids)):
                    self._read(conn, [among(docs.c.instrument_id, chunk)])
            self.versions[network] = current

    def _held(self, network: str) -> int:
        code = self._codes["network"].get(network)
        return 0 if code is None else int(np.count_nonzero(self.alive & (self.coded["network"] == code)))

    def _read_network(self, conn, network: str) -> None:
        """Every document of `network` again. Its rows held are marked gone first: SQLite gives a new
        document the docid of a removed one when that one was the last, so a docid held for this
        network may hold another's document now, which that network's read puts back."""
        code = self._codes["network"].get(network)
        if code is not None:
            self.alive[self.alive & (self.coded["network"] == code)] = False
        self._read(conn, [docs.c.network == network])

    def settle(self, conn, docids: np.ndarray) -> bool:
        """Read the rows of `docids` the columns do not hold: documents written since the last refresh,
        which the index can name first. False when one is gone (written over since the index named it)."""
        unknown = docids >= self._size
        held = docids[~unknown]
        todo = np.concatenate([docids[unknown], held[~self.alive[held]]]).tolist()
        found = 0
        for chunk in chunked(todo):
            found += len(rows := conn.execute(_READ.where(among(docs.c.docid, chunk))).all())
            if rows:
                self._put(rows)
        return found == len(todo)

    # ---- filters -------------------------------------------------------------------------------

    def where(self, name: str, test: Callable) -> np.ndarray:
        """A lookup table code → bool of coded column `name`: which of its values pass `test`."""
        return np.fromiter((test(v) for v in self.values[name]), dtype=bool, count=len(self.values[name]))

    def selected_mask(self, docids: np.ndarray, params) -> np.ndarray:
        """Which documents of `docids` the search's filters keep (hub.search.query.ROW_FILTERS,
        with the retired and one-per-instrument rules of query.conditions)."""
        keep = np.ones(len(docids), dtype=bool)
        for key, v in params.filters().items():
            keep &= FILTERS[key](self, docids, v)
        if params.include_retired is False and params.status is None:
            keep &= self.where("status", lambda s: s is None or s not in RETIRED)[self.coded["status"][docids]]
        if not params.all_sources:
            keep &= self.primary[docids]
        return keep


def _prefix(v: str) -> Callable:
    """The category filter as query._prefix_range compares: the codes between the prefix and the next."""
    if len(v) == 6:
        return lambda c: c == v
    upper = str(int(v) + 1).zfill(len(v))
    return lambda c: c is not None and v <= c < upper


def _coded(name: str, test_of: Callable = lambda v: lambda c: c == v) -> Callable:
    def select_(columns: Columns, docids, v):
        test = (lambda c: c is None) if v == UNKNOWN else test_of(v)
        return columns.where(name, test)[columns.coded[name][docids]]

    return select_


#: Every search filter as a mask over documents: the same rows as query.ROW_FILTERS selects.
FILTERS: dict[str, Callable] = {
    "network": _coded("network"),
    "city": _coded("city_code"),
    "category": _coded("category", _prefix),
    "owner_type": _coded("owner_type"),
    "owner_level": _coded("owner_level"),
    "status": _coded("status"),
    "sharing": _coded("sharing"),
    "certified": lambda c, ids, v: c.certified[ids] if v else ~c.certified[ids],
    "min_value": lambda c, ids, v: c.value[ids] >= float(v),  # NaN (no value) passes neither bound, as NULL
    "max_value": lambda c, ids, v: c.value[ids] <= float(v),
}

_HELD: dict[tuple, Columns] = {}
_HELD_LOCK = threading.Lock()


def load(conn, state: tuple) -> Columns:
    """Read the store's documents into memory (as a web process starts); `state`: versions.current,
    read before."""
    columns = Columns()
    columns.load(conn, state)
    with _HELD_LOCK:
        _HELD[question_key(conn, ())] = columns
    return columns


def held(conn) -> Columns | None:
    """The store's columns, when this process has loaded them."""
    return _HELD.get(question_key(conn, ()))


def forget(conn) -> None:
    with _HELD_LOCK:
        _HELD.pop(question_key(conn, ()), None)
