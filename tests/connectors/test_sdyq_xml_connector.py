"""`sdyq-xml`: the XML export of Shandong-type networks, to the letter of sdyq-xml.md."""

from __future__ import annotations

import gzip
import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape

import pytest
import responses
from tests.connectors.conformance import IDS, NAME, ConnectorConformance

from connectors.sdyq_xml import format_since
from hub.errors import ConnectorError
from tests.doc_examples import SDYQ_DOC_PAYLOAD

BASE = "http://sdyq.test/370000"
EXPORT = BASE + "/exchange/instruments.xml"
STATS = BASE + "/exchange/service-stats.xml"
CREDS = {"username": "hub", "password": "hub-secret"}

DOC_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<SDYQExport version="2.1" generated="2013-10-27T02:00:00+08:00" count="1">
  <Instrument>
    <YQBH>SD0101-2011-0042</YQBH>
    <YQMC>高效液相色谱仪</YQMC>
    <YWMC>High Performance Liquid Chromatograph</YWMC>
    <FLDM>010500</FLDM>
    <GGXH>1260 Infinity</GGXH>
    <SCCS>安捷伦科技有限公司</SCCS>
    <CDGB>美国</CDGB>
    <YZ>45.80</YZ>
    <QYRQ>2011-06-15</QYRQ>
    <SSDW xydm="12100000400000624D" lx="中央在鲁">山东大学</SSDW>
    <SZDQ>370102</SZDQ>
    <AZDD>济南市历下区山大南路27号 化学楼305</AZDD>
    <ZYJSZB>流速范围0.001–5 mL/min；波长范围190–950 nm</ZYJSZB>
    <ZYGN>药物、食品、环境样品中有机组分的分离与定量分析</ZYGN>
    <FWNR>委托测试；机时共享</FWNR>
    <SFBZ>200元/样</SFBZ>
    <YYWZ>http://www.sdyq.example/book?id=SD0101-2011-0042</YYWZ>
    <LXR>张工</LXR>
    <LXDH>0531-88361234</LXDH>
    <DZYX>hplc@sdu.example.cn</DZYX>
    <YXZT>正常</YXZT>
    <GXMS>外部共享</GXMS>
    <JLRZ>CMA</JLRZ>
    <GXSJ>2013-09-12 10:22:01</GXSJ>
  </Instrument>
  <Deleted YQBH="SD0305-2006-0007" at="2013-10-02 08:00:00"/>
</SDYQExport>
""".encode()

DOC_PAYLOAD = SDYQ_DOC_PAYLOAD

DOC_STATS = """<FWTJ year="2012" count="1">
  <Record YQBH="SD0101-2011-0042" ZJS="1630" DWFWJS="410" DWFWCS="96" QYFWCS="61" YPS="2310" DWYPS="820" SR="86400"/>
</FWTJ>""".encode()


def instrument(source_id: str, **extra) -> dict:
    return {"YQBH": source_id, "YQMC": NAME + source_id, "GXSJ": "2013-09-12 10:22:01", **extra}


def export(records, deleted=(), *, encoding="UTF-8", count=None) -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        f'<SDYQExport version="2.1" count="{len(records) if count is None else count}">',
    ]
    for rec in records:
        parts.append("<Instrument>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in rec.items()) + "</Instrument>")
    parts += [f'<Deleted YQBH="{i}" at="2013-10-02 08:00:00"/>' for i in deleted]
    parts.append("</SDYQExport>")
    return "\n".join(parts).encode(encoding)


class TestSdyqConformance(ConnectorConformance):
    family = "sdyq-xml"

    def connector(self, make_http, **options):
        return self.build(make_http, "370000", BASE, CREDS, **options)

    def serve_full(self, rsps, ids):
        rsps.get(EXPORT, body=export([instrument(i) for i in ids]))

    def serve_changes(self, rsps, changed, deleted):
        rsps.get(
            EXPORT,
            body=export([instrument(i) for i in changed], deleted),
            match=[responses.matchers.query_param_matcher({"since": "2013-10-01T08:00:00"})],
        )

    def serve_broken(self, rsps, ids):
        body = export([instrument(i) for i in ids])
        cut = body.index(f"<YQBH>{ids[10]}</YQBH>".encode())
        rsps.get(EXPORT, body=body[:cut])
        return 10

    def serve_odd_bytes(self, rsps, ids):
        rsps.get(EXPORT, body=export([instrument(i) for i in ids], encoding="GB18030"))

    def serve_stats(self, rsps, year, hours):
        records = "".join(f'<Record YQBH="{i}" ZJS="{h}"/>' for i, h in hours.items())
        rsps.get(
            STATS,
            body=f'<FWTJ year="{year}" count="{len(hours)}">{records}</FWTJ>'.encode(),
            match=[responses.matchers.query_param_matcher({"year": str(year)})],
        )

    def hours_of(self, row):
        return int(row.payload["ZJS"])

    def name_of(self, record):
        return record.payload["YQMC"]


@pytest.fixture
def sdyq(make_http):
    def make(**options):
        return TestSdyqConformance().connector(make_http, **options)

    return make


def test_doc_example_gives_the_whole_payload_and_the_deletion(rsps, sdyq):
    rsps.get(EXPORT, body=DOC_EXPORT)
    records = list(sdyq().list_records(None))
    assert [(r.source_id, r.deleted, r.source_updated, r.problem) for r in records] == [
        ("SD0101-2011-0042", False, "2013-09-12 10:22:01", None),
        ("SD0305-2006-0007", True, "2013-10-02 08:00:00", None),
    ]
    assert records[0].payload == DOC_PAYLOAD
    assert records[1].payload == {"@YQBH": "SD0305-2006-0007", "@at": "2013-10-02 08:00:00"}


def test_doc_service_statistics_payload(rsps, sdyq):
    rsps.get(STATS, body=DOC_STATS)
    [row] = sdyq().service_stats(2012)
    assert (row.source_id, row.year) == ("SD0101-2011-0042", 2012)
    assert row.payload == {
        "YQBH": "SD0101-2011-0042",
        "ZJS": "1630",
        "DWFWJS": "410",
        "DWFWCS": "96",
        "QYFWCS": "61",
        "YPS": "2310",
        "DWYPS": "820",
        "SR": "86400",
    }


def test_service_statistics_of_another_year_are_refused(rsps, sdyq):
    rsps.get(STATS, body=DOC_STATS)
    with pytest.raises(ConnectorError, match="asked for the service statistics of 2013, got year=2012"):
        list(sdyq().service_stats(2013))


@pytest.mark.parametrize(
    "since, expected",
    [
        pytest.param(datetime(2013, 9, 30, 16, 0, tzinfo=timezone.utc), "2013-10-01T00:00:00", id="UTC to UTC+8 across midnight"),
        pytest.param(datetime(2013, 10, 1, 0, 0), "2013-10-01T08:00:00", id="naive is UTC"),
        pytest.param(
            datetime(2013, 10, 1, 9, 30, 5, 123, tzinfo=timezone.utc).astimezone(timezone.utc),
            "2013-10-01T17:30:05",
            id="seconds, no micro",
        ),
    ],
)
def test_since_is_local_china_time_in_the_doc_form(since, expected):
    assert format_since(since) == expected


def test_basic_auth_is_sent(rsps, sdyq):
    rsps.get(EXPORT, body=export([instrument("A")]))
    list(sdyq().list_records(None))
    assert rsps.calls[0].request.headers["Authorization"] == "Basic aHViOmh1Yi1zZWNyZXQ="


def test_wrong_credentials_are_an_auth_failure(rsps, sdyq):
    rsps.get(EXPORT, status=401)
    with pytest.raises(ConnectorError) as exc:
        list(sdyq().list_records(None))
    assert exc.value.kind == "auth" and "'hub'" in str(exc.value)
    assert len(rsps.calls) == 1  # never retried


def test_network_without_since_gets_a_full_export(rsps, sdyq):
    rsps.get(EXPORT, body=export([instrument("A")]), match=[responses.matchers.query_param_matcher({})])
    connector = sdyq(incremental=False)
    assert not connector.incremental
    assert [r.source_id for r in connector.list_records(datetime(2013, 10, 1, tzinfo=timezone.utc))] == ["A"]


def test_503_while_regenerating_waits_retry_after_and_is_counted(rsps, sdyq, sleeps):
    rsps.get(EXPORT, status=503, headers={"Retry-After": "7"})
    rsps.get(EXPORT, body=export([instrument("A")]))
    connector = sdyq()
    assert [r.source_id for r in connector.list_records(None)] == ["A"]
    assert sleeps == [7.0]
    assert connector.http.telemetry.summary()["failures"] == {"http_503": 1}
    assert connector.http.telemetry.requests == 2


def test_503_for_ever_fails_the_listing(rsps, sdyq):
    rsps.get(EXPORT, status=503, headers={"Retry-After": "1"})
    with pytest.raises(ConnectorError) as exc:
        list(sdyq().list_records(None))
    assert exc.value.kind == "http_503"


@pytest.mark.parametrize(
    "headers, body",
    [
        pytest.param({"Content-Encoding": "gzip"}, lambda b: gzip.compress(b), id="Content-Encoding gzip"),
        pytest.param({"Content-Type": "application/gzip"}, lambda b: gzip.compress(b), id="gzip file without Content-Encoding"),
        pytest.param({}, lambda b: b, id="plain"),
    ],
)
def test_gzip_is_inflated_on_the_way(rsps, sdyq, headers, body):
    rsps.get(EXPORT, body=body(export([instrument(i) for i in IDS])), headers=headers)
    assert [r.source_id for r in sdyq().list_records(None)] == IDS


def test_gb18030_declared_export(rsps, sdyq):
    rare = "䶮"  # outside GBK, inside GB18030
    rsps.get(EXPORT, body=export([instrument("A", SCCS=f"仪器厂{rare}")], encoding="GB18030"))
    [record] = sdyq().list_records(None)
    assert record.payload["SCCS"] == f"仪器厂{rare}"
    assert record.payload["YQMC"] == NAME + "A"


def test_encoding_override_reads_a_misdeclared_export(rsps, sdyq):
    body = export([instrument("A")], encoding="GB18030").replace(b'encoding="GB18030"', b'encoding="UTF-8"')
    rsps.get(EXPORT, body=body)
    with pytest.raises(ConnectorError, match="not well-formed"):
        list(sdyq().list_records(None))
    assert [r.payload["YQMC"] for r in sdyq(encoding="gb18030").list_records(None)] == [NAME + "A"]


def test_unknown_encoding_option_is_refused(make_http):
    from hub.errors import ConfigError

    with pytest.raises(ConfigError, match="encoding"):
        TestSdyqConformance().connector(make_http, encoding="klingon")


def test_truncated_mid_stream_raises_after_earlier_records(rsps, sdyq):
    body = export([instrument(i) for i in IDS])
    rsps.get(EXPORT, body=body[: len(body) // 2])
    got = []
    with pytest.raises(ConnectorError) as exc:
        for record in sdyq().list_records(None):
            got.append(record.source_id)
    assert exc.value.kind == "malformed"
    assert 0 < len(got) < len(IDS) and got == IDS[: len(got)]


def test_short_full_export_against_its_count_is_incomplete(rsps, sdyq):
    rsps.get(EXPORT, body=export([instrument("A"), instrument("B")], count=4117))
    with pytest.raises(ConnectorError) as exc:
        list(sdyq().list_records(None))
    assert exc.value.kind == "incomplete" and "count=4117" in str(exc.value)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<SDYQExport><Instrument><YQBH>A</YQBH><YQMC>&x;</YQMC></Instrument></SDYQExport>",
            id="XXE",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b"<SDYQExport><Instrument><YQBH>A</YQBH><YQMC>&b;</YQMC></Instrument></SDYQExport>",
            id="entity expansion",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!--' + b"x" * 6000 + b'--><!DOCTYPE r SYSTEM "file:///etc/passwd">'
            b"<SDYQExport><Instrument><YQBH>A</YQBH></Instrument></SDYQExport>",
            id="DOCTYPE behind a long comment",
        ),
    ],
)
def test_hostile_xml_is_refused_without_reading_files(rsps, sdyq, body):
    rsps.get(EXPORT, body=body)
    got = []
    with pytest.raises(ConnectorError) as exc:
        got.extend(sdyq().list_records(None))
    assert exc.value.kind == "unsafe_xml"
    assert got == []


def test_oversized_body_is_stopped_by_the_cap(rsps, make_http):
    connector = TestSdyqConformance().build(lambda code: make_http(code, max_body_bytes=64 * 1024), "370000", BASE, CREDS)
    rsps.get(EXPORT, body=export([instrument(f"X{n}", ZYGN="很长的说明" * 50) for n in range(200)]))
    with pytest.raises(ConnectorError) as exc:
        list(connector.list_records(None))
    assert exc.value.kind == "too_large"


def test_gzip_bomb_is_stopped_by_the_cap_on_inflated_bytes(rsps, make_http):
    connector = TestSdyqConformance().build(lambda code: make_http(code, max_body_bytes=64 * 1024), "370000", BASE, CREDS)
    bomb = gzip.compress(export([instrument("A", ZYGN="x" * 2_000_000)]))
    assert len(bomb) < 64 * 1024
    rsps.get(EXPORT, body=bomb, headers={"Content-Type": "application/octet-stream"})
    with pytest.raises(ConnectorError) as exc:
        list(connector.list_records(None))
    assert exc.value.kind == "too_large"


def test_a_record_without_yqbh_is_yielded_with_a_problem_and_the_listing_goes_on(rsps, sdyq):
    rsps.get(EXPORT, body=export([instrument("A"), {"YQMC": "无编号"}, instrument("C")]))
    records = list(sdyq().list_records(None))
    assert [r.source_id for r in records] == ["A", "(instrument #2)", "C"]
    assert records[1].problem == "<Instrument> #2 of the export has no YQBH (instrument number)"
    assert records[1].payload == {"YQMC": "无编号"}


def test_unknown_nested_and_repeated_elements_are_kept(rsps, sdyq):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><SDYQExport count="1"><Instrument code="x">'
        "<YQBH> A </YQBH><YWMC/><XZYS>新</XZYS><LXFS><DH>1</DH></LXFS><FL>a</FL><FL>b</FL>"
        "</Instrument></SDYQExport>"
    ).encode()
    rsps.get(EXPORT, body=body)
    [record] = sdyq().list_records(None)
    assert record.source_id == "A"
    assert record.payload == {"@code": "x", "YQBH": "A", "YWMC": "", "XZYS": "新", "LXFS": "", "LXFS.DH": "1", "FL": ["a", "b"]}


def test_parsed_records_are_freed_as_the_stream_goes(rsps, sdyq):
    rsps.get(EXPORT, body=export([instrument(i) for i in IDS]))
    from connectors import _xmlstream

    before = []
    connector = sdyq()
    response = connector._get("/exchange/instruments.xml")
    for root, element in _xmlstream.iter_children(connector.http, response, what="export"):
        before.append(root.index(element))  # siblings still held before this one
    assert len(before) == len(IDS) and max(before) <= 1  # only the cleared predecessor


def test_probe_reads_only_the_head(rsps, sdyq):
    rsps.get(re.compile(re.escape(EXPORT) + ".*"), body=export([instrument(i) for i in IDS]))
    connector = sdyq()
    connector.probe()
    assert "since=" in rsps.calls[0].request.url
    assert connector.http.telemetry.bytes <= 64 * 1024


@pytest.mark.parametrize(
    "hostile, limit",
    [("<X>" * 300 + "deep" + "</X>" * 300, "nested"), ("<ZYJSZB>" + "a" * 11_000_000 + "</ZYJSZB>", "10 MB")],
    ids=["an element nesting 300 deep", "a text of 11 MB"],
)
def test_a_record_past_the_parsers_limits_is_named_not_called_a_truncated_export(rsps, make_http, hostile, limit):
    # The parser cannot skip such a record and read on, so the export fails (safely); the message
    # says where and why, where it used to call the whole export "truncated or corrupt".
    body = export([instrument(i) for i in IDS[:3]]).replace(b"</Instrument>", hostile.encode() + b"</Instrument>", 2)
    body = body.replace(hostile.encode() + b"</Instrument>", b"</Instrument>", 1)
    rsps.get(EXPORT, body=body)
    connector = TestSdyqConformance().connector(make_http)
    connector.http.settings = {**connector.http.settings, "max_body_bytes": 64 << 20}
    with pytest.raises(ConnectorError) as exc:
        list(connector.list_records(None))
    message = str(exc.value)
    assert "network 370000" in message and "line 4" in message and limit in message and "truncated" not in message, message
