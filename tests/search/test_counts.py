"""The facet counts the writers keep (hub.search.counts) equal a live count of the same search, for
the whole catalogue and every single filter, after inserts, changes, withdrawals, the dedup's cluster flags and a rebuild."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.dedup.store import _set_search_flags
from hub.search import counts, index_all, search
from hub.search.facets import _count, band_filter, band_key
from hub.search.params import SearchParams
from hub.search.query import conditions
from hub.search.backends import backend
from tests.factories import change, make_corpus, make_instruments, withdraw


def _live(conn, p: SearchParams):
    """(total, facets) counted live over search_docs, as a search with a query or two filters is."""
    return _count(conn, conditions(backend(conn), p, []))


def _kept(conn, p: SearchParams):
    scope = counts.scope_of(p)
    assert scope is not None, p
    from hub.search.facets import _rolled

    return _rolled(conn, counts.read(conn, scope))


def _every_single_filter(conn) -> list[SearchParams]:
    """The whole catalogue and every facet value's own filter, with and without retired instruments."""
    out = []
    for include_retired, all_sources in [(r, a) for r in (None, False, True) for a in (None, True)]:
        base = SearchParams(include_retired=include_retired, all_sources=all_sources)
        out.append(base)
        _, facets = _live(conn, base)
        for items in facets.values():
            for item in items:
                if item["filter"]:
                    out.append(SearchParams(**{**base.__dict__, **_typed(item["filter"])}))
    out += [SearchParams(owner_level="central"), SearchParams(owner_level="unknown"), SearchParams(category="010500")]
    return out + _within_each_network(conn, out)


def _within_each_network(conn, searches: list[SearchParams]) -> list[SearchParams]:
    """Each search without a network filter again within each network (a province, then a facet)."""
    networks = [item["value"] for item in _live(conn, SearchParams())[1]["network"]] + ["999999"]
    return [SearchParams(**{**p.__dict__, "network": n}) for p in searches if p.network is None for n in networks]


def _typed(f: dict) -> dict:
    out = dict(f)
    for k in ("min_value", "max_value"):
        if k in out:
            out[k] = Decimal(out[k])
    if "certified" in out:
        out["certified"] = out["certified"] == "true"
    return out


def _check(store):
    with store.read() as conn:
        for p in _every_single_filter(conn):
            assert _kept(conn, p) == _live(conn, p), p


def test_kept_counts_equal_live_counts_after_every_kind_of_write(store):
    make_corpus(store)
    ids = make_instruments(
        store,
        [
            {"status": "retired", "category": "010500"},
            {"status": None, "city_code": None, "category": None, "original_value": None, "certified": False},
            {"original_value": Decimal("500000.00"), "sharing": None},
            {"original_value": Decimal("999999.99"), "network": "420000"},
        ],
    )
    _check(store)
    change(store, ids[0], status="normal", original_value=Decimal("12000000"))
    change(store, ids[3], category="020100", city_code="420100")
    _check(store)
    withdraw(store, ids[1:3])
    _check(store)
    with store.write() as conn:  # dedup hides two records another network's record stands for, then one again
        _set_search_flags(conn, {ids[0], ids[3]})
    _check(store)
    with store.write() as conn:
        _set_search_flags(conn, {ids[3]})
    _check(store)
    with store.write() as conn:
        before = counts.read(conn, counts.scope_name([]))
        index_all(conn)  # a rebuild counts from nothing: the same counts
        assert set(counts.read(conn, counts.scope_name([]))) == set(before)
    _check(store)


def test_searches_answered_from_kept_counts_equal_the_live_answer(store):
    make_corpus(store)
    with store.read() as conn:
        for args in ({}, {"network": "370000"}, {"category": "01", "include_retired": False}, {"sharing": "unknown"}):
            p = SearchParams(**args)
            result = search(conn, p)
            assert (result.total, result.facets) == _live(conn, p)


@pytest.mark.parametrize(
    "args, scoped",
    [
        ({}, True),
        ({"include_retired": False}, True),
        ({"network": "370000"}, True),
        ({"min_value": Decimal("500000"), "max_value": Decimal("999999.99")}, True),
        ({"min_value": Decimal("500000")}, False),  # not one band
        ({"network": "370000", "sharing": "external"}, True),  # one filter within a network
        ({"network": "370000", "min_value": Decimal("500000"), "max_value": Decimal("999999.99")}, True),
        ({"sharing": "external", "certified": False}, False),  # two filters
        ({"network": "370000", "sharing": "external", "certified": True}, False),
        ({"q": "色谱"}, False),
    ],
)
def test_which_searches_read_kept_counts(args, scoped):
    assert (counts.scope_of(SearchParams(**args)) is not None) is scoped


def test_band_filters_round_trip():
    for i in range(6):
        f = band_filter(band_key(i))
        p = SearchParams(**_typed(f))
        assert counts.scope_of(p) == counts.scope_name(["primary"], "value", band_key(i))


def test_hub_counts_finds_counts_written_behind_the_writers_back_and_repairs_them(store, monkeypatch):
    """The operator's check (`hub counts`): counts that agree pass; a kept count changed by hand is
    named with its network and value, exit 1; `--repair` counts it again, and searches then show
    what the documents hold."""
    from click.testing import CliRunner
    from sqlalchemy import update

    from hub.cli import cli
    from hub.search.tables import counts as kept_counts

    make_corpus(store)
    monkeypatch.setenv("HUB_DATABASE_URL", store.url)
    runner = CliRunner()

    def hub_counts(*args):
        return runner.invoke(cli, ["counts", *args], standalone_mode=False)  # the status as `hub` exits with it

    healthy = hub_counts()
    assert healthy.return_value == 0, healthy.output
    assert "370000" in healthy.output and "differs" not in healthy.output

    with store.write() as conn:  # a total of one network's whole-catalogue scope, changed by hand
        conn.execute(
            update(kept_counts)
            .where(kept_counts.c.network == "370000", kept_counts.c.scope == counts.scope_name([]), kept_counts.c.facet == "total")
            .values(n=kept_counts.c.n + 5)
        )
    found = hub_counts()
    assert found.return_value == 1, found.output
    line = next(line for line in found.output.splitlines() if line.startswith("370000"))
    assert "differs" in line and "total" in line, found.output
    assert "hub counts --repair" in found.stderr

    repaired = hub_counts("--repair", "370000")
    assert repaired.return_value == 0 and "repaired" in repaired.output, repaired.output
    assert hub_counts().return_value == 0
    _check(store)
