"""The hub's /oai harvested by a real OAI-PMH client (Sickle) from a real threaded HTTP server, and by
the hub's own `oai-pmh` connector (round trip: store → /oai → connector → mapping → equal records)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
from lxml import etree
from sickle import Sickle, oaiexceptions
from werkzeug.serving import WSGIRequestHandler, make_server

from connectors import connector_class
from hub.config import NetworkConfig, mappings_dir
from hub.http import HttpClient
from hub.mapping import Mapping
from hub.telemetry import Telemetry
from hub.web import create_app
from tests.conftest import BACKENDS, make_store, upgrade
from tests.factories import make_instruments, withdraw

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}
REPO = "hub.nrii.example.cn"
CATEGORIES = ["010500", "010200", "010100", "020100", "011000"]
CREDIT = "12100000466006770Q"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _serve(store):
    app = create_app({"STORE": store, "TESTING": True})
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module", params=BACKENDS)
def harvested(request, tmp_path_factory):
    """One catalogue and server per backend for the read-only tests: 230 instruments across three
    networks and five categories (three pages), one withdrawn."""
    store, cleanup = make_store(request.param, tmp_path_factory.mktemp("oai"))
    upgrade(store)
    specs = [
        dict(
            network=("370000", "420000", "130000")[n % 3],
            category=CATEGORIES[n % 5],
            subjects="150,140" if n % 4 == 0 else "150",
            status=("normal", "standby", "awaiting_repair")[n % 3],
            owner=dict(name=f"单位{n % 7}", credit_code=CREDIT if n % 2 else None, type="university", level="central"),
        )
        for n in range(230)
    ]
    ids = make_instruments(store, specs)
    withdraw(store, [ids[17]], "deleted at source")
    httpd = _serve(store)
    yield f"http://127.0.0.1:{httpd.server_port}", ids, ids[17]
    httpd.shutdown()
    httpd.server_close()
    cleanup()


@pytest.fixture
def catalogue(harvested):
    return harvested[1:]


@pytest.fixture
def server(harvested):
    return harvested[0]


@pytest.fixture
def own_server(store):
    httpd = _serve(store)
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def identifier(iid):
    return f"oai:{REPO}:{iid}"


def test_sickle_harvests_every_instrument_once_and_the_withdrawn_as_deleted(catalogue, server):
    ids, gone = catalogue
    sickle = Sickle(server + "/oai")
    records = list(sickle.ListRecords(metadataPrefix="nrii", ignore_deleted=False))
    assert sorted(r.header.identifier for r in records) == sorted(identifier(i) for i in ids)
    deleted = [r for r in records if r.header.deleted]
    assert [r.header.identifier for r in deleted] == [identifier(gone)]
    live = [r for r in records if not r.header.deleted]
    assert all(r.metadata["cname"] == ["高效液相色谱仪"] for r in live)
    # three pages: two resumption tokens, with completeListSize and cursor
    assert sickle.iterator is not None
    first = etree.fromstring(requests.get(server + "/oai", params={"verb": "ListRecords", "metadataPrefix": "nrii"}).content)
    token = first.find(".//o:resumptionToken", NS)
    assert token.get("completeListSize") == "230" and token.get("cursor") == "0" and token.text


def test_paging_uses_several_tokens_and_ends_with_an_empty_one(catalogue, server):
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    seen, cursors = [], []
    while True:
        root = etree.fromstring(requests.get(server + "/oai", params=params).content)
        seen += [h.findtext("o:identifier", namespaces=NS) for h in root.findall(".//o:header", NS)]
        token = root.find(".//o:resumptionToken", NS)
        cursors.append(token.get("cursor"))
        if not token.text:
            break
        params = {"verb": "ListIdentifiers", "resumptionToken": token.text}
    assert cursors == ["0", "100", "200"] and len(seen) == len(set(seen)) == 230


def test_identify_and_formats(catalogue, server):
    sickle = Sickle(server + "/oai")
    identify = sickle.Identify()
    assert identify.protocolVersion == "2.0" and identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ" and identify.baseURL == server + "/oai"
    assert identify.earliestDatestamp == "2026-01-15T08:00:00Z"
    assert {f.metadataPrefix for f in sickle.ListMetadataFormats()} == {"oai_dc", "nrii"}


def test_sets_by_network_and_category(catalogue, server):
    sickle = Sickle(server + "/oai")
    names = {s.setSpec: s.setName for s in sickle.ListSets()}
    assert {"network:370000", "network:420000", "network:130000", "category:01", "category:0105", "category:02"} <= names.keys()
    # a 中类 says whose it is (ten are named 其他), a 大类 alone its own name
    assert (names["category:01"], names["category:0105"]) == ("分析仪器", "分析仪器 · 色谱仪器")
    in_network = list(sickle.ListIdentifiers(metadataPrefix="nrii", set="network:420000", ignore_deleted=False))
    assert len(in_network) == 230 // 3 + (1 if 230 % 3 > 1 else 0)
    in_category = list(sickle.ListIdentifiers(metadataPrefix="nrii", set="category:0105", ignore_deleted=False))
    assert len(in_category) == 46 and all("category:0105" in h.setSpecs for h in in_category)


def test_get_record_and_dublin_core(catalogue, server):
    ids, gone = catalogue
    record = Sickle(server + "/oai").GetRecord(identifier=identifier(ids[0]), metadataPrefix="oai_dc")
    assert record.metadata["title"][0] == "高效液相色谱仪" and record.metadata["type"] == ["PhysicalObject"]
    # Beside the bare id, a link a registry's reader can follow: the instrument's page, which answers.
    bare, link = record.metadata["identifier"]
    assert bare == ids[0] and link == f"{server}/instruments/{ids[0]}", record.metadata["identifier"]
    page = requests.get(link)
    assert page.status_code == 200 and "高效液相色谱仪" in page.text
    deleted = Sickle(server + "/oai").GetRecord(identifier=identifier(gone), metadataPrefix="nrii")
    assert deleted.header.deleted


def test_dublin_core_says_which_title_is_chinese_and_names_a_municipality_once(store, own_server):
    chinese, english = make_instruments(
        store,
        [
            dict(name="液相色谱仪", name_en="Liquid Chromatograph", province_name="北京市", city_name="北京市", county_name="海淀区"),
            dict(network="FGBUK1", name="Mass Spectrometer", name_en="Mass Spectrometer", owner=dict(name="Archaeology")),
        ],
    )

    def dc(iid):
        params = {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier(iid)}
        root = etree.fromstring(requests.get(own_server + "/oai", params=params).content)
        return [
            (e.tag.split("}")[1], e.text, e.get("{http://www.w3.org/XML/1998/namespace}lang"))
            for e in root.iter("{*}title", "{*}coverage", "{*}publisher")
        ]

    assert dc(chinese) == [
        ("title", "液相色谱仪", "zh"),
        ("title", "Liquid Chromatograph", "en"),
        ("publisher", "山东大学", "zh"),
        ("coverage", "北京市海淀区", "zh"),
    ]
    assert dc(english) == [("title", "Mass Spectrometer", None), ("publisher", "Archaeology", None)]


def test_from_until_select_on_the_change_datestamp(catalogue, server):
    from tests.factories import NOW

    ids, gone = catalogue
    sickle = Sickle(server + "/oai")
    everything = list(sickle.ListIdentifiers(metadataPrefix="nrii", ignore_deleted=False, **{"from": "2026-01-15", "until": "2026-01-15"}))
    assert len(everything) == 230
    with pytest.raises(oaiexceptions.NoRecordsMatch):
        list(sickle.ListIdentifiers(metadataPrefix="nrii", **{"from": "2026-01-15T08:00:01Z"}))
    exact = list(
        sickle.ListIdentifiers(
            metadataPrefix="nrii", ignore_deleted=False, **{"from": "2026-01-15T08:00:00Z", "until": "2026-01-15T08:00:00Z"}
        )
    )
    assert len(exact) == 230 and NOW.hour == 8
    for until in ("9999-12-31", "9999-12-31T23:59:59Z"):  # the last day there is: everything, not a 500
        assert len(list(sickle.ListIdentifiers(metadataPrefix="nrii", ignore_deleted=False, until=until))) == len(ids)


@pytest.mark.parametrize(
    "params, code",
    [
        pytest.param({"verb": "Frobnicate"}, "badVerb", id="bad verb"),
        pytest.param({}, "badVerb", id="no verb"),
        pytest.param({"verb": "ListRecords"}, "badArgument", id="missing metadataPrefix"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "from": "15.01.2026"}, "badArgument", id="bad datestamp"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "from": "２０２６-01-15"}, "badArgument", id="full-width digits"),
        # strptime read one-digit months and days (found probing the provider)
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "from": "2026-1-1"}, "badArgument", id="one-digit month and day"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "until": "2026-01-15T1:02:03Z"}, "badArgument", id="one-digit hour"),
        pytest.param(
            {"verb": "ListRecords", "metadataPrefix": "nrii", "from": "2026-01-01", "until": "2026-02-01T00:00:00Z"},
            "badArgument",
            id="mixed granularity",
        ),
        pytest.param({"verb": "Identify", "extra": "1"}, "badArgument", id="illegal argument"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat", id="unknown format"),
        pytest.param({"verb": "ListRecords", "resumptionToken": "forged"}, "badResumptionToken", id="forged token"),
        pytest.param({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "nrii"}, "badArgument", id="token not exclusive"),
        pytest.param(
            {"verb": "GetRecord", "metadataPrefix": "nrii", "identifier": "oai:hub.nrii.example.cn:999999:nope"},
            "idDoesNotExist",
            id="unknown id",
        ),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "set": "network:650000"}, "noRecordsMatch", id="empty set"),
        pytest.param({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken", id="ListSets token"),
        pytest.param([("verb", "Identify"), ("verb", "Identify")], "badVerb", id="repeated verb"),
        pytest.param([("verb", "ListSets"), ("verb", "Identify")], "badVerb", id="two verbs"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "set": "network 370000"}, "badArgument", id="set of illegal syntax"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "oai dc"}, "badArgument", id="metadataPrefix of illegal syntax"),
        pytest.param({"verb": "GetRecord", "metadataPrefix": "<dc>", "identifier": "oai:x:y"}, "badArgument", id="GetRecord prefix syntax"),
    ],
)
def test_protocol_errors_as_the_specification_defines(catalogue, server, params, code):
    response = requests.get(server + "/oai", params=params)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    error = root.find("o:error", NS)
    assert error is not None and error.get("code") == code and error.text
    request_el = root.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert request_el.attrib == {}
    assert len(root) == 3  # responseDate, request, error: nothing else


def test_every_answer_is_valid_against_the_protocol_schema(catalogue, server, schemas):
    ids, gone = catalogue
    strict, lax = schemas
    asked = [
        {"verb": "Identify"},
        {"verb": "ListSets"},
        {"verb": "ListMetadataFormats"},
        {"verb": "ListMetadataFormats", "identifier": identifier(ids[0])},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "category:0105", "from": "2026-01-15"},
        {"verb": "ListIdentifiers", "metadataPrefix": "nrii", "until": "2026-01-15T08:00:00Z"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier(ids[1])},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier(gone)},
        {"verb": "ListRecords", "metadataPrefix": "nrii"},
        # errors, whose request element echoes only what is valid
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "仪器 sets"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "network:650000"},
        {"verb": "ListIdentifiers", "metadataPrefix": "marc 21"},
        {"verb": "ListIdentifiers", "metadataPrefix": "marc21"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2000-01-01"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:hub.nrii.example.cn:999999:nope"},
        [("verb", "Identify"), ("verb", "Identify")],
    ]
    invalid = {}
    for params in asked:
        root = etree.fromstring(requests.get(server + "/oai", params=params).content)
        schema = lax if "nrii" in str(params) else strict
        if not schema.validate(root):
            invalid[str(params)] = str(schema.error_log.last_error)
    assert invalid == {}


def test_token_of_one_verb_is_refused_by_another(catalogue, server):
    root = etree.fromstring(requests.get(server + "/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "nrii"}).content)
    token = root.findtext(".//o:resumptionToken", namespaces=NS)
    again = etree.fromstring(requests.get(server + "/oai", params={"verb": "ListRecords", "resumptionToken": token}).content)
    assert again.find("o:error", NS).get("code") == "badResumptionToken"


def test_post_is_answered_like_get(catalogue, server):
    root = etree.fromstring(requests.post(server + "/oai", data={"verb": "Identify"}).content)
    assert root.findtext(".//o:protocolVersion", namespaces=NS) == "2.0"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_method_the_protocol_has_not_is_refused_in_a_line_of_text(catalogue, server, method):
    """OAI-PMH is GET or POST; another method got the site's HTML error page, menus and all."""
    r = requests.request(method, server + "/oai", data={"verb": "Identify"})
    assert r.status_code == 405
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.text.startswith("405 Method Not Allowed: ") and "<" not in r.text


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "body, headers",
    [
        pytest.param(b"verb=Identify&x=" + b"a" * 2 * 1024 * 1024, {"Content-Type": FORM}, id="a form of 2 MiB"),
        pytest.param(
            b'--b\r\nContent-Disposition: form-data; name="verb"\r\n\r\nIdentify\r\n'
            b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n' + b"a" * 600_000 + b"\r\n--b--\r\n",
            {"Content-Type": "multipart/form-data; boundary=b"},
            id="a form field of 600 kB",
        ),
    ],
)
def test_a_request_too_large_is_answered_in_the_protocol(server, schemas, body, headers):
    # An OAI client reads the body as the protocol's XML: the refusal is a badArgument with the 413.
    r = requests.post(server + "/oai", data=body, headers=headers)
    assert r.status_code == 413
    assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(r.content)
    strict, _ = schemas
    assert strict.validate(root), strict.error_log
    assert root.find("o:error", NS).get("code") == "badArgument"
    assert root.find("o:request", NS).attrib == {}


# ---------------------------------------------------------------------------------- round trip

ROUND_TRIP = (
    "name",
    "name_en",
    "category",
    "model",
    "manufacturer",
    "country",
    "original_value",
    "commissioned",
    "address",
    "specs",
    "functions",
    "services",
    "booking_url",
    "status",
    "sharing",
    "certifications",
    "subjects",
)


def test_round_trip_through_our_own_connector(store, own_server):
    specs = [
        dict(
            source_id="RT-1",
            original_value=Decimal("1523000.00"),
            commissioned="2009-11-02",
            certifications="CMA,CNAS",
            subjects="140,150",
            status="remote",
            county_code="370102",
            county_name="历下区",
            owner=dict(name="山东大学", credit_code=CREDIT, type="university", level="central"),
        ),
        dict(
            source_id="RT-2",
            network="420000",
            name_en=None,
            original_value=Decimal("123456.78"),
            commissioned="2011",
            status="awaiting_retirement",
            sharing="internal",
            certifications=None,
            certified=False,
            booking_url=None,
            owner=dict(name="武汉某检测有限公司", type="enterprise", level=None),
        ),
        dict(
            source_id="RT-3",
            network="130000",
            status="frequent_fault",
            sharing="none",
            contact_email=None,
            owner=dict(name="河北省药品检验研究院", type="institute", level="provincial"),
        ),
    ]
    ids = make_instruments(store, specs)
    withdraw(store, [make_instruments(store, [dict(source_id="RT-GONE")])[0]])
    config = NetworkConfig(
        code="320000", name="hub", province="全国", family="oai-pmh", mapping="320000.yaml", base_url=own_server, credentials={}, options={}
    )
    connector = connector_class("oai-pmh")(
        config,
        HttpClient(
            "320000",
            {
                "connect_timeout": 2.0,
                "read_timeout": 10.0,
                "max_retries": 1,
                "max_retry_after": 5.0,
                "backoff": 0.01,
                "max_body_bytes": 8 * 1024 * 1024,
                "user_agent": "hub-tests",
            },
            Telemetry(),
        ),
    )
    assert connector.deleted_record == "persistent" and connector.incremental
    raws = {r.source_id: r for r in connector.list_records(None)}
    assert raws["370000:RT-GONE"].deleted
    mapping = Mapping.load(mappings_dir() / "320000.yaml")
    with store.read() as conn:
        from sqlalchemy import select

        from hub.store.models import Instrument, OwnerUnit

        rows = {
            r.id: r
            for r in conn.execute(
                select(
                    Instrument.__table__,
                    OwnerUnit.name.label("o_name"),
                    OwnerUnit.credit_code.label("o_cc"),
                    OwnerUnit.type.label("o_type"),
                    OwnerUnit.level.label("o_level"),
                )
                .outerjoin(OwnerUnit.__table__, OwnerUnit.id == Instrument.owner_id)
                .where(Instrument.id.in_(ids))
            )
        }
    for iid in ids:
        mapped = mapping.map_record(raws[iid]).record
        row = rows[iid]
        stored = {k: getattr(row, k) for k in ROUND_TRIP}
        stored["subjects"] = row.subjects.split(",") if row.subjects else None
        stored["certifications"] = row.certifications.split(",") if row.certifications else None
        got = {k: mapped.get(k) or None for k in ROUND_TRIP}  # an absent list maps to []
        assert got == {k: v for k, v in stored.items()}, iid
        assert {k: v for k, v in mapped["owner"].items() if v is not None} == {
            k: v
            for k, v in {"name": row.o_name, "credit_code": row.o_cc, "type": row.o_type, "level": row.o_level}.items()
            if v is not None
        }
        assert (mapped["region"]["province"], mapped["region"].get("city"), mapped["region"].get("county")) == (
            row.province_code,
            row.city_code,
            row.county_code,
        )
        assert {k: v for k, v in mapped["contact"].items() if v is not None} == {
            k: v for k, v in {"name": row.contact_name, "phone": row.contact_phone, "email": row.contact_email}.items() if v is not None
        }
        assert mapped["fee"]["text"] == row.fee_text
    # Incremental: nothing changed after the last change datestamp.
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    assert list(connector.list_records(later)) == []


def test_a_base_url_with_a_trailing_slash_is_answered_and_named_without_it(catalogue, server):
    """A harvester configured with ".../oai/" got an HTML 404 (found probing the provider); it is
    answered, and the response names the repository's one baseURL."""
    identify = Sickle(server + "/oai/").Identify()
    assert identify.baseURL == server + "/oai"
    assert identify.xml.getparent().find("{http://www.openarchives.org/OAI/2.0/}request").text == server + "/oai"


@pytest.mark.parametrize(
    "prefix, name",
    [
        pytest.param("0113", "分析仪器 · 其他", id="one of the ten 其他"),
        pytest.param("0100", "分析仪器 · 未细分", id="classified at the 大类 only"),
        pytest.param("10", "核仪器", id="a 大类"),
    ],
)
def test_a_category_sets_name_says_whose_it_is(prefix, name):
    """category:0100 was named 分析仪器 like its 大类, and several sets just 其他 (a national centre's probe)."""
    from hub.web.oai import _category_set_name
    from hub.web.oai_formats import category_names

    assert _category_set_name(prefix, category_names()) == name
