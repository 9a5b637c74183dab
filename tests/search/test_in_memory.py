"""Nation-wide questions with a query answered from the columns held in memory (hub.search.columns,
hub.search.in_memory) give exactly the database's answer: the same total, facets and page, on both
backends, also after every kind of write since the columns were loaded."""

from __future__ import annotations

import pytest

from hub.search import cache, columns, facets, in_memory, pages, search, versions
from hub.search.params import load_params
from tests.factories import change, make_corpus, make_instruments, withdraw

#: Questions a visitor asks of the whole country: words alone and with every kind of filter, the
#: "unknown" buckets, retired and duplicate records, and later pages whose edges fall inside ties.
QUESTIONS = [
    {"q": "色谱"},
    {"q": "色谱", "page_size": "2", "page": "3"},
    {"q": "液相色谱"},
    {"q": "HPLC", "certified": "false"},
    {"q": "色谱仪", "certified": "true"},
    {"q": "质谱 分析"},
    {"q": "仪", "category": "01"},
    {"q": "仪", "category": "0105", "page_size": "3", "page": "2"},
    {"q": "仪", "category": "unknown"},
    {"q": "仪", "owner_type": "university", "min_value": "500000"},
    {"q": "仪", "min_value": "300000", "max_value": "2500000"},
    {"q": "仪", "owner_level": "unknown"},
    {"q": "仪", "status": "retired"},
    {"q": "仪", "include_retired": "false", "page_size": "1", "page": "4"},
    {"q": "仪", "sharing": "external", "all_sources": "true"},
    {"q": "仪", "sort": "-value"},
    {"q": "nothing-like-this"},
]

#: Instruments that exercise what the corpus lacks: missing values and fields, equal scores.
EXTRA = [
    {"name": "液相色谱仪", "original_value": None, "category": None},
    {"name": "液相色谱仪", "original_value": 500000, "status": "retired"},
    {"name": "液相色谱仪", "original_value": 2500000, "certified": False},
    {"name": "气相色谱仪", "original_value": 499999.99, "sharing": "internal", "status": "awaiting_retirement"},
    {"name": "离子色谱仪", "model": "色谱", "functions": "色谱 分析"},
]


def _forget_answers() -> None:
    """As a process that never answered anything: every kept answer and word dropped."""
    cache._CACHE._items.clear()
    for kept in (facets._BY_NETWORK, pages._BY_NETWORK):
        kept._memory._items.clear()
    in_memory._HITS._items.clear()


def _answer(store, asked: dict, held: bool):
    _forget_answers()
    with store.read() as conn:
        saved = columns.held(conn)
        if not held:
            columns.forget(conn)
        try:
            result = search(conn, load_params(asked))
        finally:
            if saved is not None and not held:
                columns._HELD[cache.question_key(conn, ())] = saved
    return result.total, result.facets, [(item["id"], item["score"]) for item in result.items]


@pytest.fixture(autouse=True)
def _no_columns_left():
    yield
    columns._HELD.clear()  # this process's other tests answer from the database, as before


@pytest.fixture
def answered(monkeypatch):
    """The rows the columns answered with, one entry per question (None: the database answered)."""
    seen: list = []
    facet_rows = in_memory.Answer.facet_rows

    def spied(self):
        rows = facet_rows(self)
        seen.append(rows)
        return rows

    monkeypatch.setattr(in_memory.Answer, "facet_rows", spied)
    return seen


def _load(store) -> columns.Columns:
    with store.read() as conn:
        return columns.load(conn, versions.current(conn))


def _same_answers(store, answered: list) -> None:
    for asked in QUESTIONS:
        database = _answer(store, asked, held=False)
        answered.clear()
        assert _answer(store, asked, held=True) == database, asked
        assert answered and answered[-1] is not None, f"not answered from the columns: {asked}"


def test_columns_answer_as_the_database_does(store, answered):
    make_corpus(store)
    make_instruments(store, EXTRA, network="420000")
    make_instruments(store, EXTRA[:2], network="130000")
    _load(store)
    _same_answers(store, answered)


def test_columns_follow_every_kind_of_write(store, answered):
    ids = make_corpus(store)
    _load(store)
    make_instruments(store, EXTRA, network="420000")  # created
    change(store, ids[0], name="色谱仪", category="010500", original_value=3000000)  # rewritten
    withdraw(store, ids[1:4])  # withdrawn
    _same_answers(store, answered)


def test_a_document_the_columns_do_not_hold_is_answered_by_the_database(store, answered):
    make_corpus(store)
    held = _load(store)
    held.alive[:] = False  # as if every document had been written since the columns were read
    asked = {"q": "色谱"}
    database = _answer(store, asked, held=False)
    answered.clear()
    assert _answer(store, asked, held=True) == database
    assert answered == [None]


def test_a_network_s_questions_are_left_to_the_database(store, answered):
    make_corpus(store)
    _load(store)
    _answer(store, {"q": "色谱", "network": "370000"}, held=True)
    _answer(store, {"q": "色谱", "city": "370100"}, held=True)
    assert answered == []  # its tag in the text index finds them: no need to read every match
