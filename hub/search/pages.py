"""The ranked page of a search with a query, kept network by network across catalogue changes.

Ranking every match of a broad query (质谱 with a nation-wide filter: 30,000–110,000 matches) costs
0.5–2 s at a million instruments, and a harvest changes one network and commits a batch every few
seconds, each making every kept page stale. The page of a question is the first `offset + size`
rows of the union of every network's first `offset + size` rows, in the same order: so after a first
recount has ranked each network's share once, a change costs ranking the changed networks' matches
only — found through the network's tag in the text index, a thirtieth of the work — and merging.
Each network's rows carry their sort keys and the index version they were ranked at
(hub.search.versions); a part is used only at that version.

A question asked once is ranked whole (ranking each network apart costs up to half as much again),
and kept by network from its first recount on, as the facet counts are (hub.search.facets).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Callable

from sqlalchemy import select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import Label, _label_reference

from hub.search.cache import Kept, cached, question_key
from hub.search.facets import ASKED
from hub.store.models import Network

#: Deeper pages are ranked whole: a network's part holds `offset + size` rows.
DEEPEST = 200

_BY_NETWORK = Kept(128)
_NETWORKS = Network.__table__


def ranked_page(
    conn, p, clauses, statement, state: tuple, ranked: Callable | None = None, ranked_by_network: Callable | None = None
) -> list[tuple]:
    """(instrument_id, score) rows of the page `p` asks for. `statement(params)` is the page's select
    for those parameters: its columns (instrument_id, score) and its ORDER BY, LIMIT and OFFSET.
    `state`: the index versions (versions.current), read before. `ranked(p)`: the same rows ranked
    another way (hub.search.in_memory), or None when it cannot; used where every match is ranked.
    `ranked_by_network(p, networks)`: each network's rows as kept here, ranked that way (or None)."""
    question = ("page", replace(p, q=None), *clauses)

    def whole():
        rows = ranked(p) if ranked is not None else None
        return rows if rows is not None else conn.execute(statement(p)).all()

    if not clauses or p.network is not None or p.city is not None or p.offset + p.page_size > DEEPEST:
        # One network's question, the order of no query (read along the rank index: milliseconds),
        # or a page too deep to keep by network.
        return cached(conn, question, whole, state)
    return cached(conn, question, lambda: _by_network(conn, p, question, statement, state, whole, ranked_by_network), state)


def _by_network(conn, p, question, statement, state: tuple, whole, ranked_by_network: Callable | None = None) -> list[tuple]:
    now = dict(state)
    key = question_key(conn, question)
    parts = _BY_NETWORK.get(conn, key)
    if parts is None:
        _BY_NETWORK.mark(conn, key, ASKED)
        return whole()
    depth = p.offset + p.page_size
    top = replace(p, page=1, page_size=depth)
    keys = _sort_keys(statement(top))
    kept_before = parts != ASKED
    if parts == ASKED:
        parts, changed = {}, set(now) | set(conn.execute(select(_NETWORKS.c.code)).scalars())
    else:
        changed = {n for n in set(parts) | set(now) if parts.get(n, (None,))[0] != now.get(n)}
    # Each network ranked through its tag in the text index, which finds that network's matches
    # alone: every network so costs about one ranking of every match (numbering every match within
    # its network in one statement sorted them all, up to twice that).
    # Every network ranked (the first recount): from the columns when they can. A few changed ones
    # are ranked through their tags in the database, cheaper than the columns' answer over every match.
    fresh = ranked_by_network(top, sorted(changed)) if ranked_by_network is not None and not kept_before else None
    if fresh is None:
        fresh = {n: tuple(tuple(r) for r in conn.execute(_keyed(statement(replace(top, network=n)), keys))) for n in sorted(changed)}
    # The versions were read before the ranking: a network changed in between is ranked again next time.
    parts = {**parts, **{n: (now.get(n), rows) for n, rows in fresh.items()}}
    _BY_NETWORK.put(conn, key, parts)
    merged = sorted((row for _version, rows in parts.values() for row in rows), key=functools.cmp_to_key(_compare(statement(top))))
    return [(instrument_id, score) for instrument_id, score, *_keys in merged[p.offset : depth]]


def _sort_keys(stmt) -> list[tuple]:
    """(expression, descending, label) of each ORDER BY term of `stmt`: `label` is the name of the
    selected column a term orders by (the score), None for an expression of its own."""
    out = []
    for term in stmt._order_by_clauses:
        if isinstance(term, _label_reference):  # how a select holds "ORDER BY <its own label> …"
            term = term.element
        modifier = getattr(term, "modifier", None)
        directed = modifier in (operators.desc_op, operators.asc_op)
        expr, descending = (term.element, modifier is operators.desc_op) if directed else (term, False)
        out.append((expr, descending, expr.name if isinstance(expr, Label) else None))
    return out


def _keyed(stmt, keys: list[tuple]):
    """`stmt` selecting, after its own columns, each sort key that is not one of them (the score is
    computed once, not again as a key: it is the costly part)."""
    return stmt.add_columns(*(expr.label(f"sort_{i}") for i, (expr, _d, label) in enumerate(keys) if label is None))


def _compare(stmt):
    """A comparison of (instrument_id, score, sort keys…) rows in `stmt`'s order: the same total
    order the database gives (the instrument id is last and unique; compared by code point, as
    SQLite's binary and PostgreSQL's "C" collation of search_docs.instrument_id do)."""
    keys = _sort_keys(stmt)
    own = len(stmt.selected_columns)
    names = [c.key for c in stmt.selected_columns]
    positions, extra = [], own
    for _e, descending, label in keys:
        if label is None:
            positions.append((extra, descending))
            extra += 1
        else:
            positions.append((names.index(label), descending))

    def compare(a, b):
        for at, desc in positions:
            x, y = a[at], b[at]
            if x != y:
                # A NULL is only ever compared with a NULL: every nullable key follows its "IS NULL" key.
                return (-1 if x > y else 1) if desc else (-1 if x < y else 1)
        return 0

    return compare
