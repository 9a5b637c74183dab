"""The JSON API as a client sees it, on every backend."""

import pytest
from tests.conftest import BACKENDS, make_store
from tests.factories import make_corpus, withdraw

from hub.store.migrate import upgrade
from hub.web import create_app


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, tmp_path_factory):
    store, cleanup = make_store(request.param, tmp_path_factory.mktemp(request.param))
    upgrade(store)
    make_corpus(store)
    withdraw(store, ["130000:CONF01"], reason="deleted at source")
    yield create_app({"STORE": store, "TESTING": True}).test_client()
    cleanup()


def test_search_body_shape(client):
    r = client.get("/api/v1/instruments", query_string={"q": "电镜", "page_size": 2})
    assert r.status_code == 200
    body = r.json
    assert set(body) == {"total", "page", "page_size", "items", "facets", "q", "corrected_from", "all_sources"}
    assert body["q"] == "电镜" and body["corrected_from"] is None
    assert body["total"] == 3 and len(body["items"]) == 2
    assert set(body["facets"]) == {
        "status",
        "network",
        "city",
        "category1",
        "category2",
        "owner_type",
        "sharing",
        "certified",
        "value_band",
    }
    item = body["items"][0]
    assert item["name"] == "透射电子显微镜" and item["labels"]["category"] == "电子光学仪器"
    assert {"value", "label", "count", "filter"} <= set(body["facets"]["network"][0])


def test_facet_click_gives_the_count_the_facet_showed(client):
    body = client.get("/api/v1/instruments", query_string={"q": "色谱"}).json
    for facet in ("category1", "category2", "network", "value_band", "certified", "owner_type"):
        for value in body["facets"][facet]:
            clicked = client.get("/api/v1/instruments", query_string={"q": "色谱", **value["filter"]}).json
            assert clicked["total"] == value["count"], (facet, value)


def test_the_network_facet_names_networks_in_english_as_the_stats_do(client):
    """Its `label_en` was the Chinese name, where /api/v1/stats says 'Hubei instrument-sharing network'."""
    facet = {v["value"]: v for v in client.get("/api/v1/instruments", query_string={"q": "色谱"}).json["facets"]["network"]}
    stats = {g["value"]: g for g in client.get("/api/v1/stats").json["by_network"]}
    assert facet and all(v["label_en"] == stats[code]["label_en"] and v["label_en"].isascii() for code, v in facet.items())


def test_detail_has_provenance(client):
    r = client.get("/api/v1/instruments/370000:SEM01")
    assert r.status_code == 200
    rec = r.json
    assert rec["model"] == "SU8010" and rec["owner"]["name"] == "中国科学院海洋研究所"
    assert rec["provenance"]["network"] == "370000"
    assert rec["provenance"]["first_seen"].endswith("Z") and rec["provenance"]["job_id"] == 1
    assert rec["original_value"] == "4300000.00"


def test_withdrawn_is_410_with_tombstone(client):
    r = client.get("/api/v1/instruments/130000:CONF01")
    assert r.status_code == 410 and r.content_type == "application/problem+json"
    assert r.json["tombstone"]["withdrawn_reason"] == "deleted at source"
    assert r.json["tombstone"]["withdrawn_at"]
    assert client.get("/api/v1/instruments", query_string={"q": "共聚焦"}).json["total"] == 0


def test_unknown_instrument_is_404_problem(client):
    r = client.get("/api/v1/instruments/999999:nothing")
    assert r.status_code == 404 and r.json["status"] == 404 and r.json["title"] == "Not Found"


@pytest.mark.parametrize(
    "params, bad",
    [
        pytest.param({"colour": "red"}, "colour", id="unknown parameter"),
        pytest.param({"page": "-1"}, "page", id="negative page"),
        pytest.param({"page": "0"}, "page", id="page zero"),
        pytest.param({"page_size": "1000000"}, "page_size", id="huge page size"),
        pytest.param({"page": "abc"}, "page", id="page not a number"),
        pytest.param({"page": "9999999999999999999999"}, "page", id="page overflow"),
        pytest.param({"page": "600", "page_size": "100"}, "page", id="beyond the paging window"),
        # what Python's int reads (page 10 from 1_0, page 5 from the Arabic-Indic ٥): refused as the values are
        pytest.param({"page": "1_0"}, "page", id="page with an underscore"),
        pytest.param({"page": "٥"}, "page", id="page in Arabic-Indic digits"),
        pytest.param({"page_size": "５"}, "page_size", id="full-width page size"),
        pytest.param({"page": "+2"}, "page", id="page with a plus sign"),
        pytest.param({"page": " 2 "}, "page", id="page with spaces"),
        pytest.param({"page": "2.0"}, "page", id="page with a fraction"),
        pytest.param({"q": "液" * 10_000}, "q", id="10000-character q"),
        pytest.param({"q": "电镜\x00"}, "q", id="NUL in q"),
        pytest.param({"q": "a\x1b[31m"}, "q", id="escape sequence in q"),
        pytest.param({"network": "37' OR '1'='1"}, "network", id="SQL in network"),
        pytest.param({"network": "\x00"}, "network", id="NUL in network"),
        pytest.param({"category": "01%"}, "category", id="wildcard in category"),
        pytest.param({"city": "-1"}, "city", id="bad city"),
        pytest.param({"sort": "name; DROP TABLE instruments"}, "sort", id="SQL in sort"),
        pytest.param({"min_value": "-5"}, "min_value", id="negative value"),
        pytest.param({"min_value": "NaN"}, "min_value", id="NaN value"),
        pytest.param({"max_value": "1e400"}, "max_value", id="huge value"),
        # what Python's Decimal reads and the search page refuses (hub/search/numbers.py)
        pytest.param({"min_value": "1e-400"}, "min_value", id="tiny exponent"),
        pytest.param({"min_value": "1_000"}, "min_value", id="underscore"),
        pytest.param({"max_value": " 1000"}, "max_value", id="space before"),
        pytest.param({"min_value": "+5"}, "min_value", id="plus sign"),
        pytest.param({"min_value": "١٠٠٠"}, "min_value", id="Arabic-Indic digits"),
        pytest.param({"min_value": "1."}, "min_value", id="point without fraction"),
        pytest.param({"min_value": ".5"}, "min_value", id="fraction without integer"),
        pytest.param({"min_value": "10", "max_value": "5"}, "max_value", id="min above max"),
        pytest.param({"certified": "maybe"}, "certified", id="bad boolean"),
        pytest.param({"owner_type": "government"}, "owner_type", id="unknown owner type"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, params, bad):
    r = client.get("/api/v1/instruments", query_string=params)
    assert r.status_code == 400, r.json
    assert r.content_type == "application/problem+json"
    # A control character is refused before the arguments are parsed (hub/web/urls.py); that
    # refusal, like the others, names the parameter in `detail` and in `errors`.
    assert bad in r.json["detail"]
    assert bad in [e["parameter"] for e in r.json["errors"]]


@pytest.mark.parametrize(
    "q",
    [
        pytest.param("液相\t色谱", id="a tab"),
        pytest.param("液相\u00a0色谱", id="a no-break space pasted from a web page"),
        pytest.param("液相\u200b色谱", id="a zero-width space"),
        pytest.param("液相\u3000色谱", id="an ideographic space"),
    ],
)
def test_spacing_pasted_into_a_query_is_read_as_a_space(client, q):
    """A tab, a no-break space or a zero-width space in `q` answered 400 'control characters', a tab
    in Latin text even 'not percent-encoded UTF-8': such spacing comes with any text pasted in."""
    r = client.get("/api/v1/instruments", query_string={"q": q})
    plain = client.get("/api/v1/instruments", query_string={"q": "液相 色谱" if "\u200b" not in q else "液相色谱"})
    assert r.status_code == 200, r.json
    assert r.json["total"] == plain.json["total"]


def test_chinese_sent_as_raw_bytes_is_told_to_percent_encode(client):
    # curl with 液相色谱 typed into the URL sends raw UTF-8, which reaches the app as Latin-1 mojibake.
    mojibake = "液相色谱".encode("utf-8").decode("latin-1")
    r = client.get("/api/v1/instruments", query_string={"q": mojibake})
    assert r.status_code == 400
    assert "percent-encoded UTF-8" in r.json["detail"] and "--data-urlencode" in r.json["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("%FF", id="a lone byte"),
        pytest.param("%E6%B6%B2%E7%9B", id="a character cut short"),
        pytest.param("%B2%E7%9B%B8", id="GBK bytes"),
    ],
)
def test_a_query_that_is_not_utf8_is_refused_not_searched_for_replacement_characters(client, raw):
    """`q=%FF` was searched as U+FFFD, the character the server put in place of the byte it could
    not read: the client got a search for something it never sent, answered with nothing found."""
    r = client.get(f"/api/v1/instruments?q={raw}")
    assert r.status_code == 400
    assert r.json["errors"][0]["parameter"] == "q" and "UTF-8" in r.json["errors"][0]["messages"][0]


@pytest.mark.parametrize(
    "q",
    ['"', "*", "NEAR(", "NEAR(a b)", "a AND b", "-x", "a OR b", "col:val", "' OR 1=1 --", "%_", "\\", "^", "{name}:x", "电镜*", "“引号”"],
)
def test_fts_syntax_and_sql_in_q_never_fail(client, q):
    r = client.get("/api/v1/instruments", query_string={"q": q})
    assert r.status_code == 200
    assert r.json["total"] == len(client.get("/api/v1/instruments", query_string={"q": q, "page_size": 100}).json["items"])


def test_repeated_parameter_is_400(client):
    r = client.get("/api/v1/instruments?page=1&page=2")
    assert r.status_code == 400 and r.json["errors"][0]["parameter"] == "page"


def test_networks_and_stats(client):
    networks = {n["code"]: n for n in client.get("/api/v1/networks").json}
    assert networks["420000"]["instruments"] == 5 and networks["130000"]["withdrawn"] == 1
    one = client.get("/api/v1/networks/420000").json
    assert one["name"] == "湖北省大型科学仪器协作共用平台" and one["total_value"] == networks["420000"]["total_value"]
    assert client.get("/api/v1/networks/990000").status_code == 404
    stats = client.get("/api/v1/stats").json
    assert stats["instruments"] == 15
    assert sum(g["instruments"] for g in stats["by_network"]) == 15
    assert {g["value"] for g in stats["by_category"]} == {"01", "02"}
    assert all(g["label_en"] != g["label"] for g in stats["by_network"])  # English names, not the Chinese twice


def test_every_breakdown_of_the_stats_adds_up_to_the_total(sqlite_store):
    """By owner type the stats covered 8,512 of 15,827 instruments, saying nothing of the others
    (no owner type stated): each breakdown now ends with the instruments that do not say."""
    from tests.factories import make_instruments

    upgrade(sqlite_store)
    make_instruments(sqlite_store, 3)
    make_instruments(sqlite_store, [dict(original_value=None, category=None, owner=None)] * 2)
    stats = create_app({"STORE": sqlite_store, "TESTING": True}).test_client().get("/api/v1/stats").json
    assert stats["instruments"] == 5
    for breakdown in ("by_network", "by_category", "by_owner_type", "by_value_band"):
        groups = stats[breakdown]
        assert sum(g["instruments"] for g in groups) == 5, (breakdown, groups)
    for breakdown in ("by_category", "by_owner_type", "by_value_band"):
        unknown = stats[breakdown][-1]
        assert (unknown["value"], unknown["label"], unknown["label_en"], unknown["instruments"]) == ("unknown", "未知", "Unknown", 2)


def test_openapi_document_and_offline_docs(client):
    spec = client.get("/api/openapi.json").json
    assert {
        "/api/v1/instruments",
        "/api/v1/instruments/{instrument_id}",
        "/api/v1/instruments/export",
        "/api/v1/networks",
        "/api/v1/networks/{code}",
        "/api/v1/stats",
    } <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/api/v1/instruments"]["get"]["parameters"]}
    assert params == {
        "q",
        "network",
        "city",
        "category",
        "owner_type",
        "owner_level",
        "status",
        "sharing",
        "certified",
        "include_retired",
        "all_sources",
        "min_value",
        "max_value",
        "sort",
        "page",
        "page_size",
    }
    page = client.get("/api/docs").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f"/static/apidocs/{asset}" in page
        assert client.get(f"/static/apidocs/{asset}").status_code == 200


def test_html_errors_outside_the_api(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.content_type.startswith("text/html")


@pytest.mark.parametrize(
    "number",
    ["1000", "850000.50", "0", "1e-400", "1E3", "1_000", "+5", "١٠٠٠", "1.", ".5", "Infinity", "NaN", "0x10"],
)
def test_the_api_and_the_search_page_read_a_number_alike(client, number):
    # The page reads a bare number as 万元 and the API as yuan, but which numbers they take is one
    # grammar: a value one refuses the other refuses too.
    api = client.get("/api/v1/instruments", query_string={"min_value": number})
    page = client.get("/", query_string={"min_value": number})
    assert api.status_code in (200, 400) and page.status_code in (200, 400)
    assert api.status_code == page.status_code, (api.status_code, page.status_code)
    if api.status_code == 400:
        assert [e["parameter"] for e in api.json["errors"]] == ["min_value"]


def test_a_networks_last_harvest_is_its_catalogues_not_a_service_statistics_fetch(sqlite_store):
    """/api/v1/networks/370000 gave a service-statistics job (2,535 statistics rows fetched) as the
    last harvest, where /networks showed the catalogue's (found probing the API)."""
    from hub.harvest.jobs import finish_job, start_job
    from tests.factories import make_instruments

    upgrade(sqlite_store)
    make_instruments(sqlite_store, 2, network="370000")
    full = start_job(sqlite_store, "370000", "full")
    finish_job(sqlite_store, full, "succeeded")
    for kind, year in (("service", 2012), ("push", 2012)):  # a fetch, and a pushed batch, of statistics
        finish_job(sqlite_store, start_job(sqlite_store, "370000", kind, year=year), "succeeded")
    client = create_app({"STORE": sqlite_store, "TESTING": True}).test_client()
    last = client.get("/api/v1/networks/370000").json["last_harvest"]
    assert (last["job_id"], last["kind"]) == (full.id, "full")
    assert {n["code"]: n["last_harvest"]["job_id"] for n in client.get("/api/v1/networks").json if n["last_harvest"]}["370000"] == full.id


@pytest.mark.parametrize("q", ["*", "-", "😀", "ZZZ9999NOTHING"])
def test_a_search_that_finds_nothing_answers_every_facet_empty(client, q):
    """q=* (nothing searchable in it) answered "facets": {} where another search that found nothing
    answered the nine facets empty: a client reading facets["network"] failed on one and not the
    other (found probing the API)."""
    body = client.get("/api/v1/instruments", query_string={"q": q}).json
    assert body["total"] == 0
    assert set(body["facets"]) == set(client.get("/api/v1/instruments").json["facets"])
    assert all(values == [] for values in body["facets"].values())
