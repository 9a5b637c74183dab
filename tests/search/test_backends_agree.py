"""A fixed set of queries gives identical results and counts on SQLite and PostgreSQL."""

import pytest
from tests.conftest import POSTGRES, make_store
from tests.factories import make_corpus, make_instruments

from hub.search import search
from hub.store.migrate import upgrade

QUERIES = [
    {"q": "液相色谱"},
    {"q": "电镜"},
    {"q": "SU8010"},
    {"q": "谱"},
    {"q": "HPLC"},
    {"q": "GC-MS"},
    {"q": "核磁"},
    {"q": "色谱", "network": "370000"},
    {"q": "分析", "sort": "-value"},
    {"q": "显微镜", "category": "01"},
    {"q": "仪", "page": "2", "page_size": "3"},
    {"sort": "commissioned"},
    {"sort": "updated"},
    {"sort": "-value", "certified": "false"},
    {"min_value": "500000", "max_value": "2000000"},
    {"q": "Agilent"},
    {"q": "武汉 色谱"},
    {"q": '" NEAR( *'},
]


def _snapshot(store):
    out = []
    with store.read() as conn:
        for params in QUERIES:
            r = search(conn, params)
            out.append((r.total, [(i["id"], i["score"]) for i in r.items], r.facets))
    return out


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="no PostgreSQL server reachable")
def test_sqlite_and_postgres_agree(tmp_path):
    snapshots = []
    for backend in ("sqlite", "postgres"):
        store, cleanup = make_store(backend, tmp_path)
        try:
            upgrade(store)
            make_corpus(store)
            # ties on score resolved by id: many near-identical records
            make_instruments(
                store,
                [
                    {"source_id": f"T{i:03d}", "name": "气相色谱仪", "commissioned": f"20{10 + i % 9}", "source_updated": None}
                    for i in range(25)
                ],
                network="130000",
            )
            snapshots.append(_snapshot(store))
        finally:
            cleanup()
    sqlite, postgres = snapshots
    for params, a, b in zip(QUERIES, sqlite, postgres):
        assert a == b, params
    assert any(total > 20 for total, _, _ in sqlite)  # the tie-heavy queries really ran


def test_a_question_of_many_matches_is_scored_as_one_of_few(store, monkeypatch):
    """A nation-wide question of many matches (query.MANY) is scored from the text index's sets of each
    field's matches, not each match's stored text: the same scores, in the same order."""
    from sqlalchemy import event

    from hub.search import cache, pages, query
    from hub.search.cache import Lru

    make_corpus(store)
    make_instruments(store, [{"source_id": f"T{i:03d}", "name": "气相色谱仪 色谱柱"} for i in range(25)], network="130000")

    def fresh_snapshot():
        cache._CACHE._items.clear()  # ranked again, and whole (not network by network)
        pages._BY_NETWORK._memory = Lru(pages._BY_NETWORK._memory.size)
        return _snapshot(store)

    few = fresh_snapshot()
    monkeypatch.setattr(query, "MANY", 0)
    statements = []
    with store.read() as conn:
        event.listen(conn.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    many = fresh_snapshot()
    for params, a, b in zip(QUERIES, few, many):
        assert a == b, params
    if store.url.startswith("sqlite"):
        assert any("search_fts MATCH 'name : (" in s for s in statements)
