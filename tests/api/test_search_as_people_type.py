"""The public search as people type it, through the API and the search page, on SQLite and
PostgreSQL: a category's name as the hub's pages show it (电子光学仪器, "Electron optical
instruments"), traditional characters (質譜儀), spaced pinyin ("zhi pu yi"), and a slip guess that
must not turn one kind of instrument into another (离子质谱 is not 离子色谱)."""

from __future__ import annotations

import json

import pytest

from hub.config import Registry
from hub.store.migrate import upgrade
from hub.web import create_app
from tests.conftest import BACKENDS, make_store
from tests.factories import make_instruments

SEM = dict(source_id="SEM", name="扫描电子显微镜", name_en="Scanning electron microscope", category="010100")
TEM = dict(source_id="TEM", name="透射电子显微镜", category="010100")
#: In the category without a word of its name in its own: only the category finds it.
PROBE = dict(source_id="PROBE", name="电子探针", category="010100")
GCMS = dict(
    source_id="GCMS",
    name="气相色谱质谱联用仪",
    name_en="Gas chromatograph mass spectrometer",
    category="010200",
    model="7890B-7000C",
    manufacturer="Agilent",
)
QMS = dict(source_id="QMS", name="四极杆质谱仪", category="010200")
SIMS = dict(source_id="SIMS", name="二次离子质谱仪", category="010200")
HPLC = dict(source_id="HPLC", name="高效液相色谱仪", category="010500")
#: Many ion chromatographs: 离子色谱 is a term the catalogue carries far more often than 离子质谱.
IC = [dict(source_id=f"IC{i}", name="离子色谱仪", category="010500") for i in range(12)]


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    s, cleanup = make_store(request.param, tmp_path_factory.mktemp("typed"))
    upgrade(s)
    make_instruments(s, [SEM, TEM, PROBE, GCMS, QMS, SIMS, HPLC, *IC])
    yield s
    cleanup()


@pytest.fixture(scope="module")
def client(store):
    app = create_app({"STORE": store, "TESTING": True, "SECRET_KEY": "typed-tests-key", "REGISTRY": Registry.load(), "FEED_WORKER": False})
    return app.test_client()


def found(client, q: str, **params) -> set[str]:
    r = client.get("/api/v1/instruments", query_string={"q": q, "page_size": 100, **params})
    assert r.status_code == 200, r.get_data(as_text=True)
    return {item["id"].split(":", 1)[1] for item in r.get_json()["items"]}


@pytest.mark.parametrize(
    "q",
    [
        pytest.param("电子光学仪器", id="Chinese category name"),
        pytest.param("Electron optical instruments", id="English category name"),
        pytest.param("electron optical instrument", id="English name, lower case and singular"),
        pytest.param("電子光學儀器", id="Chinese category name in traditional characters"),
    ],
)
def test_a_category_name_finds_its_instruments(client, q):
    assert found(client, q) == {"SEM", "TEM", "PROBE"}


def test_a_category_name_ranks_the_instruments_that_say_it_in_their_name_first(client):
    r = client.get("/api/v1/instruments", query_string={"q": "mass spectrometer"})
    ids = [item["id"].split(":", 1)[1] for item in r.get_json()["items"]]
    # the English name says it; the other two are mass spectrometers by their category only
    assert ids[0] == "GCMS" and set(ids) == {"GCMS", "QMS", "SIMS"}


def test_the_search_page_lists_a_categorys_instruments(client):
    page = client.get("/", query_string={"q": "电子光学仪器"}).get_data(as_text=True)
    assert "电子探针" in page and "扫描电子显微镜" in page


@pytest.mark.parametrize(
    "traditional, simplified",
    [
        pytest.param("質譜儀", "质谱仪", id="mass spectrometer"),
        pytest.param("電子顯微鏡", "电子显微镜", id="electron microscope"),
    ],
)
def test_traditional_characters_find_what_simplified_ones_do(client, traditional, simplified):
    assert found(client, simplified)
    assert found(client, traditional) == found(client, simplified)


@pytest.mark.parametrize(
    "spaced, joined",
    [
        pytest.param("zhi pu yi", "zhipuyi", id="syllable by syllable"),
        pytest.param("Zhi Pu Yi", "zhipuyi", id="capitalised syllables"),
        pytest.param("ye xiang se pu", "yexiangsepu", id="four syllables"),
        pytest.param("yexiang sepu", "yexiangsepu", id="word by word"),
    ],
)
def test_spaced_pinyin_finds_what_the_joined_spelling_does(client, spaced, joined):
    assert found(client, joined)
    assert found(client, spaced) == found(client, joined)


@pytest.mark.parametrize(
    "q, expected",
    [
        pytest.param("Agilent 7890B", {"GCMS"}, id="maker and model"),
        pytest.param("gas chromatograph", {"GCMS"}, id="English words"),
        pytest.param("scanning microscope", {"SEM"}, id="English words, one apart"),
    ],
)
def test_several_latin_words_still_find_what_they_say(client, q, expected):
    assert found(client, q) == expected


def test_a_slip_guess_does_not_turn_one_kind_of_instrument_into_another(client):
    """离子质谱 (ion mass spectrometry) is two words the catalogue knows, not a slip of 离子色谱 (ion
    chromatography): the search answers what was typed and offers no other kind in its place."""
    r = client.get("/api/v1/instruments", query_string={"q": "离子质谱"})
    body = r.get_json()
    assert body["corrected_from"] is None and body["q"] == "离子质谱"
    assert {item["id"].split(":", 1)[1] for item in body["items"]} == {"SIMS"}
    page = client.get("/", query_string={"q": "离子质谱"}).get_data(as_text=True)
    assert "离子色谱" not in page


def test_a_real_slip_is_still_corrected(client):
    body = client.get("/api/v1/instruments", query_string={"q": "离子色普"}).get_json()
    assert body["corrected_from"] == "离子色普" and body["q"] == "离子色谱" and len(body["items"]) == 12


@pytest.mark.parametrize("q", ["离子色普", "离子质谱"])
def test_an_export_holds_what_the_search_listed_corrected_or_not(client, q):
    """The page's CSV, XLSX and JSON Lines links are the export of its own query: a slip the page
    answered corrected exported only the header (found probing the served catalogue)."""
    listed = client.get("/api/v1/instruments", query_string={"q": q, "page_size": 100}).get_json()
    r = client.get("/api/v1/instruments/export", query_string={"q": q, "format": "jsonl"})
    exported = [json.loads(line)["id"] for line in r.get_data(as_text=True).splitlines()]
    assert exported == [item["id"] for item in listed["items"]] and len(exported) == listed["total"] > 0
