"""A member of the public types a model family, not the exact model: "Agilent 7890" for the
7890A and 7890B gas chromatographs, "SU80" for the SU8010 and SU8020, "SU 8010" with a space,
"QExactive" without one. Asked through the JSON API on every backend, and from the columns a
web process holds in memory."""

from __future__ import annotations

import pytest
from tests.conftest import BACKENDS, make_store
from tests.factories import make_instruments
from tests.search.test_in_memory import _answer

from hub.search import columns, postings, versions
from hub.store.migrate import upgrade
from hub.web import create_app

NETWORK = "370000"

#: source id → (name, model, manufacturer), as networks write them.
INSTRUMENTS = {
    "GC01": ("气相色谱仪", "7890A", "Agilent Technologies"),
    "GC02": ("气相色谱仪", "Agilent 7890A", "安捷伦科技有限公司"),
    "GCMS01": ("气相色谱-质谱联用仪", "7890B-7000C", "Agilent"),
    "GC03": ("气相色谱仪", "6890N", "Agilent"),
    "SEM01": ("场发射扫描电子显微镜", "SU8010", "日立"),
    "SEM02": ("场发射扫描电子显微镜", "SU8020", "Hitachi High-Technologies"),
    "SEM03": ("扫描电子显微镜", "SU3500", "Hitachi"),
    "QE01": ("液相色谱-质谱联用仪", "Q Exactive", "Thermo Fisher Scientific"),
    "QE02": ("液相色谱-质谱联用仪", "QExactive", "赛默飞世尔科技公司"),
    "LCMS01": ("液相色谱-质谱联用仪", "LCMS-8050", "岛津"),
    "AA01": ("原子吸收分光光度计", "AA-7000", "岛津"),
}


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    s, cleanup = make_store(request.param, tmp_path_factory.mktemp(request.param))
    upgrade(s)
    specs = [{"source_id": sid, "name": name, "model": model, "manufacturer": maker} for sid, (name, model, maker) in INSTRUMENTS.items()]
    make_instruments(s, specs, network=NETWORK)
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
        pytest.param("Agilent 7890", {"GC01", "GC02", "GCMS01"}, id="maker and family"),
        pytest.param("7890", {"GC01", "GC02", "GCMS01"}, id="family alone"),
        pytest.param("7890A", {"GC01", "GC02"}, id="exact model: not the 7890B"),
        pytest.param("SU80", {"SEM01", "SEM02"}, id="letters and digits: a family"),
        pytest.param("SU8010", {"SEM01"}, id="exact model: not the SU8020"),
        pytest.param("SU 8010", {"SEM01"}, id="model written with a space"),
        pytest.param("Q Exactive", {"QE01", "QE02"}, id="spaced finds joined"),
        pytest.param("QExactive", {"QE01", "QE02"}, id="joined finds spaced"),
        pytest.param("Exactive", {"QE01", "QE02"}, id="a part finds the joined one too"),
        pytest.param("ＱＥｘａｃｔｉｖｅ", {"QE01", "QE02"}, id="full-width, as a Chinese input method types it"),
        pytest.param("ＳＵ　８０１０", {"SEM01"}, id="full-width with an ideographic space"),
        pytest.param("LCMS-8050", {"LCMS01"}, id="hyphenated model"),
        pytest.param("8050", {"LCMS01"}, id="number of a hyphenated model"),
        pytest.param("LC-MS/MS 8050", {"LCMS01"}, id="the kind written another way and the number"),
    ],
)
def test_a_model_family_finds_its_models(client, q, expected):
    assert set(_found(client, q)) == expected


@pytest.mark.parametrize(
    "q, first, then",
    [
        # AA-7000 is the model 7000 itself; the 7000C triple quadrupole only begins with it
        pytest.param("7000", "AA01", "GCMS01", id="exact number before a longer model"),
        pytest.param("SU801", "SEM01", None, id="family of one"),
    ],
)
def test_the_exact_model_ranks_first(client, q, first, then):
    found = _found(client, q)
    assert found[0] == first
    if then:
        assert found[1:] == [then]


@pytest.mark.parametrize("q", ["78", "su", "Agilent 789a"])
def test_too_short_or_different_finds_no_family(client, q):
    """Two characters, letters alone, or a word no model begins with: no model family."""
    assert not {"GC01", "GC02", "GCMS01", "SEM01", "SEM02"} & set(_found(client, q))


@pytest.mark.parametrize("q", ["Agilent 7890", "SU80", "SU 8010", "QExactive", "7000"])
def test_the_columns_in_memory_answer_as_the_database(store, q):
    """On PostgreSQL from the posting lists, as after a harvest (a family reads every token it begins)."""
    postings.refresh(store)
    with store.read() as conn:
        columns.load(conn, versions.current(conn))
    try:
        database = _answer(store, {"q": q}, held=False)
        assert _answer(store, {"q": q}, held=True) == database and database[0]
    finally:
        columns._HELD.clear()
