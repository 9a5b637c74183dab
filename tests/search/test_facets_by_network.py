"""Live facet counts are kept per question network by network (hub.search.facets): after a write, a
question asked before is counted again only in the networks whose index version moved, and the
counts served are still those of a fresh count."""

from __future__ import annotations

from sqlalchemy import event

from hub.search import SearchParams, search
from hub.search.backends import backend
from hub.search.facets import _count
from hub.search.parse import parse_query
from hub.search.query import conditions
from hub.search.synonyms import default_synonyms
from tests.factories import change, make_corpus, make_instruments, withdraw


def _fresh(conn, p: SearchParams):
    return _count(conn, conditions(backend(conn), p, []))


def _asked(store, p: SearchParams):
    """(total, facets) as a search answers them, and the statements it ran that count facets."""
    statements: list[tuple[str, str]] = []

    def seen(conn, cursor, statement, parameters, *args):
        statements.append((statement, repr(parameters)))

    with store.read() as conn:
        event.listen(conn, "before_cursor_execute", seen)
        result = search(conn, p)
        event.remove(conn, "before_cursor_execute", seen)
        fresh = _fresh(conn, p)
    # The facets' one statement: a materialised read (SQLite) or grouping sets (PostgreSQL).
    counting = [(s, params) for s, params in statements if "MATERIALIZED" in s or "GROUPING SETS" in s.upper()]
    return (result.total, result.facets), fresh, counting


def test_after_a_write_only_the_changed_network_is_counted_again(store):
    ids = make_corpus(store)
    # Two filters and no query: counted live, not from the kept counts.
    p = SearchParams(sharing="external", certified=False)
    served, fresh, counting = _asked(store, p)
    assert served == fresh and len(counting) == 1
    # Asked again after a change: counted by network from now on.
    make_instruments(store, [{"sharing": "external", "certified": False}], network="420000")
    served, fresh, counting = _asked(store, p)
    assert served == fresh and len(counting) == 1

    networks = {i.split(":", 1)[0] for i in ids}
    assert len(networks) > 1
    shandong = [i for i in ids if i.startswith("370000:")]
    change(store, shandong[0], sharing="external", certified=False)
    make_instruments(store, [{"sharing": "external", "certified": False}], network="370000")
    served, fresh, counting = _asked(store, p)
    assert served == fresh
    [(_statement, params)] = counting
    assert "370000" in params and not any(n in params for n in networks - {"370000"}), params

    withdraw(store, shandong[1:])
    served, fresh, _ = _asked(store, p)
    assert served == fresh
    served, fresh, counting = _asked(store, p)
    assert served == fresh and counting == []  # nothing changed: not counted at all


def test_with_a_query_a_changed_network_is_counted_through_its_tag_in_the_text_index(store):
    make_corpus(store)
    p = SearchParams(q="色谱", sharing="external")
    _asked(store, p)
    make_instruments(store, [{"name": "液相色谱仪", "sharing": "external"}], network="420000")
    _asked(store, p)  # counted by network from now on
    make_instruments(store, [{"name": "气相色谱仪", "sharing": "external"}], network="370000")
    with store.read() as conn:
        expected = _count(conn, conditions(backend(conn), p, parse_query(p.q, default_synonyms())))
    served, _fresh_without_query, counting = _asked(store, p)
    assert served == expected
    [(_statement, params)] = counting
    # Not `network IN (…)` checked on every match of 色谱: the network's own postings.
    assert "§n370000" in params and "420000" not in params, params
