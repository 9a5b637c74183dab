"""A question's index reads spread over connections (hub.search.lanes) give the answer one connection
gives, and are spread only over connections that see the question's own index versions."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from hub.search import lanes, versions
from hub.search.backends import backend
from hub.search.parse import parse_query
from hub.search.query import score_probes
from hub.search.synonyms import default_synonyms
from hub.store.db import Store
from hub.store.migrate import upgrade
from tests.factories import make_corpus, make_instruments

pytestmark = pytest.mark.skipif(lanes.LANES < 2, reason="one core: questions are never spread")

WORDS = ["色谱", "液相色谱", "HPLC", "质谱 分析", "仪", "nothing-like-this"]


def _recording(log: list, seconds: float = 0.02):
    """Reads that note the connection they ran on (slow enough that helpers get their share)."""

    def read(conn, i):
        time.sleep(seconds)
        log.append(id(conn.connection.dbapi_connection))
        return i

    return [lambda conn, i=i: read(conn, i) for i in range(6)]


def test_hits_spread_equal_hits_on_one_connection(sqlite_store):
    make_corpus(sqlite_store)
    make_instruments(sqlite_store, [{"name": "液相色谱仪", "model": "HPLC-20", "functions": "色谱 分析"} for _ in range(30)])
    with sqlite_store.read() as conn:
        state, text = versions.current(conn), backend(conn)
        for word in WORDS:
            clauses = parse_query(word, default_synonyms())
            probes = score_probes(clauses)
            alone = text.hits(conn, clauses, probes)
            spread = text.hits(conn, clauses, probes, state=state)
            assert np.array_equal(alone[0], spread[0]) and np.array_equal(alone[1], spread[1]), word
        assert len(text.hits(conn, parse_query("色谱", default_synonyms()), [], state=state)[0]) > 30


def test_reads_run_on_more_than_one_connection(sqlite_store):
    make_corpus(sqlite_store)
    ran: list = []
    with sqlite_store.read() as conn:
        own = id(conn.connection.dbapi_connection)
        assert lanes.spread(conn, versions.current(conn), _recording(ran)) == list(range(6))
    assert own in ran and len(set(ran)) > 1


def test_a_connection_that_sees_other_versions_reads_nothing(sqlite_store):
    make_corpus(sqlite_store)
    ran: list = []
    with sqlite_store.read() as conn:
        state = versions.current(conn)  # the question's snapshot begins here
        with sqlite_store.write() as other:
            versions.bump_networks(other, ["370000"])  # committed after it: a helper would see it
        own = id(conn.connection.dbapi_connection)
        assert lanes.spread(conn, state, _recording(ran)) == list(range(6))
    assert set(ran) == {own}


def test_the_first_read_can_make_the_rest_unneeded(sqlite_store):
    make_corpus(sqlite_store)
    with sqlite_store.read() as conn:
        text, state = backend(conn), versions.current(conn)
        clauses = parse_query("nothing-like-this", default_synonyms())
        found, bits = text.hits(conn, clauses, score_probes(clauses), state=state)
    assert len(found) == 0 and len(bits) == 0


def test_an_in_memory_database_is_read_on_its_one_connection():
    store = Store("sqlite://")
    try:
        upgrade(store)
        ran: list = []
        with store.read() as conn:
            own = id(conn.connection.dbapi_connection)
            assert lanes.spread(conn, versions.current(conn), _recording(ran, 0.0)) == list(range(6))
        assert set(ran) == {own}
    finally:
        store.dispose()


def test_a_read_that_fails_on_a_helper_is_read_again_on_the_question_connection(sqlite_store, caplog):
    make_corpus(sqlite_store)
    main = threading.get_ident()

    def read(conn, i):
        time.sleep(0.02)
        if threading.get_ident() != main:
            raise RuntimeError("a helper's read failed")
        return i

    with sqlite_store.read() as conn, caplog.at_level(logging.WARNING, logger="hub.search.lanes"):
        assert lanes.spread(conn, versions.current(conn), [lambda c, i=i: read(c, i) for i in range(6)]) == list(range(6))
    assert "search lane failed" in caplog.text
