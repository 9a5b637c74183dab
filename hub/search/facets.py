"""Facets: which groups the current result set falls into, with counts.

One statement per search: the matching rows' narrow columns are read once into a materialised CTE,
and each facet is a GROUP BY over it, all UNIONed — so the text match is evaluated once and only
(facet, value, count) rows come back, however many instruments match. Each facet value carries
`filter`, the query parameters that select exactly it, so a facet click shows exactly the count the
facet showed. Instruments missing the facet's field are counted too, as an "unknown" value last
(selected by the filter value `unknown`), so the counts of a facet always add up to the total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from sqlalchemy import String, case, cast, func, literal, select, tuple_, union_all

from hub.search import labels
from hub.search import versions
from hub.search.cache import Kept, cached, question_key
from hub.search.params import UNKNOWN
from hub.search.tables import docs

#: Original-value bands in yuan: [low, high). 大型科学仪器 start at 50万元 in the national rules. The
#: English labels write millions as amounts do (`formatting.money`: ¥1.36 m), not ¥0.5–1M beside them.
VALUE_BANDS = (
    (0, 500_000, "50万元以下", "under ¥0.5 m"),
    (500_000, 1_000_000, "50–100万元", "¥0.5–1 m"),
    (1_000_000, 2_000_000, "100–200万元", "¥1–2 m"),
    (2_000_000, 5_000_000, "200–500万元", "¥2–5 m"),
    (5_000_000, 10_000_000, "500–1000万元", "¥5–10 m"),
    (10_000_000, None, "1000万元以上", "¥10 m and over"),
)


def band_key(i: int) -> str:
    lo, hi = VALUE_BANDS[i][:2]
    return f"{lo}-{hi if hi is not None else ''}"


def band_expression(value=docs.c.value):
    """Index into VALUE_BANDS of a value (NULL when the value is unknown)."""
    whens = [(value.is_(None), None)] + [(value < hi, i) for i, (_, hi, *_r) in enumerate(VALUE_BANDS) if hi is not None]
    return case(*whens, else_=len(VALUE_BANDS) - 1)


def _band_index(key: str) -> int:
    return next(i for i in range(len(VALUE_BANDS)) if band_key(i) == key)


def band_filter(key: str) -> dict:
    lo, hi = VALUE_BANDS[_band_index(key)][:2]
    out = {"min_value": str(lo)}
    if hi is not None:
        out["max_value"] = str(Decimal(hi) - Decimal("0.01"))  # values have 2 places: ≤ hi-0.01 is < hi
    return out


def _as_asked(selecting: dict, p) -> dict:
    return selecting


def _within_category(selecting: dict, p) -> dict:
    """A level's code, or the narrower category the question already asks within it (category 0101
    asked: level 1's entry 01 counts 0101's instruments, so its link keeps 0101)."""
    asked = p.category
    if asked and asked != UNKNOWN and asked.startswith(selecting["category"]):
        return {"category": asked}
    return selecting


def _within_values(selecting: dict, p) -> dict:
    """A band's range cut to the range the question already asks (min_value 1,500,000 asked: the
    band 1–2 million counts those from 1.5 million, so its link starts there)."""
    out = dict(selecting)
    if p.min_value is not None and Decimal(out["min_value"]) < p.min_value:
        out["min_value"] = str(p.min_value)
    if p.max_value is not None and ("max_value" not in out or Decimal(out["max_value"]) > p.max_value):
        out["max_value"] = str(p.max_value)
    return out


@dataclass(frozen=True)
class Facet:
    name: str
    expression: Callable  # CTE -> SQL expression of the facet value (as text; NULL: not counted)
    label: Callable  # (value, context) -> (zh, en)
    filter: Callable  # value -> query parameters selecting it
    order: str = "count"  # "count" (most first), "value", or "band"
    value: Callable = staticmethod(lambda raw: raw)  # text from SQL -> facet value
    # (filter, SearchParams) -> the filter within what the question already asks of the same
    # parameter, so that following a value's link finds the count it showed.
    within: Callable = staticmethod(_as_asked)


def _category2_label(v, ctx):
    # A code classified at the first level only (010000) has the prefix 0100, whose code-table row
    # is the first level's own: name it as not subdivided rather than repeat the parent's name.
    if v.endswith("00"):
        return NOT_SUBDIVIDED
    return labels.category_label(v)


NOT_SUBDIVIDED = ("未细分", "Not subdivided")
UNKNOWN_LABEL = ("未知", "Unknown")

FACETS = (
    Facet("status", lambda c: c.c.status, lambda v, ctx: labels.STATUSES.get(v, (v, v)), lambda v: {"status": v}),
    Facet("network", lambda c: c.c.network, lambda v, ctx: (ctx["networks"].get(v, v),) * 2, lambda v: {"network": v}),
    Facet("city", lambda c: c.c.city_code, lambda v, ctx: (ctx["cities"].get(v) or v,) * 2, lambda v: {"city": v}),
    Facet(
        "category1",
        lambda c: func.substr(c.c.category, 1, 2),
        lambda v, ctx: labels.category_label(v),
        lambda v: {"category": v},
        within=_within_category,
    ),
    Facet("category2", lambda c: func.substr(c.c.category, 1, 4), _category2_label, lambda v: {"category": v}, within=_within_category),
    Facet("owner_type", lambda c: c.c.owner_type, lambda v, ctx: labels.OWNER_TYPES.get(v, (v, v)), lambda v: {"owner_type": v}),
    Facet("sharing", lambda c: c.c.sharing, lambda v, ctx: labels.SHARING.get(v, (v, v)), lambda v: {"sharing": v}, order="value"),
    Facet(
        "certified",
        lambda c: case((c.c.certified.is_(True), "true"), else_="false"),
        lambda v, ctx: labels.CERTIFIED[v],
        lambda v: {"certified": v},
        order="value",
    ),
    Facet(
        "value_band",
        lambda c: cast(band_expression(c.c.value), String),
        lambda v, ctx: VALUE_BANDS[_band_index(v)][2:],
        band_filter,
        order="band",
        value=lambda raw: band_key(int(raw)),
        within=_within_values,
    ),
)


def within(facets: dict[str, list[dict]], p) -> dict[str, list[dict]]:
    """`facets` (a copy: facet_counts') with each value's filter kept within what `p` asks."""
    for facet in FACETS:
        if facet.within is _as_asked:
            continue  # most facets: on every answer, hundreds of cities would be looked at for nothing
        for entry in facets.get(facet.name, ()):
            if entry["filter"] and not entry.get("unknown"):
                entry["filter"] = facet.within(entry["filter"], p)
    return facets


def facet_counts(
    conn,
    where,
    scope: str | None = None,
    asked: tuple | None = None,
    state: tuple | None = None,
    narrowed: Callable | None = None,
    whole: Callable | None = None,
    whole_by_network: Callable | None = None,
) -> tuple[int, dict[str, list[dict]]]:
    """(total, facets) of the search_docs rows matching `where`: from the cache when the index has
    not changed since they were counted (`hub.search.versions`), else read from the kept counts of
    `scope` (hub.search.counts: the same rows as `where`), else counted in one statement. `asked`:
    plain values `where` is made from (the search's parameters and clauses), a cheaper cache key
    than the SQL itself. `state`: the index versions (versions.current), when the caller has read them.
    `narrowed(network)`: `where` for that network's rows alone, written so that an index finds them
    (with a query: the network's tag in the text index), for recounting a changed network.
    `whole()` and `whole_by_network()`: the (facet, value, count) and (network, facet, value, count)
    rows of `where` counted another way (hub.search.in_memory), or None when it cannot.

    Counting the whole catalogue is what every visitor's first page asks for, and takes seconds at a
    million instruments; the answer only changes when a network's documents do."""
    # The registry too: the network facet is labelled with the networks' names.
    registered = labels.registry(conn)
    question = ("facets", registered, *(asked if asked is not None else where))
    if state is None:
        state = versions.current(conn)  # read once: the cache's key, and what a live count is kept under
    if scope is not None:
        compute = lambda: _kept(conn, scope, where, registered)  # noqa: E731
    else:
        compute = lambda: _rolled(conn, _count_changed(conn, where, question, state, narrowed, whole, whole_by_network), registered)  # noqa: E731
    total, facets = cached(conn, question, compute, state)
    return total, _copied(facets)  # callers decorate what they are given


def _copied(facets: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """A copy of roll_up's facets that callers may change: each entry and its filter (flat dicts of
    plain values). copy.deepcopy of a nation-wide question's facets (hundreds of cities) was ~6 ms of
    every answer, kept or not."""
    return {name: [{**entry, "filter": dict(entry["filter"])} for entry in entries] for name, entries in facets.items()}


def _kept(conn, scope: str, where, registered: tuple) -> tuple[int, dict[str, list[dict]]]:
    from hub.search import counts  # counts builds on this module's bands

    return _rolled(conn, counts.read(conn, scope, where), registered)


def _count(conn, where) -> tuple[int, dict[str, list[dict]]]:
    """(total, facets) of the search_docs rows matching `where`, in one statement."""
    return _rolled(conn, _whole(conn, where))


def _whole(conn, where) -> list[tuple]:
    """(facet, value, count) rows of the search_docs rows matching `where`, in one statement."""
    return _summed(row[1:] for row in COUNTERS.get(conn.dialect.name, _count_each)(conn, where))


def _by_network(conn, where) -> list[tuple]:
    """(network, facet, value, count) rows of the same, in one statement."""
    return COUNTERS.get(conn.dialect.name, _count_each)(conn, where, by_network=True)


def _summed(rows) -> list[tuple]:
    """(facet, value, count) rows summed over networks, with the total (0 when nothing matched)."""
    out: Counter = Counter()
    for facet, value, n in rows:
        out[(facet, value)] += n
    out[("total", None)] += 0
    return [(facet, value, n) for (facet, value), n in out.items()]


#: Live counts of up to 128 questions per process, network by network. After a write, a question
#: asked before is counted again only in the networks whose index version moved: a harvest changes
#: one network and commits a batch every few seconds, and counting "sharing external, not certified"
#: (490,000 of a million) again after each took 2–3 s; the changed network's share takes ~0.1–0.2 s.
_BY_NETWORK = Kept(128)
#: A question counted once, whole: grouping by network too costs SQLite a third to two thirds more,
#: so a question is kept by network from its first recount on, not for a question asked once.
ASKED = "asked once"
#: More networks changed than this since a question was counted: they are counted again in one
#: statement rather than one statement per network.
FEW_CHANGED = 3
_NEVER = object()


def _count_changed(
    conn,
    where,
    question,
    state: tuple,
    narrowed: Callable | None = None,
    whole: Callable | None = None,
    whole_by_network: Callable | None = None,
) -> list[tuple]:
    """(facet, value, count) rows of the rows matching `where`: the networks counted for `question`
    before and unchanged since (same index version in `state`, `versions.current`) from then, the
    others counted now. `whole`, `whole_by_network`: see facet_counts."""
    now = dict(state)
    key = question_key(conn, question)
    parts = _BY_NETWORK.get(conn, key)
    if parts is None:
        _BY_NETWORK.mark(conn, key, ASKED)
        rows = whole() if whole is not None else None
        return rows if rows is not None else _whole(conn, where)
    if parts == ASKED:
        # Every network counted: from the columns when they can (the database took ~1 s at a million).
        held = whole_by_network() if whole_by_network is not None else None
        counted, rows, parts = set(now), held if held is not None else _by_network(conn, where), {}
    else:
        # A few changed networks, counted through their tags in the database: cheaper than the
        # columns' answer, which covers every match (the benchmark's p95 rose from 44 to 190 ms).
        counted = {n for n in set(parts) | set(now) if parts.get(n, (_NEVER,))[0] != now.get(n)}
        if narrowed is not None and len(counted) <= FEW_CHANGED:
            # Each network's rows found through its own index entries: `network IN (…)` beside a query
            # is a row check on every match of the query (0.1–0.5 s for a broad one at a million).
            rows = [row for n in sorted(counted) for row in _by_network(conn, narrowed(n))]
        else:
            rows = _by_network(conn, [*where, docs.c.network.in_(sorted(counted))]) if counted else []
    fresh: dict = {}
    for network, facet, value, n in rows:
        fresh.setdefault(network, []).append((facet, value, n))
    # The versions were read before the count: a network changed in between is counted again next time.
    parts = {**parts, **{n: (now.get(n), tuple(fresh.get(n, ()))) for n in counted | set(fresh)}}
    _BY_NETWORK.put(conn, key, parts)
    return _summed(row for _version, network_rows in parts.values() for row in network_rows)


def _count_in_one_pass(conn, where, by_network: bool = False) -> list[tuple]:
    """PostgreSQL: one scan of the matching rows feeding every facet's hash table (GROUPING SETS,
    each with the network when `by_network`), instead of a materialised copy of them scanned and
    grouped once per facet. (network or None, facet, value, count) rows."""
    network = [docs.c.network] if by_network else []
    values = [cast(facet.expression(docs), String) for facet in FACETS]
    stmt = (
        select(*(func.grouping(v) for v in values), *network, *values, func.count())
        .where(*where)
        .group_by(func.grouping_sets(*(tuple_(*network, v) for v in values), tuple_(*network)))
    )
    rows = []
    first = len(values) + len(network)
    for row in conn.execute(stmt):
        grouped, at, counted = row[: len(values)], row[len(values)] if by_network else None, row[-1]
        if all(grouped):  # the grouping set of no facet: every matching row (of the network)
            rows.append((at, "total", None, counted))
        else:
            i = grouped.index(0)
            rows.append((at, FACETS[i].name, row[first + i], counted))
    return rows


def _count_each(conn, where, by_network: bool = False) -> list[tuple]:
    """SQLite (which has no GROUPING SETS): every facet's GROUP BY over one materialised read."""
    rows = conn.execute(union_all(*count_rows(select(*COUNTED).where(*where), by_network=by_network))).all()
    return [tuple(r) for r in rows] if by_network else [(None, *r) for r in rows]


#: The narrow columns facets are counted from.
COUNTED = (
    docs.c.status,
    docs.c.network,
    docs.c.city_code,
    docs.c.category,
    docs.c.owner_type,
    docs.c.sharing,
    docs.c.certified,
    docs.c.value,
)


def count_rows(read, by_network: bool = False) -> list:
    """The (facet, value, count) selects of the rows `read` selects (COUNTED's columns, by name), to
    be UNIONed: the total (value NULL) and each facet's GROUP BY over one materialised read of them
    (also how the kept counts count a network live while its harvest leaves them stale).
    `by_network`: each row led by its network (and no total row for a network with no matching row)."""
    matching = read.cte("matching").prefix_with("MATERIALIZED")
    network = [matching.c.network] if by_network else []
    total = select(*network, literal("total").label("facet"), cast(literal(None), String).label("value"), func.count().label("n"))
    parts = [total.select_from(matching).group_by(*network)]
    for facet in FACETS:
        expr = cast(facet.expression(matching), String)
        parts.append(select(*network, literal(facet.name), expr, func.count()).group_by(*network, expr))
    return parts


#: How each database counts facets in one statement (by dialect name; others: COUNTERS' default).
COUNTERS = {"postgresql": _count_in_one_pass, "sqlite": _count_each}


def _rolled(conn, rows, registered: tuple | None = None) -> tuple[int, dict[str, list[dict]]]:
    """(total, facets) of (facet, value, count) rows, labelled. `registered`: labels.registry, when
    the caller has read it (the facets' cache key holds it)."""
    total = next(n for f, v, n in rows if f == "total")
    city_codes = [v for f, v, n in rows if f == "city" and v]
    context = {"networks": labels.network_names(conn, registered), "cities": city_names(conn, city_codes)}
    return total, roll_up(rows, context)


_CITY_NAMES: dict[str, str] = {}  # city code → name, filled on first sight (names are stable)


def city_names(conn, codes=None) -> dict[str, str]:
    """City code → name, read for those of `codes` not known yet (None: for every city of the
    catalogue — what a web process reads as it starts, since the whole catalogue's facets name nearly
    all of them and reading them cost its first visitor ~0.15 s at a million instruments)."""
    missing = None if codes is None else [c for c in codes if c not in _CITY_NAMES]
    if missing is None or missing:
        q = select(docs.c.city_code, func.max(docs.c.city_name)).group_by(docs.c.city_code)
        if missing is not None:
            q = q.where(docs.c.city_code.in_(missing))
        _CITY_NAMES.update({code: name for code, name in conn.execute(q) if code and name})
    return _CITY_NAMES


def roll_up(rows, context: dict) -> dict[str, list[dict]]:
    """(facet, value, count) rows → {facet: [{value, label, label_en, count, filter}, …]}."""
    out = {}
    for facet in FACETS:
        counts = [(facet.value(v), n) for f, v, n in rows if f == facet.name and v is not None]
        missing = sum(n for f, v, n in rows if f == facet.name and v is None)
        if facet.order == "count":
            counts.sort(key=lambda kv: (-kv[1], kv[0]))
        elif facet.order == "band":
            counts.sort(key=lambda kv: _band_index(kv[0]))
        else:
            counts.sort()
        items = []
        for v, n in counts:
            zh, en = facet.label(v, context)
            items.append({"value": v, "label": zh, "label_en": en, "count": n, "filter": facet.filter(v)})
        if missing:
            # The value band of an unknown value has no filter (the value filters are ranges).
            selecting = {} if facet.name == "value_band" else facet.filter(UNKNOWN)
            items.append(
                {
                    "value": UNKNOWN,
                    "label": UNKNOWN_LABEL[0],
                    "label_en": UNKNOWN_LABEL[1],
                    "count": missing,
                    "filter": selecting,
                    "unknown": True,
                }
            )
        out[facet.name] = items
    return out
