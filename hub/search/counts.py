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

from collections import Counter
from decimal import Decimal
from itertools import combinations, islice

from sqlalchemy import delete, func, select, true, union_all

from hub.search.facets import VALUE_BANDS, band_filter, band_key
from hub.search.params import RETIRED, UNKNOWN, SearchParams
from hub.search.tables import counts, docs, stale
from hub.store import locks
from hub.store.bulk import dialect_insert, insert_many

#: search_docs columns a document is counted by.
COLUMNS = ("network", "city_code", "category", "owner_type", "owner_level", "status", "sharing", "certified", "value", "cluster_primary")

#: Default conditions a search applies on its own (not a filter a user picks): name → (row → holds).
FLAGS = {
    "live": lambda r: r["status"] not in RETIRED,  # retired instruments left out (include_retired=false)
    "primary": lambda r: r["cluster_primary"] is not False,  # one result per duplicate cluster (unless all_sources)
}


def _band(value) -> int | None:
    """Index into VALUE_BANDS, as facets.band_expression computes it in SQL."""
    if value is None:
        return None
    return next((i for i, (_, hi, *_r) in enumerate(VALUE_BANDS) if hi is not None and value < hi), len(VALUE_BANDS) - 1)


def _str(v) -> str:
    return "" if v is None else v


#: Facet name (as hub.search.facets.FACETS) → the facet's value of a row, as its SQL gives it ('' when missing).
FACET_VALUES = {
    "status": lambda r: _str(r["status"]),
    "network": lambda r: _str(r["network"]),
    "city": lambda r: _str(r["city_code"]),
    "category1": lambda r: _str(r["category"] and r["category"][:2]),
    "category2": lambda r: _str(r["category"] and r["category"][:4]),
    "owner_type": lambda r: _str(r["owner_type"]),
    "sharing": lambda r: _str(r["sharing"]),
    "certified": lambda r: "true" if r["certified"] is True or r["certified"] == 1 else "false",
    "value_band": lambda r: "" if _band(r["value"]) is None else str(_band(r["value"])),
}
TOTAL = "total"


def _equals(column):
    return lambda r: [r[column] if r[column] is not None else UNKNOWN]


def _prefix_matches(code: str, prefix: str) -> bool:
    """hub.search.query._prefix_range, in Python: a 6-digit filter is equality, a shorter one a range."""
    if len(prefix) == 6:
        return code == prefix
    return prefix <= code < str(int(prefix) + 1).zfill(len(prefix))


def _categories(r) -> list:
    c = r["category"]
    if c is None:
        return [UNKNOWN]
    prefixes = {c[:n] for n in (2, 4, 6) if len(c) >= n and c[:n].isdigit()}
    return sorted(p for p in prefixes if _prefix_matches(c, p))


def _certified(r) -> list:
    return ["true" if r["certified"] is True or r["certified"] == 1 else "false"]


def _value_band(r) -> list:
    band = _band(r["value"])
    return [] if band is None else [band_key(band)]


#: Filter (a SearchParams field, or "value" for one value band) → the filter values that select a row.
DIMENSIONS = {
    "network": _equals("network"),
    "city": _equals("city_code"),
    "category": _categories,
    "owner_type": _equals("owner_type"),
    "owner_level": _equals("owner_level"),
    "status": _equals("status"),
    "sharing": _equals("sharing"),
    "certified": _certified,
    "value": _value_band,
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


def scope_of(p: SearchParams) -> str | None:
    """The scope whose counts answer the facets of `p`, or None when they must be counted live: a
    query, or more than one filter."""
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
    if len(filters) > 1:
        return None
    if not filters:
        return scope_name(flags)
    [(dimension, value)] = filters.items()
    if isinstance(value, bool):
        value = "true" if value else "false"
    return scope_name(flags, dimension, value)


def _codes(values: list) -> tuple[list, list[int]]:
    """(distinct values in order of first sight, each value's index into them)."""
    index: dict = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    return list(index), codes


def _slots(selected: list[list]) -> list[tuple[list, list]]:
    """A dimension's selecting values per row → one (values, codes) per position (code None: the
    row has no value at that position): a row selected by several values of one dimension
    (category 01, 0105, 010500) is counted once under each."""
    out = []
    for k in range(max((len(v) for v in selected), default=0)):
        index: dict = {}
        codes = [index.setdefault(v[k], len(index)) if len(v) > k else None for v in selected]
        out.append((list(index), codes))
    return out


def tally(rows) -> Counter:
    """(network, scope, facet, value) → number of `rows` (mappings with COLUMNS) counted there.

    Column-wise: each row's flags, filter values and facet values become small integer codes once,
    and each (filter, facet) pair is one C-level Counter over combined integer codes of every row
    (the row's flag state part of the code, so the four flag combinations cost one pass); Python
    only loops over the distinct cells counted. A Counter of string tuples per (flags, filter,
    facet) cost ~150 µs a document: nearly half of a harvest's CPU."""
    rows = list(rows)
    out: Counter = Counter()
    if not rows:
        return out
    flag_names = sorted(FLAGS)
    tests = [FLAGS[name] for name in flag_names]
    states = [sum(1 << bit for bit, test in enumerate(tests) if test(r)) for r in rows]
    n_states = 1 << len(flag_names)
    networks, net = _codes([_str(r["network"]) for r in rows])
    facets = [(name, *_codes([value(r) for r in rows])) for name, value in FACET_VALUES.items()]
    facets.append((TOTAL, [""], [0] * len(rows)))
    # (dimension or None for the unfiltered scope, values, codes) per slot.
    slots = [(None, [None], [0] * len(rows))]
    for dimension, select_ in DIMENSIONS.items():
        slots += [(dimension, values, codes) for values, codes in _slots([select_(r) for r in rows])]
    # A scope's flags are a subset of the row's: flag combination → the states whose rows it counts.
    combos = [
        (flags, {s for s in range(n_states) if all(s >> flag_names.index(f) & 1 for f in flags)})
        for size in range(len(flag_names) + 1)
        for flags in combinations(flag_names, size)
    ]
    row_base = [s * len(networks) + n for s, n in zip(states, net)]
    for dimension, d_values, d_codes in slots:
        width_d = len(d_values)
        chosen = [i for i, d in enumerate(d_codes) if d is not None] if None in d_codes else None
        if chosen is None:
            base = [b * width_d + d for b, d in zip(row_base, d_codes)]
        else:
            base = [row_base[i] * width_d + d_codes[i] for i in chosen]
        names = {flags: [scope_name(flags, dimension, v) for v in d_values] for flags, _ in combos}
        per_state = len(networks) * width_d
        for facet, f_values, f_codes in facets:
            width = len(f_values)
            column = f_codes if chosen is None else [f_codes[i] for i in chosen]
            for cell, c in Counter([b * width + f for b, f in zip(base, column)]).items():
                rest, f = divmod(cell, width)
                state, rest = divmod(rest, per_state)
                n, d = divmod(rest, width_d)
                for flags, held in combos:
                    if state in held:
                        out[(networks[n], names[flags][d], facet, f_values[f])] += c
    return out


def old_rows(conn, ids) -> dict:
    """instrument id → the counted columns of its document now in the index (before a writer replaces it)."""
    q = select(docs.c.instrument_id, *(docs.c[c] for c in COLUMNS)).where(docs.c.instrument_id.in_(ids))
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


def _counted_documents(conn, where=(), chunk: int = 10_000) -> Counter:
    """`tally` of the documents matching `where`, read a chunk at a time."""
    total: Counter = Counter()
    last = 0
    while True:
        q = select(docs.c.docid, *(docs.c[c] for c in COLUMNS)).where(docs.c.docid > last, *where).order_by(docs.c.docid).limit(chunk)
        result = conn.execute(q)
        keys = list(result.keys())
        batch = [dict(zip(keys, r)) for r in result]  # a dict is read ~25 times a row, a Row's mapping slowly
        if not batch:
            return total
        total.update(tally(batch))
        last = batch[-1]["docid"]


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
    marked = select(stale.c.network).subquery("marked")
    kept = (
        select(counts.c.facet, counts.c.value, func.sum(counts.c.n))
        .where(counts.c.scope == scope, counts.c.network.not_in(select(marked.c.network)))
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
    flags, _, selected = scope.partition("/")
    flags = set(filter(None, flags.split("+")))
    fields: dict = {"include_retired": False if "live" in flags else True, "all_sources": None if "primary" in flags else True}
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
