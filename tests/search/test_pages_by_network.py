"""The ranked page of a query is kept network by network (hub.search.pages): after a write, a question
asked before is ranked again only in the networks whose index version moved, and the page served is
still the one a fresh ranking of every match gives."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import event

from hub.search import SearchParams, cache, facets, pages, search
from hub.search.backends import backend
from hub.search.cache import Kept, Lru, question_key
from hub.search.params import load_params
from hub.search.parse import parse_query
from hub.search.query import page_select
from hub.search.synonyms import default_synonyms
from hub.store.migrate import upgrade
from tests.conftest import make_store
from tests.factories import change, make_corpus, make_instruments, withdraw


def _fresh(conn, p: SearchParams, total: int) -> list[tuple]:
    """The page as one statement ranks it over every match, no kept part."""
    clauses = parse_query(p.q, default_synonyms())
    return [tuple(r) for r in conn.execute(page_select(backend(conn), p, clauses, total)).all()]


def _asked(store, p: SearchParams):
    """(page served, fresh page, the statements that ranked: their SQL and parameters)."""
    statements: list[tuple[str, str]] = []

    def seen(conn, cursor, statement, parameters, *args):
        statements.append((statement, repr(parameters)))

    with store.read() as conn:
        event.listen(conn, "before_cursor_execute", seen)
        result = search(conn, p)
        event.remove(conn, "before_cursor_execute", seen)
        fresh = _fresh(conn, p, result.total)
    served = [(item["id"], item["score"]) for item in result.items]
    ranking = [(s, params) for s, params in statements if "ORDER BY" in s and "search_docs.quality" in s]
    return served, fresh, ranking


def test_after_a_write_only_the_changed_network_is_ranked_again(store):
    ids = make_corpus(store)
    networks = {i.split(":", 1)[0] for i in ids}
    # Pages of 2: every network has more matches than the page holds, so the parts must be merged.
    p = load_params({"q": "色谱", "page_size": "2"})
    served, fresh, ranking = _asked(store, p)
    assert served == fresh and len(ranking) == 1

    # Asked again after a change: every network ranked, each through its tag.
    make_instruments(store, [{"name": "液相色谱仪"}], network="420000")
    served, fresh, ranking = _asked(store, p)
    assert served == fresh and len(ranking) == len(networks)

    # A change in one network: only that network's matches are ranked, found through its tag.
    shandong = [i for i in ids if i.startswith("370000:")]
    change(store, shandong[0], name="高效液相色谱仪 色谱")
    served, fresh, ranking = _asked(store, p)
    assert served == fresh
    [(statement, params)] = ranking
    assert "370000" in params and not any(n in params for n in networks - {"370000"}), params

    # A better match written in another network moves to the top; withdrawn ones leave the page.
    make_instruments(store, [{"name": "色谱仪", "model": "色谱", "functions": "色谱"}], network="130000")
    withdraw(store, [i for i, _s in fresh][:1])
    served, fresh, _ = _asked(store, p)
    assert served == fresh
    served, fresh, ranking = _asked(store, p)
    assert served == fresh and ranking == []  # nothing changed: not ranked at all


def test_later_pages_and_other_orders_are_merged_in_the_database_order(store):
    make_corpus(store)
    make_instruments(store, [{"name": "液相色谱仪", "original_value": v} for v in (None, 300000, 2500000, 2500000)], network="420000")
    questions = (
        {"q": "色谱", "page_size": "3", "page": "2"},
        {"q": "色谱", "sort": "-value", "page_size": "4"},
        {"q": "仪", "sort": "value"},
    )
    for asked in questions:
        p = load_params(asked)
        _asked(store, p)
        for network in ("420000", "370000", "130000"):
            make_instruments(store, [{"name": "气相色谱仪", "original_value": 2500000}], network=network)
            served, fresh, _ = _asked(store, p)
            assert served == fresh, asked
        assert served  # the pages compared were not empty
        again = replace(p, page=p.page + 1)
        assert _asked(store, again)[0] == _asked(store, again)[1]


#: What each gunicorn worker keeps in its own memory, network by network.
_KEPT = (pages._BY_NETWORK, facets._BY_NETWORK)


def _worker(memories: list | None = None) -> list:
    """Answer from now on as the worker whose memories these are (a new worker's: None)."""
    memories = memories or [Lru(k._memory.size) for k in _KEPT]
    for kept, memory in zip(_KEPT, memories):
        kept._memory = memory
    cache._CACHE._items.clear()
    return memories


def test_every_worker_on_the_host_reuses_the_parts_another_kept(store, tmp_path):
    """Gunicorn's workers share what one ranked and counted (hub.search.cache.share): a worker that
    never saw a question, or saw it only once, ranks and counts again only the network changed since
    another kept its parts. (A worker whose memory said "asked once" was believed over the shelf:
    every network ranked again, 2 s at a million.)"""
    cache.share(store.url, tmp_path / "by-network", salt="this code")
    try:
        ids = make_corpus(store)
        shandong = next(i for i in ids if i.startswith("370000:"))
        p = load_params({"q": "色谱", "page_size": "2"})
        asked_once = _worker()
        _asked(store, p)  # asked once: ranked whole
        _worker()
        make_instruments(store, [{"name": "液相色谱仪"}], network="420000")
        _asked(store, p)  # ranked and counted by network, the parts put on the shelf
        for memories, name in ((None, "气相色谱仪"), (asked_once, "离子色谱仪")):
            _worker(memories)
            change(store, shandong, name=name)
            served, fresh, ranking = _asked(store, p)
            assert served == fresh
            [(_statement, params)] = ranking
            assert "370000" in params and "420000" not in params, params
    finally:
        cache.share(store.url, None)


def test_a_store_s_shelf_serves_that_store_alone(tmp_path):
    """The shelf an app with an answers directory shares its kept parts through is its store's: a
    process that serves another store too (a command, the next test) keeps that one's parts in its
    memory alone. (The shelf was set for the whole process: a test that emptied its memory to see a
    question counted again was answered from the shelf an earlier test's app had set.)"""
    from hub.web import create_app

    stores = [make_store("sqlite", tmp_path / name) for name in ("with-shelf", "without")]
    (shelved, _), (other, _) = stores
    for store, _cleanup in stores:
        upgrade(store)
    create_app({"STORE": shelved, "ANSWERS_DIR": str(tmp_path / "answers"), "TESTING": True})
    try:
        one_worker, next_worker = Kept(8), Kept(8)
        for store in (shelved, other):
            with store.read() as conn:
                one_worker.put(conn, question_key(conn, "q"), store.url)
        with shelved.read() as conn:
            assert next_worker.get(conn, question_key(conn, "q")) == shelved.url
        with other.read() as conn:
            assert next_worker.get(conn, question_key(conn, "q")) is None
    finally:
        cache.share(shelved.url, None)
        for _store, cleanup in stores:
            cleanup()
