"""Live facet counts are kept per question network by network (hub.search.facets): after a write, a
question asked before is counted again only in the networks whose index version moved, and the
counts served are still those of a fresh count."""

from __future__ import annotations

from sqlalchemy import event

from hub.search import SearchParams, search
from hub.search.backends import backend
from hub.search.facets import _count
from hub.search.query import conditions
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
