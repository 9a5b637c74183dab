"""Facet counts kept as the index changes, for the searches every visitor makes: the whole catalogue
and any one filter (a province, a city, a category, a value band…), without a query.

Counting those live reads most of search_docs (seconds at a million instruments), and a cache keyed
by the index version (hub.search.cache) is emptied by every harvest, so the first visitor after each
one paid for it. Here the counts are a table, `search_counts(scope, facet, value, network, n)`,
changed by the writer in its own transaction by exactly the difference between the documents it
removes and those it writes (`apply_delta`): what a reader sums is always what a GROUP BY over the
documents it can see would give (tests/search/test_counts.py checks it after every kind of write).
A harvest leaves its own network's counts to its end instead (hub.search.stale_counts): that
network is marked stale meanwhile, and `read` counts it live.

- `scope` names the rows counted: the filter (`network=370000`, `category=0105`, `value=500000-1000000`,
  or nothing) behind the default conditions in force (FLAGS: `live` leaves out retired instruments,
  `primary` the records another network's record stands for). A scope is the whole set of
  conditions, so a new default condition is one more entry of FLAGS: each document then also counts
  in the scopes with that flag. Whoever changes a counted column outside `index_instruments` (the
  cluster flag: hub.dedup.store) applies the change too (`recount`).
- `network` partitions every count by the document's network, so concurrent writers of different
  networks never update the same row (as with search_versions); readers sum the partitions.
- `value` is the facet value as the live count's SQL gives it as text, '' for a missing one.

The same pure function (`tally`) counts a chunk of changed documents and the whole index
(`rebuild`), column by column with C-level Counters, so a rebuild of a million documents takes
seconds, not minutes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from decimal import Decimal
from itertools import combinations, islice

import numpy as np
from sqlalchemy import delete, func, select, true, union_all

from hub.search.facets import VALUE_BANDS, band_filter, band_key
from hub.search.params import RETIRED, UNKNOWN, SearchParams
from hub.search.tables import counts, docs, stale
from hub.store import locks
from hub.store.bulk import dialect_insert, insert_many
from hub.store.chunks import among

#: search_docs columns a document is counted by.
COLUMNS = ("network", "city_code", "category", "owner_type", "owner_level", "status", "sharing", "certified", "value", "cluster_primary")

#: Default conditions a search applies on its own (not a filter a user picks): name → (column, its
#: value → the condition holds). Each registry below reads one column of a document, so `tally`
#: computes it once per distinct value of that column rather than once per document.
FLAGS = {
    "live": ("status", lambda status: status not in RETIRED),  # retired instruments left out (include_retired=false)
    "primary": ("cluster_primary", lambda primary: primary is not False),  # one result per duplicate cluster (unless all_sources)
}


#: Upper bounds of every band but the last, ascending: a value's band is how many of them it reaches.
_BAND_HIGHS = [hi for _, hi, *_r in VALUE_BANDS if hi is not None]


def _band(value) -> int | None:
    """Index into VALUE_BANDS, as facets.band_expression computes it in SQL (the first band whose
    upper bound the value is below, else the last)."""
    if value is None:
        return None
    return bisect_right(_BAND_HIGHS, value)


def _str(v) -> str:
    return "" if v is None else v


def _true_false(certified) -> str:
    return "true" if certified is True or certified == 1 else "false"


#: Facet name (as hub.search.facets.FACETS) → (column, its value → the facet's value as its SQL
#: gives it, '' when missing).
FACET_VALUES = {
    "status": ("status", _str),
    "network": ("network", _str),
    "city": ("city_code", _str),
    "category1": ("category", lambda c: _str(c and c[:2])),
    "category2": ("category", lambda c: _str(c and c[:4])),
    "owner_type": ("owner_type", _str),
    "sharing": ("sharing", _str),
    "certified": ("certified", _true_false),
    "value_band": ("value", lambda v: "" if v is None else str(_band(v))),
}
TOTAL = "total"


def _equals(value) -> tuple:
    return (value if value is not None else UNKNOWN,)


def _prefix_matches(code: str, prefix: str) -> bool:
    """hub.search.query._prefix_range, in Python: a 6-digit filter is equality, a shorter one a range."""
    if len(prefix) == 6:
        return code == prefix
    return prefix <= code < str(int(prefix) + 1).zfill(len(prefix))


def _categories(c: str | None) -> tuple:
    if c is None:
        return (UNKNOWN,)
    prefixes = {c[:n] for n in (2, 4, 6) if len(c) >= n and c[:n].isdigit()}
    return tuple(sorted(p for p in prefixes if _prefix_matches(c, p)))


#: Filter (a SearchParams field, or "value" for one value band) → (column, its value → the filter
#: values that select the document).
DIMENSIONS = {
    "network": ("network", _equals),
    "city": ("city_code", _equals),
    "category": ("category", _categories),
    "owner_type": ("owner_type", _equals),
    "owner_level": ("owner_level", _equals),
    "status": ("status", _equals),
    "sharing": ("sharing", _equals),
    "certified": ("certified", lambda v: (_true_false(v),)),
    "value": ("value", lambda v: () if v is None else (band_key(_band(v)),)),
}


def scope_name(flags, dimension: str | None = None, value: str | None = None) -> str:
    return "+".join(sorted(flags)) + "/" + (f"{dimension}={value}" if dimension else "")


def _band_of(p: SearchParams) -> str | None:
    """The value band's key when min_value/max_value are exactly one band's filter (facets.band_filter)."""
    for i in range(len(VALUE_BANDS)):
        f = band_filter(band_key(i))
        if p.min_value == _decimal(f.get("min_value")) and p.max_value == _decimal(f.get("max_value")):
            return band_key(i)
    return None


def _decimal(v):
    return None if v is None else Decimal(v)


#: Joins a scope to the one network whose rows of it are read. Counts are partitioned by network, so
#: "network 370000 and owner type university" is the scope owner_type=university read in 370000's
#: rows alone: a province and one more filter (a visitor's second facet click) need no scope of their own.
IN_NETWORK = "@"


def scope_of(p: SearchParams) -> str | None:
    """The scope whose counts answer the facets of `p`, or None when they must be counted live: a
    query, or more than one filter besides a network."""
    if p.q:
        return None
    flags = ["live"] if p.include_retired is False and p.status is None else []
    if not p.all_sources:
        flags.append("primary")
    filters = {k: v for k, v in p.filters().items() if k not in ("min_value", "max_value")}
    if p.min_value is not None or p.max_value is not None:
        band = _band_of(p)
        if band is None:
            return None
        filters["value"] = band
    network = filters.pop("network") if len(filters) == 2 and "network" in filters else None
    if len(filters) > 1:
        return None
    if not filters:
        name = scope_name(flags)
    else:
        [(dimension, value)] = filters.items()
        if isinstance(value, bool):
            value = "true" if value else "false"
        name = scope_name(flags, dimension, value)
    return name + IN_NETWORK + network if network else name


def _codes(values) -> tuple[list, list[int]]:
    """(distinct values in order of first sight, each value's index into them)."""
    index: dict = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    return list(index), codes


class _Columns:
    """The documents of one `tally`, column by column: each column's distinct values and, per
    document, the index of its value among them. Values equal in Python are one value (True and 1
    are): every registry function gives equal values the same result."""

    def __init__(self, rows: list):
        self.rows = rows
        self._seen: dict[str, tuple[list, np.ndarray]] = {}

    def column(self, name: str) -> tuple[list, np.ndarray]:
        if name not in self._seen:
            values, codes = _codes([r[name] for r in self.rows])
            self._seen[name] = (values, np.array(codes, dtype=np.int64))
        return self._seen[name]

    def derived(self, column: str, fn) -> tuple[list, np.ndarray]:
        """(distinct values of `fn(column)`, each document's index among them)."""
        values, codes = self.column(column)
        out, mapped = _codes(map(fn, values))
        return out, np.array(mapped, dtype=np.int64)[codes]

    def slots(self, column: str, fn) -> list[tuple[list, np.ndarray]]:
        """`fn(column)` gives the filter values that select a document → one (values, codes) per
        position (code -1: the document has no value at that position): a document selected by
        several values of one dimension (category 01, 0105, 010500) is counted once under each."""
        values, codes = self.column(column)
        selected = [fn(v) for v in values]
        out = []
        for k in range(max((len(v) for v in selected), default=0)):
            index: dict = {}
            at_k = [index.setdefault(v[k], len(index)) if len(v) > k else -1 for v in selected]
            out.append((list(index), np.array(at_k, dtype=np.int64)[codes]))
        return out


def _cells(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct codes, how many times each occurs) of `codes`, all in range(size)."""
    if size <= 4 * len(codes) + 1024:
        n = np.bincount(codes, minlength=size)
        found = np.flatnonzero(n)
        return found, n[found]
    return np.unique(codes, return_counts=True)


def tally(rows) -> Counter:
    """(network, scope, facet, value) → number of `rows` (mappings with COLUMNS) counted there.

    Column-wise: each column's distinct values become small integer codes once, the flags, filter
    values and facet values are computed per distinct value, and each (filter, facet) pair is one
    count over combined integer codes of every row, in numpy (the row's flag state part of the
    code, so the four flag combinations cost one pass); Python only loops over the distinct cells
    counted. A Counter of string tuples per (flags, filter, facet) cost ~150 µs a document, nearly
    half of a harvest's CPU; per-row functions and C-level Counters over Python ints ~37 µs."""
    rows = list(rows)
    out: Counter = Counter()
    if not rows:
        return out
    columns = _Columns(rows)
    flag_names = sorted(FLAGS)
    states = np.zeros(len(rows), dtype=np.int64)
    for bit, name in enumerate(flag_names):
        held, codes = columns.derived(*FLAGS[name])
        states |= np.array([bool(h) << bit for h in held], dtype=np.int64)[codes]
    n_states = 1 << len(flag_names)
    networks, net = columns.derived("network", _str)
    facets = [(name, *columns.derived(*spec)) for name, spec in FACET_VALUES.items()]
    facets.append((TOTAL, [""], np.zeros(len(rows), dtype=np.int64)))
    # (dimension or None for the unfiltered scope, values, codes) per slot.
    slots = [(None, [None], np.zeros(len(rows), dtype=np.int64))]
    for dimension, spec in DIMENSIONS.items():
        slots += [(dimension, values, codes) for values, codes in columns.slots(*spec)]
    # A scope's flags are a subset of the row's: flag combination → the states whose rows it counts.
    combos = [
        (flags, {s for s in range(n_states) if all(s >> flag_names.index(f) & 1 for f in flags)})
        for size in range(len(flag_names) + 1)
        for flags in combinations(flag_names, size)
    ]
    row_base = states * len(networks) + net
    for dimension, d_values, d_codes in slots:
        width_d = len(d_values)
        chosen = d_codes >= 0
        every = bool(chosen.all())
        base = row_base * width_d + d_codes if every else row_base[chosen] * width_d + d_codes[chosen]
        names = {flags: [scope_name(flags, dimension, v) for v in d_values] for flags, _ in combos}
        per_state = len(networks) * width_d
        for facet, f_values, f_codes in facets:
            width = len(f_values)
            found, numbers = _cells(base * width + (f_codes if every else f_codes[chosen]), n_states * per_state * width)
            for cell, c in zip(found.tolist(), numbers.tolist()):
                rest, f = divmod(cell, width)
                state, rest = divmod(rest, per_state)
                n, d = divmod(rest, width_d)
                for flags, held in combos:
                    if state in held:
                        out[(networks[n], names[flags][d], facet, f_values[f])] += c
    return out


def old_rows(conn, ids) -> dict:
    """instrument id → the counted columns of its document now in the index (before a writer replaces it)."""
    q = select(docs.c.instrument_id, *(docs.c[c] for c in COLUMNS)).where(among(docs.c.instrument_id, ids))
    return {r.instrument_id: r._mapping for r in conn.execute(q)}


def add_change(delta: Counter, before: dict, after: list) -> None:
    """Add to `delta` what replacing the documents `before` (id → row) by `after` (rows with
    instrument_id) changes. A document rewritten with the same counted values (most of a re-harvest)
    changes nothing and costs nothing."""
    after_by_id = {r["instrument_id"]: r for r in after}

    def same(a, b) -> bool:
        return all(a[c] == b[c] for c in COLUMNS)

    gone = [r for i, r in before.items() if i not in after_by_id or not same(r, after_by_id[i])]
    new = [r for i, r in after_by_id.items() if i not in before or not same(before[i], r)]
    delta.subtract(tally(gone))
    delta.update(tally(new))


def recount(conn, ids, change) -> None:
    """Run `change()` (an UPDATE of counted columns of the documents of `ids`) and change the counts by
    what it changed."""
    delta: Counter = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        before = old_rows(conn, chunk)
        change(chunk)
        add_change(delta, before, list(old_rows(conn, chunk).values()))
    apply_delta(conn, delta)


def apply_delta(conn, delta: Counter) -> None:
    """Add `delta` ((network, scope, facet, value) → change) to the counts, in key order (concurrent
    writers of one network then lock its rows in the same order). Each network's counts lock is
    held first: a recount of that network (`recount_network`) waits for this transaction, or this
    one for it, so neither loses the other's change."""
    rows = [{"network": k[0], "scope": k[1], "facet": k[2], "value": k[3], "n": n} for k, n in sorted(delta.items()) if n]
    if not rows:
        return
    for network in sorted({r["network"] for r in rows}):
        locks.hold(conn, lock_name(network))
    ins = dialect_insert(conn.dialect.name, counts)
    stmt = ins.on_conflict_do_update(index_elements=["scope", "facet", "value", "network"], set_={"n": counts.c.n + ins.excluded.n})
    for start in range(0, len(rows), 5000):
        conn.execute(stmt, rows[start : start + 5000])


def lock_name(network: str) -> str:
    """The named lock (hub.store.locks) of one network's kept counts."""
    return f"search_counts:{network}"


def _insert_counted(conn, total: Counter, chunk: int = 5_000) -> None:
    """Insert `total` as count rows, a chunk at a time (a whole network's rows as dicts at once were
    the largest allocation of a harvest)."""
    items = iter(total.items())
    while part := list(islice(items, chunk)):
        rows = [{"network": k[0], "scope": k[1], "facet": k[2], "value": k[3], "n": n} for k, n in part if n]
        if rows:
            insert_many(conn, counts, rows)


def _counted_documents(conn, where=(), chunk: int = 20_000) -> Counter:
    """`tally` of the documents matching `where`, read as one stream, `chunk` rows at a time.
    (Pages of `docid > last ORDER BY docid` sorted the whole network again for every page.)"""
    total: Counter = Counter()
    # On the statement: Connection.execution_options would change the connection (and its later executemany).
    result = conn.execute(select(*(docs.c[c] for c in COLUMNS)).where(*where).execution_options(yield_per=chunk))
    for part in result.partitions():
        total.update(tally([dict(zip(COLUMNS, r)) for r in part]))  # a dict is read per column, a Row's mapping slowly
    return total


def count_network(conn, network: str) -> Counter:
    """`tally` of one network's documents (read only: callable before the write lock)."""
    return _counted_documents(conn, [docs.c.network == network])


def recount_network(conn, network: str, counted: Counter | None = None) -> None:
    """Replace one network's partition by `counted` (`count_network` of the documents as they are
    in this transaction; counted here when not given), under the network's counts lock."""
    locks.hold(conn, lock_name(network))
    total = count_network(conn, network) if counted is None else counted
    conn.execute(delete(counts).where(counts.c.network == network))
    _insert_counted(conn, total)


def drift(conn, network: str) -> dict[tuple, tuple[int, int]]:
    """Where one network's kept counts differ from a count of its documents: (scope, facet, value) →
    (kept, counted); empty when they agree. `conn` reads both in one snapshot (a SQLite read
    transaction; REPEATABLE READ on PostgreSQL), or a writer's commit between them shows as drift.
    The counts of a network marked stale are not used (`read` counts it live): do not ask for one."""
    kept = {
        (r.scope, r.facet, r.value): r.n
        for r in conn.execute(select(counts.c.scope, counts.c.facet, counts.c.value, counts.c.n).where(counts.c.network == network))
        if r.n
    }
    counted = {key[1:]: n for key, n in count_network(conn, network).items() if n}
    return {k: (kept.get(k, 0), counted.get(k, 0)) for k in kept.keys() | counted.keys() if kept.get(k, 0) != counted.get(k, 0)}


def counted_networks(conn) -> list[str]:
    """Every network with search documents or kept counts."""
    documented = set(conn.execute(select(docs.c.network).distinct()).scalars())
    return sorted(documented | set(conn.execute(select(counts.c.network).distinct()).scalars()))


def rebuild(conn, chunk: int = 100_000) -> None:
    """Count the whole index again (after a rebuild of the index, or when the table is new)."""
    conn.execute(delete(counts))
    _insert_counted(conn, _counted_documents(conn, chunk=chunk))


def read(conn, scope: str, where=None) -> list[tuple]:
    """(facet, value, count) rows of a scope, as facets._count's statement returns them (None for a
    missing value), with the total as ("total", None, n).

    Networks marked stale (a harvest is changing their documents and counts them at its end,
    hub.search.stale_counts) are counted live from their documents under `where` (the scope's
    conditions; derived from the scope when not given), every other network from its kept rows.
    The mark, the kept rows and the documents are read in one snapshot (MARKED_ROWS)."""
    from hub.search.facets import count_rows  # facets' live count; it imports this module lazily too

    if where is None:
        where = conditions_of(conn, scope)
    stored, _, network = scope.partition(IN_NETWORK)
    marked = select(stale.c.network).subquery("marked")
    kept = (
        select(counts.c.facet, counts.c.value, func.sum(counts.c.n))
        .where(
            counts.c.scope == stored, counts.c.network.not_in(select(marked.c.network)), *([counts.c.network == network] if network else [])
        )
        .group_by(counts.c.facet, counts.c.value)
    )
    rows = MARKED_ROWS.get(conn.dialect.name, _marked_listed)(conn, where, marked)
    live = count_rows(rows) if rows is not None else []
    summed: Counter = Counter()
    for f, v, n in conn.execute(union_all(kept, *live)):
        summed[(f, v or None)] += int(n)
    out = [(f, v, n) for (f, v), n in summed.items() if n > 0]
    if not any(f == TOTAL for f, _, _ in out):
        out.append((TOTAL, None, 0))
    return out


def _marked_listed(conn, where, marked):
    """The marked networks' documents under `where`, the networks read first and named (None: none
    is marked, nothing to count live). SQLite reads in one snapshot from a transaction's first read
    to its end, so this is the state the kept rows are read in."""
    from hub.search.facets import COUNTED

    networks = conn.execute(select(marked.c.network)).scalars().all()
    return select(*COUNTED).where(*where, docs.c.network.in_(networks)) if networks else None


def _marked_lateral(conn, where, marked):
    """The same in one statement (READ COMMITTED gives each statement its own snapshot): a LATERAL
    read per marked network, so the mark table is the outer loop and each network's documents come
    through its index (flattened into a join, it became a hash join over every document: 0.9 s)."""
    from hub.search.facets import COUNTED

    # OFFSET 0 keeps PostgreSQL from pulling the subquery up into a hash join over every document.
    per_network = select(*COUNTED).where(*where, docs.c.network == marked.c.network).offset(0).lateral("marked_docs")
    return select(*per_network.c).select_from(marked.join(per_network, true()))


#: How the documents of the networks marked stale are read, by dialect. Nearly always no network is
#: marked, and the count must then cost nothing. Written as `network IN (marks)` (or `= ANY`), both
#: planners at a million after ANALYZE scanned every document to find none: 250 ms on SQLite, 640 ms
#: on PostgreSQL (which estimated 290,000 rows), for every first visitor after a change.
MARKED_ROWS = {"postgresql": _marked_lateral, "sqlite": _marked_listed}


def params_of(scope: str) -> SearchParams:
    """The search whose facets `scope` counts (the inverse of `scope_of`)."""
    scope, _, network = scope.partition(IN_NETWORK)
    flags, _, selected = scope.partition("/")
    flags = set(filter(None, flags.split("+")))
    fields: dict = {"include_retired": False if "live" in flags else True, "all_sources": None if "primary" in flags else True}
    if network:
        fields["network"] = network
    if selected:
        dimension, _, value = selected.partition("=")
        if dimension == "value":
            fields.update({k: Decimal(v) for k, v in band_filter(value).items()})
        elif dimension == "certified":
            fields["certified"] = value == "true"
        else:
            fields[dimension] = value
    return SearchParams(**fields)


def conditions_of(conn, scope: str) -> list:
    """The search_docs conditions of the rows `scope` counts."""
    from hub.search.backends import backend
    from hub.search.query import conditions  # query reads this module's scopes

    return conditions(backend(conn), params_of(scope), [])
