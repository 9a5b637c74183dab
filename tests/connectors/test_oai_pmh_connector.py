"""`oai-pmh`: OAI-PMH 2.0 providers with the `nrii` format, to the letter of oai-pmh.md and the spec."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape, quoteattr

import pytest
import requests
from tests.connectors.conformance import IDS, NAME, PROJECT_ROOT, ConnectorConformance

from connectors import connector_class
from connectors.oai_pmh import format_from, local_identifier
from hub.errors import ConfigError, ConnectorError
from tests.doc_examples import NRII_DOC_PAYLOAD

BASE = "http://oai.test/320000"
OAI = BASE + "/oai"
REPO = "js.nrii.example.cn"

DOC_RECORD = """<record><header><identifier>oai:js.nrii.example.cn:NJU-2009-0311</identifier>
<datestamp>2013-10-01T02:00:00Z</datestamp><setSpec>320100</setSpec></header><metadata>
<nrii:instrument xmlns:nrii="http://nrii.example.cn/schema/instrument/1.0">
  <nrii:innerId>NJU-2009-0311</nrii:innerId>
  <nrii:cname>X射线衍射仪</nrii:cname>
  <nrii:ename>X-ray Diffractometer</nrii:ename>
  <nrii:instrCategory>010300</nrii:instrCategory>
  <nrii:instrVersion>D8 ADVANCE</nrii:instrVersion>
  <nrii:manufacturer>Bruker AXS</nrii:manufacturer>
  <nrii:nation>DE</nrii:nation>
  <nrii:worth>152.30</nrii:worth>
  <nrii:beginDate>2009-11-02</nrii:beginDate>
  <nrii:orgName creditCode="12100000466006770Q" level="central">南京大学</nrii:orgName>
  <nrii:location province="320000" city="320100" county="320113">栖霞区仙林大道163号</nrii:location>
  <nrii:technical>测角仪半径 ≥ 200 mm</nrii:technical>
  <nrii:function>物相分析</nrii:function>
  <nrii:subject>140</nrii:subject>
  <nrii:serviceContent>委托测试</nrii:serviceContent>
  <nrii:fee>300元/样</nrii:fee>
  <nrii:serviceUrl>https://yq.nju.example.cn/xrd</nrii:serviceUrl>
  <nrii:contact name="陈老师" phone="025-8968xxxx" email="xrd@nju.example.cn"/>
  <nrii:status>正常</nrii:status>
  <nrii:shareMode>外部共享</nrii:shareMode>
  <nrii:certification>CMA</nrii:certification>
</nrii:instrument></metadata></record>"""

DOC_PAYLOAD = NRII_DOC_PAYLOAD


def envelope(inner: str, verb: str = "ListRecords", encoding: str = "UTF-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<responseDate>2013-10-27T02:00:00Z</responseDate><request verb="{verb}">{OAI}</request>'
        f"{inner}</OAI-PMH>"
    ).encode(encoding)


def error(code: str, text: str = "", verb: str = "ListRecords") -> bytes:
    return envelope(f'<error code="{code}">{escape(text)}</error>', verb)


def identify(deleted="persistent", granularity="YYYY-MM-DDThh:mm:ssZ") -> bytes:
    return envelope(
        "<Identify><repositoryName>江苏省大型科学仪器设备共享服务平台</repositoryName>"
        f"<baseURL>{OAI}</baseURL><protocolVersion>2.0</protocolVersion>"
        "<adminEmail>admin@js.example.cn</adminEmail><earliestDatestamp>2009-01-01T00:00:00Z</earliestDatestamp>"
        f"<deletedRecord>{deleted}</deletedRecord><granularity>{granularity}</granularity></Identify>",
        "Identify",
    )


def record(source_id: str, *, deleted=False, name=None, datestamp="2013-10-01T02:00:00Z", sets=("320100",), subjects=("140",)) -> str:
    head = (
        f"<header{' status=' + quoteattr('deleted') if deleted else ''}><identifier>oai:{REPO}:{escape(source_id)}</identifier>"
        f"<datestamp>{datestamp}</datestamp>{''.join(f'<setSpec>{s}</setSpec>' for s in sets)}</header>"
    )
    if deleted:
        return f"<record>{head}</record>"
    subject = "".join(f"<nrii:subject>{s}</nrii:subject>" for s in subjects)
    return (
        f'<record>{head}<metadata><nrii:instrument xmlns:nrii="http://nrii.example.cn/schema/instrument/1.0">'
        f"<nrii:innerId>{escape(source_id)}</nrii:innerId><nrii:cname>{escape(name or NAME + source_id)}</nrii:cname>"
        f'<nrii:worth>152.30</nrii:worth><nrii:orgName creditCode="12100000466006770Q">南京大学</nrii:orgName>{subject}'
        "</nrii:instrument></metadata></record>"
    )


def page(records: list[str], token: str | None = None, size: int | None = None, cursor: int = 0, encoding="UTF-8") -> bytes:
    attrs = f' completeListSize="{size}" cursor="{cursor}"' if size is not None else ""
    tail = f"<resumptionToken{attrs}>{token or ''}</resumptionToken>" if token is not None or size is not None else ""
    return envelope(f"<ListRecords>{''.join(records)}{tail}</ListRecords>", encoding=encoding)


class FakeOai:
    """A small OAI-PMH provider as a `responses` callback: pages of `per_page`, tokens `t<offset>`
    (stateful `expire` lets a token fail once), Identify, from/set filtering and error answers."""

    def __init__(
        self,
        ids,
        *,
        per_page=20,
        deleted=(),
        deleted_record="persistent",
        granularity="YYYY-MM-DDThh:mm:ssZ",
        sets=None,
        encoding="UTF-8",
        stamps=None,
    ):
        self.ids, self.per_page, self.deleted = list(ids), per_page, set(deleted)
        self.deleted_record, self.granularity, self.sets, self.encoding = deleted_record, granularity, sets or {}, encoding
        self.stamps = stamps or {}
        self.expire: set[str] = set()  # tokens that answer badResumptionToken once
        self.requests: list[dict] = []

    def __call__(self, request):
        args = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        self.requests.append(args)
        verb = args.get("verb")
        if verb == "Identify":
            return 200, {}, identify(self.deleted_record, self.granularity)
        if verb != "ListRecords":
            return 200, {}, error("badVerb", verb=verb or "")
        if "resumptionToken" in args:
            token = args["resumptionToken"]
            if token in self.expire:
                self.expire.discard(token)
                return 200, {}, error("badResumptionToken", f"token {token} expired")
            offset, query = token[1:].split("~", 1)
            offset = int(offset)
            args = dict(parse_qs(query), verb="ListRecords")
            args = {k: (v[0] if isinstance(v, list) else v) for k, v in args.items()}
        else:
            offset = 0
            if args.get("metadataPrefix") != "nrii":
                return 200, {}, error("cannotDisseminateFormat", args.get("metadataPrefix", ""))
        chosen = [i for i in self.ids if self._match(i, args)]
        if not chosen:
            return 200, {}, error("noRecordsMatch")
        batch = chosen[offset : offset + self.per_page]
        query = "&".join(f"{k}={v}" for k, v in args.items() if k in ("from", "set", "metadataPrefix"))
        more = offset + self.per_page < len(chosen)
        token = f"t{offset + self.per_page}~{query}" if more else ""
        body = page([self._record(i) for i in batch], token, len(chosen), offset, self.encoding)
        return 200, {"Content-Type": f"text/xml; charset={self.encoding}"}, body

    def _match(self, i, args) -> bool:
        if "set" in args and i not in self.sets.get(args["set"], ()):
            return False
        if "from" in args and self.stamps.get(i, "2013-01-01T00:00:00Z") < args["from"]:
            return False
        return True

    def _record(self, i) -> str:
        return record(i, deleted=i in self.deleted, datestamp=self.stamps.get(i, "2013-10-01T02:00:00Z"))


def serve(rsps, fake: FakeOai) -> FakeOai:
    rsps.add_callback("GET", OAI, callback=fake)
    return fake


class TestOaiPmhConformance(ConnectorConformance):
    family = "oai-pmh"

    def connector(self, make_http, **options):
        return self.build(make_http, "320000", BASE, **options)

    def serve_full(self, rsps, ids):
        serve(rsps, FakeOai(ids))

    def serve_changes(self, rsps, changed, deleted):
        stamps = {i: "2013-10-20T00:00:00Z" for i in changed + deleted}
        serve(rsps, FakeOai(changed + deleted, deleted=deleted, stamps=stamps))

    def serve_broken(self, rsps, ids):
        first = page([record(i) for i in ids[:20]], "t20", len(ids))
        second = page([record(i) for i in ids[20:40]], "t40", len(ids))
        cut = second.index(f"<identifier>oai:{REPO}:{ids[23]}".encode())
        rsps.add("GET", OAI, body=first)
        rsps.add("GET", OAI, body=second[:cut])
        return 23

    def serve_odd_bytes(self, rsps, ids):
        serve(rsps, FakeOai(ids, encoding="GB18030"))

    def serve_stats(self, rsps, year, hours):
        rows = "".join(
            f"<record><header><identifier>oai:{REPO}:service:{year}:{i}</identifier><datestamp>2013-01-10</datestamp>"
            f'<setSpec>year:{year}</setSpec></header><metadata><nrii:service xmlns:nrii="http://nrii.example.cn/schema/instrument/1.0" '
            f'innerId="{i}" year="{year}" effectiveHours="{h}" externalHours="1" externalServices="2" enterpriseServices="1" '
            f'samples="10" externalSamples="3" income="8640"/></metadata></record>'
            for i, h in hours.items()
        )
        rsps.add("GET", OAI, body=page([rows]), match=[responses_query({"metadataPrefix": "nrii_service", "set": f"year:{year}"})])

    def hours_of(self, row):
        return int(row.payload["effectiveHours"])

    def name_of(self, record):
        return record.payload["cname"]


def responses_query(params):
    from responses import matchers

    return matchers.query_param_matcher(dict(params, verb="ListRecords"))


def connector(make_http, **options):
    return TestOaiPmhConformance().connector(make_http, **options)


# ---------------------------------------------------------------------------------- payload


def test_doc_example_becomes_the_documented_payload(rsps, make_http):
    rsps.add("GET", OAI, body=page([DOC_RECORD]))
    [rec] = list(connector(make_http).list_records(None))
    assert rec.source_id == "NJU-2009-0311"
    assert rec.payload == DOC_PAYLOAD
    assert rec.source_updated == "2013-10-01T02:00:00Z" and not rec.deleted and rec.problem is None


def test_doc_example_maps_with_the_jiangsu_mapping(rsps, make_http):
    from hub.mapping import Mapping
    from hub.config import mappings_dir

    rsps.add("GET", OAI, body=page([DOC_RECORD]))
    [rec] = list(connector(make_http).list_records(None))
    mapped = Mapping.load(mappings_dir() / "320000.yaml").map_record(rec).record
    assert mapped["name"] == "X射线衍射仪" and str(mapped["original_value"]) == "1523000.00"
    assert mapped["owner"]["credit_code"] == "12100000466006770Q" and mapped["contact"]["phone"] == "025-8968xxxx"
    assert mapped["subjects"] == ["140"] and mapped["region"]["county"] == "320113"
    assert mapped["source_updated"] == datetime(2013, 10, 1, 2, tzinfo=timezone.utc)


OAI_NETWORKS = sorted(p.stem for p in (PROJECT_ROOT / "mappings").glob("*.yaml") if "family: oai-pmh" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("network", OAI_NETWORKS)
@pytest.mark.parametrize(
    "datestamp, expected",
    [
        pytest.param("2013-10-01", datetime(2013, 10, 1, tzinfo=timezone.utc), id="day granularity"),
        pytest.param("2013-10-01T02:00:00Z", datetime(2013, 10, 1, 2, tzinfo=timezone.utc), id="seconds"),
        pytest.param("2013-10-01T02:00:00", datetime(2013, 10, 1, 2, tzinfo=timezone.utc), id="seconds without the Z"),
    ],
)
def test_a_datestamp_is_utc_at_either_granularity(rsps, make_http, network, datestamp, expected):
    # OAI-PMH 2.0 §3.3: datestamps are UTC. A day-granularity repository's 2013-10-01 is midnight UTC,
    # not midnight China time (which was stored as 2013-09-30 16:00 UTC, eight hours early).
    from hub.config import mappings_dir
    from hub.mapping import Mapping

    rsps.add("GET", OAI, body=page([record("A", datestamp=datestamp)]))
    [rec] = list(connector(make_http).list_records(None))
    mapped = Mapping.load(mappings_dir() / f"{network}.yaml").map_record(rec).record
    assert mapped["source_updated"] == expected


def test_repeated_subjects_are_a_list(rsps, make_http):
    rsps.add("GET", OAI, body=page([record("A-1", subjects=("140", "150", "710"))]))
    [rec] = list(connector(make_http).list_records(None))
    assert rec.payload["subject"] == ["140", "150", "710"]


@pytest.mark.parametrize(
    "identifier, local",
    [
        pytest.param("oai:js.nrii.example.cn:NJU-2009-0311", "NJU-2009-0311", id="oai-identifier"),
        pytest.param("oai:hub.example.cn:370000:YQ000001", "370000:YQ000001", id="local part with a colon"),
        pytest.param("urn:nrii:320000:42", "urn:nrii:320000:42", id="not an oai identifier"),
        pytest.param("oai:bare", "oai:bare", id="malformed oai identifier kept whole"),
    ],
)
def test_source_id_is_the_local_identifier(identifier, local):
    assert local_identifier(identifier) == local


# ---------------------------------------------------------------------------------- paging and errors


def test_paging_follows_tokens_with_only_the_token(rsps, make_http):
    fake = serve(rsps, FakeOai(IDS, per_page=10))
    assert [r.source_id for r in connector(make_http).list_records(None)] == IDS
    assert len(fake.requests) == 5
    assert fake.requests[0] == {"verb": "ListRecords", "metadataPrefix": "nrii"}
    assert all(set(r) == {"verb", "resumptionToken"} for r in fake.requests[1:])


def test_no_records_match_is_an_empty_listing(rsps, make_http):
    rsps.add("GET", OAI, body=error("noRecordsMatch"))
    assert list(connector(make_http).list_records(None)) == []


def test_deleted_headers_are_deletions(rsps, make_http):
    serve(rsps, FakeOai(["A", "B", "C"], deleted={"B"}))
    records = list(connector(make_http).list_records(None))
    assert [(r.source_id, r.deleted) for r in records] == [("A", False), ("B", True), ("C", False)]
    assert records[1].payload == {"@identifier": f"oai:{REPO}:B", "@datestamp": "2013-10-01T02:00:00Z"}


def test_expired_token_restarts_the_listing_without_duplicates(rsps, make_http):
    fake = serve(rsps, FakeOai(IDS, per_page=10))
    fake.expire = {"t30~metadataPrefix=nrii"}
    c = connector(make_http)
    ids = [r.source_id for r in c.list_records(None)]
    assert ids == IDS and c.restarts == 1
    # pages 1-3, the refused token, the listing again from the start (5 pages)
    assert len(fake.requests) == 3 + 1 + 5 and fake.requests[4] == {"verb": "ListRecords", "metadataPrefix": "nrii"}


def test_a_resumption_token_that_leads_back_fails_the_listing_instead_of_looping(rsps, make_http):
    # A provider whose third page hands out the token of the second again: without a check the
    # harvest re-read the same two pages for ever (reproduced: 550 requests in 30 s, no end).
    rsps.add("GET", OAI, body=page([record(i) for i in IDS[:10]], "t1"))
    rsps.add("GET", OAI, body=page([record(i) for i in IDS[10:20]], "t2"))
    rsps.add("GET", OAI, body=page([record(i) for i in IDS[20:30]], "t1"))
    got = []
    with pytest.raises(ConnectorError) as exc:
        for r in connector(make_http).list_records(None):
            got.append(r.source_id)
            assert len(got) <= len(IDS), "the listing loops"
    assert exc.value.kind == "incomplete"
    assert "page 3" in str(exc.value) and "'t1'" in str(exc.value) and "page 1" in str(exc.value)
    assert got == IDS[:30]


def test_fresh_tokens_serving_the_same_records_again_fail_the_listing_instead_of_looping(rsps, make_http):
    # The loop in another dress: every page a new token (a counter in it), but the provider serves
    # page 2 again and again. A page of nothing but records already read this pass is a loop.
    rsps.add("GET", OAI, body=page([record(i) for i in IDS[:10]], "t1"))
    rsps.add("GET", OAI, body=page([record(i) for i in IDS[10:20]], "t2"))
    for n in range(3, 60):
        rsps.add("GET", OAI, body=page([record(i) for i in IDS[10:20]], f"t{n}"))
    got = []
    with pytest.raises(ConnectorError) as exc:
        for r in connector(make_http).list_records(None):
            got.append(r.source_id)
            assert len(got) <= 100, "the listing loops"
    assert exc.value.kind == "incomplete"
    assert "page 3" in str(exc.value) and "loops" in str(exc.value)


def test_a_token_refused_too_often_fails_the_listing(rsps, make_http):
    rsps.add("GET", OAI, body=page([record(i) for i in IDS[:10]], "tok", 45))
    rsps.add("GET", OAI, body=error("badResumptionToken", "expired"))
    rsps.add("GET", OAI, body=page([record(i) for i in IDS[:10]], "tok", 45))
    rsps.add("GET", OAI, body=error("badResumptionToken", "expired"))
    seen = []
    with pytest.raises(ConnectorError) as exc:
        for r in connector(make_http, max_restarts=1).list_records(None):
            seen.append(r.source_id)
    assert exc.value.kind == "oai_badResumptionToken" and "gave up after 1 restarts" in str(exc.value)
    assert seen == IDS[:10]


@pytest.mark.parametrize(
    "code, kind",
    [
        pytest.param("cannotDisseminateFormat", "oai_cannotDisseminateFormat", id="format"),
        pytest.param("badArgument", "oai_badArgument", id="argument"),
        pytest.param("noSetHierarchy", "oai_noSetHierarchy", id="sets"),
        pytest.param("badResumptionToken", "oai_badResumptionToken", id="token on the first request"),
        pytest.param("somethingElse", "oai_somethingElse", id="unknown code"),
    ],
)
def test_oai_errors_are_connector_errors_of_their_kind(rsps, make_http, code, kind):
    rsps.add("GET", OAI, body=error(code, "explained"))
    with pytest.raises(ConnectorError) as exc:
        list(connector(make_http).list_records(None))
    assert exc.value.kind == kind and code in str(exc.value) and "explained" in str(exc.value)


def test_503_with_retry_after_is_waited_for(rsps, make_http, sleeps):
    rsps.add("GET", OAI, status=503, headers={"Retry-After": "7"})
    rsps.add("GET", OAI, body=page([record("A")]))
    assert [r.source_id for r in connector(make_http).list_records(None)] == ["A"]
    assert sleeps == [7.0]


@pytest.mark.parametrize(
    "body, kind",
    [
        pytest.param(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><OAI-PMH/>', "unsafe_xml", id="XXE"),
        pytest.param(b"<html><body>maintenance</body></html>", "malformed", id="HTML page"),
        pytest.param(b"", "malformed", id="empty body"),
    ],
)
def test_hostile_or_foreign_bodies_are_refused(rsps, make_http, body, kind):
    rsps.add("GET", OAI, body=body)
    with pytest.raises(ConnectorError) as exc:
        list(connector(make_http).list_records(None))
    assert exc.value.kind == kind


def test_record_without_metadata_is_a_problem_not_a_failure(rsps, make_http):
    bare = f"<record><header><identifier>oai:{REPO}:X</identifier><datestamp>2013-10-01</datestamp></header></record>"
    rsps.add("GET", OAI, body=page([bare, record("Y")]))
    records = list(connector(make_http).list_records(None))
    assert [(r.source_id, bool(r.problem)) for r in records] == [("X", True), ("Y", False)]


# ---------------------------------------------------------------------------------- incremental, sets, deletedRecord


@pytest.mark.parametrize(
    "granularity, expected",
    [
        pytest.param("YYYY-MM-DDThh:mm:ssZ", "2013-10-19T23:59:00Z", id="seconds, minus the overlap"),
        pytest.param("YYYY-MM-DD", "2013-10-19", id="days floor"),
    ],
)
def test_incremental_from_is_utc_at_the_declared_granularity(rsps, make_http, granularity, expected):
    fake = serve(rsps, FakeOai(IDS, granularity=granularity))
    since = datetime(2013, 10, 20, 8, 0, tzinfo=timezone(timedelta(hours=8)))  # 00:00 UTC
    list(connector(make_http).list_records(since))
    assert fake.requests[0] == {"verb": "Identify"}
    assert fake.requests[1]["from"] == expected


def test_format_from_takes_naive_as_utc_and_converts_offsets():
    assert format_from(datetime(2013, 10, 1, 8, 30), "YYYY-MM-DDThh:mm:ssZ") == "2013-10-01T08:30:00Z"
    cst = timezone(timedelta(hours=8))
    assert format_from(datetime(2013, 10, 1, 8, 30, tzinfo=cst), "YYYY-MM-DDThh:mm:ssZ") == "2013-10-01T00:30:00Z"


@pytest.mark.parametrize(
    "declared, option, incremental",
    [
        pytest.param("persistent", {}, True, id="persistent"),
        pytest.param("transient", {}, True, id="transient: incremental plus scheduled full listings"),
        pytest.param("no", {}, False, id="no: every run a full listing"),
        pytest.param("persistent", {"deleted_record": "no"}, False, id="option overrides what Identify claims"),
        pytest.param("no", {"incremental": True}, True, id="explicit incremental wins"),
    ],
)
def test_incremental_follows_deleted_record(rsps, make_http, declared, option, incremental):
    serve(rsps, FakeOai(IDS, deleted_record=declared))
    assert connector(make_http, **option).incremental is incremental


def test_unreachable_identify_means_a_full_run(rsps, make_http):
    TestOaiPmhConformance().serve_unreachable(rsps)
    assert connector(make_http).incremental is False


def test_sets_harvest_only_those_and_each_record_once(rsps, make_http):
    sets = {"320100": ["A", "B"], "320200": ["B", "C"]}
    fake = serve(rsps, FakeOai(["A", "B", "C", "D"], sets=sets))
    ids = [r.source_id for r in connector(make_http, sets=["320100", "320200"]).list_records(None)]
    assert ids == ["A", "B", "C"]
    assert [r.get("set") for r in fake.requests] == ["320100", "320200"]


def test_bad_options_are_refused_at_load(make_http):
    with pytest.raises(ConfigError) as exc:
        connector(make_http, deleted_record="sometimes")
    assert "deleted_record" in str(exc.value)


def test_probe_is_identify(rsps, make_http):
    fake = serve(rsps, FakeOai(IDS))
    connector(make_http).probe()
    assert fake.requests == [{"verb": "Identify"}]


def test_service_stats_rows(rsps, make_http):
    TestOaiPmhConformance().serve_stats(rsps, 2012, {"A": 5, "B": 6})
    rows = list(connector(make_http).service_stats(2012))
    assert [r.payload for r in rows][0] == {
        "innerId": "A",
        "year": "2012",
        "effectiveHours": "5",
        "externalHours": "1",
        "externalServices": "2",
        "enterpriseServices": "1",
        "samples": "10",
        "externalSamples": "3",
        "income": "8640",
    }


def test_service_stats_of_a_year_without_records_are_empty(rsps, make_http):
    rsps.add("GET", OAI, body=error("noRecordsMatch"))
    assert list(connector(make_http).service_stats(2011)) == []


def test_registered_family_is_in_the_registry():
    assert connector_class("oai-pmh").__name__ == "OaiPmhConnector"


def test_connection_failure_on_listing(rsps, make_http):
    rsps.add_callback("GET", re.compile(".*"), callback=lambda r: (_ for _ in ()).throw(requests.ConnectionError("x")))
    with pytest.raises(ConnectorError) as exc:
        list(connector(make_http).list_records(None))
    assert exc.value.kind == "connection"


def test_every_option_is_documented():
    doc = (PROJECT_ROOT / "docs" / "connectors.md").read_text(encoding="utf-8")
    section = doc.split("## `oai-pmh`")[1].split("\n## ")[0]
    for option in connector_class("oai-pmh").options_schema().fields:
        assert f"| `{option}` |" in section, option
