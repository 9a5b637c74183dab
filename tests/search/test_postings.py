"""PostgreSQL's posting lists (hub.search.postings) answer a question's matches and field probes
exactly as the GIN index does, are trusted only at the version they were written at, and are
written again where the documents change."""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from hub.search import postings, reindex_all, versions
from hub.search.backends import backend
from hub.search.parse import parse_query
from hub.search.query import score_probes
from hub.search.synonyms import default_synonyms
from hub.search.tables import posting_sets
from hub.search.tables import postings as posting_rows
from hub.search.tags import FILTER as TAG_FILTER
from tests.factories import change, make_corpus, make_instruments, withdraw
from tests.search.test_in_memory import EXTRA, QUESTIONS, _database, _forget_answers, _served

pytestmark = pytest.mark.usefixtures("postgres_only")

WORDS = sorted({q["q"] for q in QUESTIONS} | {"离子色谱", "色谱 仪", "GC-MS", "气相 质谱 分析"})


@pytest.fixture
def postgres_only(store):
    if store.dialect != "postgresql":
        pytest.skip("the posting lists are PostgreSQL's (SQLite's FTS5 keeps its own)")


def _both(store, word: str, tags=()):
    """(the lists' answer, the GIN index's answer, the networks answered from lists) for `word`."""
    clauses = parse_query(word, default_synonyms())
    probes = score_probes(clauses)
    text = backend(store.dialect)
    with store.read() as conn:
        state = versions.current(conn)
        fresh, _older, _lists = postings.read(conn, postings.tokens_of(clauses, probes, tags), state)
        listed = text.hits(conn, clauses, probes, tags, state=state)
        scanned = text._scanned(conn, clauses, probes, tags)
    return listed, scanned, fresh


def _assert_same(store, words=WORDS, tags=()) -> set:
    fresh: set = set()
    for word in words:
        (found, bits), (expected, expected_bits), fresh = _both(store, word, tags)
        assert np.array_equal(found, expected), word
        assert np.array_equal(bits, expected_bits), word
    return fresh


def _corpus(store) -> list[str]:
    ids = make_corpus(store)
    make_instruments(store, EXTRA, network="420000")
    make_instruments(store, EXTRA[:2], network="130000")
    return ids


def _networks(store) -> set:
    with store.read() as conn:
        return set(postings.networks_with_documents(conn))


def test_lists_answer_every_match_and_probe_as_the_index_does(store):
    _corpus(store)
    assert postings.refresh(store)  # a store without lists: every network written
    assert _assert_same(store) == _networks(store)  # every network answered from its lists
    # With a tag (a changed network's recount) as well.
    assert _assert_same(store, ["色谱", "液相色谱"], tags=[TAG_FILTER["network"]("420000")])


def test_probes_need_every_token_in_the_one_field(store):
    """A word split across fields matches, but scores in no field: the labels, not presence, decide."""
    make_instruments(store, [{"name": "液相色", "model": "相色谱"}, {"name": "液相色谱仪"}], network="420000")
    postings.refresh(store)
    (found, bits), scanned, fresh = _both(store, "液相色谱")
    assert fresh == {"420000"} and len(found) == 2
    assert (found.tolist(), bits.tolist()) == (scanned[0].tolist(), scanned[1].tolist())
    assert bits[0] != bits[1]


def test_a_network_written_since_its_lists_is_asked_of_the_index(store):
    ids = _corpus(store)
    postings.refresh(store)
    make_instruments(store, [{"name": "液相色谱仪", "original_value": 700000}], network="420000")
    withdraw(store, [i for i in ids if i.startswith("370000:")][:3])
    fresh = _assert_same(store)
    assert fresh == _networks(store) - {"420000", "370000"}

    assert postings.refresh(store) == ["370000", "420000"]  # the stale ones alone
    assert _assert_same(store) == _networks(store)
    assert postings.refresh(store) == []


def test_served_answers_are_the_database_answers_with_lists_fresh_and_stale(store):
    ids = _corpus(store)
    postings.refresh(store)
    relevant = [q for q in QUESTIONS if q.get("sort", "relevance") == "relevance"]
    for round_ in range(2):
        _forget_answers()
        for asked in relevant:
            assert _served(store, asked) == _database(store, asked), (round_, asked)
        change(store, ids[0], name="离子色谱仪", original_value=3000000)  # 370000's lists stale for round 1


def test_maintenance_leaves_a_harvested_network_and_recent_lists_alone(store):
    ids = _corpus(store)
    postings.refresh(store)
    change(store, ids[0], name="色谱仪")
    network = ids[0].split(":")[0]
    with store.read() as conn:
        assert postings.stale_networks(conn) == [network]
        assert postings.stale_networks(conn, quiet_for=timedelta(hours=1)) == []  # written moments ago
    assert postings.refresh(store, quiet_for=timedelta(0)) == [network]


def test_a_rebuild_writes_every_network_once(store):
    _corpus(store)
    reindex_all(store)
    with store.read() as conn:
        assert postings.stale_networks(conn) == []
        per_network = conn.execute(select(posting_rows.c.network, func.count()).group_by(posting_rows.c.network)).all()
        assert {n for n, _ in per_network} == _networks(store)
        assert conn.execute(select(func.count()).select_from(posting_sets)).scalar() == len(_networks(store))
    _assert_same(store)


def test_concurrent_refreshes_leave_one_set_of_lists(store):
    _corpus(store)
    postings.refresh(store)
    make_instruments(store, [{"name": "液相色谱仪"}], network="420000")
    start = threading.Barrier(3)
    done: list = []

    def refresh():
        start.wait()
        done.append(postings.refresh(store, ["420000"]))

    threads = [threading.Thread(target=refresh) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Each wrote the lists, or found another's (written, or being written: it waited, then gave way).
    assert ["420000"] in done and all(d in ([], ["420000"]) for d in done), done
    assert _assert_same(store) == _networks(store)
