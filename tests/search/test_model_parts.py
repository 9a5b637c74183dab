"""A member of the public types the number people say aloud, not the model: "2695" for Waters'
e2695, "8010" for Hitachi's SU8010, "CFX" for Bio-Rad's CFX96. Asked through the JSON API on every
backend, from the columns a web process holds in memory, and on a store whose documents were
written before models' parts were indexed (after `hub init`, and after `hub reindex`)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.conftest import BACKENDS, make_store
from tests.factories import make_instruments
from tests.search.test_in_memory import _answer

from hub.search import columns, index, postings, reindex_all, search, versions
from hub.search.model_numbers import model_parts
from hub.search.tables import docs
from hub.store.migrate import downgrade, upgrade
from hub.web import create_app

NETWORK = "370000"

#: source id → (name, model, manufacturer, specifications), as networks write them.
INSTRUMENTS = {
    "LC01": ("高效液相色谱仪", "e2695", "Waters", None),
    "LC02": ("高效液相色谱仪", "Alliance 2695", "Waters", None),  # the number as a word of its own
    "SEM01": ("场发射扫描电子显微镜", "SU8010", "日立", None),
    "SEM02": ("场发射扫描电子显微镜", "SU-8010", "Hitachi", None),
    "SEM03": ("场发射扫描电子显微镜", "SU8020", "Hitachi", None),
    "GCMS01": ("气相色谱-质谱联用仪", "7890B-5977B", "Agilent", None),
    "GCMS02": ("气相色谱-质谱联用仪", "7890B-7000C", "Agilent", None),
    "AA01": ("原子吸收分光光度计", "AA-7000", "岛津", None),
    "PCR01": ("实时荧光定量PCR仪", "CFX96", "Bio-Rad", None),
    "PCR02": ("实时荧光定量PCR仪", "CFX Connect", "Bio-Rad", None),
    "EC01": ("电化学工作站", "Autolab PGSTAT302N", "瑞士万通", None),
    "UC01": ("超速离心机", "Optima L-100XP", "Beckman", None),
    "FL01": ("反应釜", "HR-500", "某厂", "容积 1000 mL"),
    "QE01": ("液相色谱-质谱联用仪", "QExactive", "Thermo Fisher Scientific", None),
    "QE02": ("液相色谱-质谱联用仪", "Q Exactive", "Thermo Fisher Scientific", None),
}


def _write(store):
    specs = [
        {"source_id": sid, "name": name, "model": model, "manufacturer": maker, "specs": spec}
        for sid, (name, model, maker, spec) in INSTRUMENTS.items()
    ]
    make_instruments(store, specs, network=NETWORK)


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    s, cleanup = make_store(request.param, tmp_path_factory.mktemp(request.param))
    upgrade(s)
    _write(s)
    yield s
    cleanup()


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE": store, "TESTING": True}).test_client()


def _found(client, q: str) -> list[str]:
    body = client.get("/api/v1/instruments", query_string={"q": q, "page_size": 50}).json
    return [item["id"].split(":", 1)[1] for item in body["items"]]


@pytest.mark.parametrize(
    "q, expected",
    [
        pytest.param("2695", {"LC01", "LC02"}, id="the number of e2695"),
        pytest.param("Waters 2695", {"LC01", "LC02"}, id="maker and number"),
        pytest.param("8010", {"SEM01", "SEM02"}, id="the number of SU8010 and SU-8010, not SU8020"),
        pytest.param("5977", {"GCMS01"}, id="the number of 5977B in a compound"),
        pytest.param("5975", set(), id="a number no model holds"),
        pytest.param("CFX", {"PCR01", "PCR02"}, id="the letters of CFX96"),
        pytest.param("PGSTAT", {"EC01"}, id="the letters of PGSTAT302N"),
        pytest.param("SU8010", {"SEM01", "SEM02"}, id="the exact model: still not the SU8020"),
        pytest.param("Exactive", {"QE01", "QE02"}, id="a part the capitals of QExactive mark"),
    ],
)
def test_a_number_inside_a_model_finds_it(client, q, expected):
    assert set(_found(client, q)) == expected


@pytest.mark.parametrize(
    "q, order",
    [
        # "Alliance 2695" holds the number as a word: the model itself; e2695 only contains it
        pytest.param("2695", ["LC02", "LC01"], id="the number as a word first"),
        pytest.param("CFX", ["PCR02", "PCR01"], id="the letters as a word first"),
        # SU-8010 is indexed as su, 8010, su8010: the number is its own token there, and scores
        pytest.param("8010", ["SEM02", "SEM01"], id="written apart scores, written joined matches"),
        pytest.param("7000", ["AA01", "GCMS02"], id="exact number before the 7000C of a compound"),
        pytest.param("Exactive", ["QE02", "QE01"], id="the word first, the capitalised part after"),
    ],
)
def test_the_exact_model_ranks_first(client, q, order):
    assert _found(client, q) == order


@pytest.mark.parametrize(
    "q, never",
    [
        pytest.param("100", {"UC01", "FL01"}, id="three digits: not L-100XP, not 1000 mL"),
        pytest.param("801", {"SEM01", "SEM02", "SEM03"}, id="three digits of a model"),
        pytest.param("su", {"SEM01", "SEM03"}, id="two letters of a model"),  # SU-8010's su is a word
    ],
)
def test_a_short_run_finds_no_model(client, q, never):
    assert not never & set(_found(client, q))


@pytest.mark.parametrize("q", ["2695", "8010", "CFX", "Waters 2695", "Exactive"])
def test_the_columns_in_memory_answer_as_the_database(store, q):
    """On PostgreSQL from the posting lists, as after a harvest."""
    postings.refresh(store)
    with store.read() as conn:
        columns.load(conn, versions.current(conn))
    try:
        database = _answer(store, {"q": q}, held=False)
        assert _answer(store, {"q": q}, held=True) == database and database[0]
    finally:
        columns._HELD.clear()


#: The instruments whose model has parts: e2695, SU8010, SU8020, 7890B-5977B, 7890B-7000C, CFX96, PGSTAT302N,
#: QExactive (its capitals').
WITH_PARTS = {"LC01", "SEM01", "SEM03", "GCMS01", "GCMS02", "PCR01", "EC01", "QE01"}


def _docids(conn) -> dict[str, int]:
    return dict(conn.execute(select(docs.c.instrument_id, docs.c.docid)).all())


def _ids(result) -> list[str]:
    return [item["id"] for item in result.items]


# A store "indexed before" a migration is written with this code's tables and the analyser as it was,
# then taken back to the revision before the migration, so that `hub init` applies it: written at the
# old revision, the writer's tables (this code's) broke with every column added since.


def _init(store):
    upgrade(store)  # what `hub init` runs


def _reindex(store):
    upgrade(store)
    reindex_all(store)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rebuild", [_init, _reindex], ids=["hub init", "hub reindex"])
def test_a_store_indexed_before_parts_finds_them_once_rebuilt(backend, rebuild, tmp_path, monkeypatch):
    s, cleanup = make_store(backend, tmp_path)
    try:
        upgrade(s)
        with monkeypatch.context() as before:
            before.setattr(index, "FIELD_EXTRAS", {})  # the analyser as it was: models as whole tokens
            _write(s)
        e2695 = f"{NETWORK}:LC01"
        with s.read() as conn:
            assert e2695 not in _ids(search(conn, {"q": "2695"})), "the store was indexed with parts: the test proves nothing"
            before = _docids(conn)
        downgrade(s, "0019")  # as a release of 0019 left it
        rebuild(s)
        postings.refresh(s)
        with s.read() as conn:
            assert _ids(search(conn, {"q": "2695"})) == [f"{NETWORK}:LC02", e2695]
            after = _docids(conn)
        if rebuild is _init:
            # only the documents a model's parts add to are written again: Alliance 2695 has none
            assert after[e2695] != before[e2695] and after[f"{NETWORK}:LC02"] == before[f"{NETWORK}:LC02"]
            assert {i for i in before if after[i] != before[i]} == {f"{NETWORK}:{sid}" for sid in WITH_PARTS}
    finally:
        cleanup()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_indexed_before_capitalised_parts_finds_them_after_hub_init(backend, tmp_path, monkeypatch):
    """Migration 0023: the documents of models whose capitals mark parts, and only those, are written again."""
    s, cleanup = make_store(backend, tmp_path)
    try:
        upgrade(s)
        with monkeypatch.context() as before:
            # the analyser as it was: each token's runs, no capitals read
            before.setattr(index, "FIELD_EXTRAS", {"brand": lambda tokens, texts: model_parts(tokens)})
            _write(s)
        with s.read() as conn:
            assert _ids(search(conn, {"q": "Exactive"})) == [f"{NETWORK}:QE02"], "the store was indexed with them"
            before = _docids(conn)
        downgrade(s, "0022")
        upgrade(s)
        postings.refresh(s)
        with s.read() as conn:
            assert _ids(search(conn, {"q": "Exactive"})) == [f"{NETWORK}:QE02", f"{NETWORK}:QE01"]
            after = _docids(conn)
        assert {i for i in before if after[i] != before[i]} == {f"{NETWORK}:QE01"}
    finally:
        cleanup()
