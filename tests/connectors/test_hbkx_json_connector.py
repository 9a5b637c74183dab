"""`hbkx-json`: the token-protected paged JSON API of Hubei-type networks, to the letter of hbkx-json.md."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlparse

import pytest
from tests.connectors.conformance import IDS, NAME, ConnectorConformance
from tests.doc_examples import HBKX_DOC_ROW

from connectors._ratelimit import RateLimiter
from connectors.hbkx_json import SERVICE_KEYS, ServiceTotals, epoch_ms, id_text, number
from hub.errors import ConfigError, ConnectorError

BASE = "http://hbkx.test/420000"
CREDS = {"app_key": "hub", "app_secret": "hub-secret"}

DOC_ROW = HBKX_DOC_ROW
DOC_SERVICE = {
    "id": 88121,
    "instrumentId": 1042,
    "serviceDate": "2012-05-14",
    "userOrgName": "武汉某药业有限公司",
    "userType": "企业",
    "external": True,
    "hours": 3.5,
    "samples": 12,
    "fee": 2100.0,
    "satisfaction": 5,
}


def row(source_id, **extra) -> dict:
    return {"id": source_id, "instrumentName": NAME + str(source_id), "updateTime": 1378952521000, "deleted": False, **extra}


class FakeHbkx:
    """The hbkx API over `responses`: login, token expiry on demand, paging with a page-size cap."""

    def __init__(self, rows=(), services=(), *, page_cap=200, total=None, charset="utf-8"):
        self.rows, self.services = list(rows), list(services)
        self.page_cap, self.total, self.charset = page_cap, total, charset
        self.token = None
        self.logins = 0
        self.expire_before = set()  # numbers of API calls (1-based) answered 40101
        self.faults = {}  # API call number → (status, body, headers)
        self.calls = 0
        self.queries = []

    def install(self, rsps):
        rsps.add_callback("POST", BASE + "/api/v3/auth/token", callback=self.login)
        rsps.add_callback("GET", BASE + "/api/v3/instruments", callback=lambda r: self.page(r, self.rows))
        rsps.add_callback("GET", BASE + "/api/v3/service-records", callback=lambda r: self.page(r, self.services))
        return self

    def answer(self, doc, status=200):
        return (
            status,
            {"Content-Type": f"application/json; charset={self.charset}"},
            json.dumps(doc, ensure_ascii=False).encode(self.charset),
        )

    def login(self, request):
        body = json.loads(request.body)
        if (body.get("appKey"), body.get("appSecret")) != ("hub", "hub-secret"):
            return self.answer({"code": 40100, "msg": "invalid appKey"})
        self.logins += 1
        self.token = f"token-{self.logins}"
        return self.answer({"code": 0, "msg": "ok", "data": {"token": self.token, "expiresIn": 7200}})

    def page(self, request, rows):
        self.calls += 1
        if self.calls in self.faults:
            return self.faults[self.calls]
        if self.calls in self.expire_before:
            self.token = None
        if request.headers.get("X-Auth-Token") != self.token or self.token is None:
            return self.answer({"code": 40101, "msg": "token expired"})
        q = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        self.queries.append(q)
        if "updatedSince" in q:
            rows = [r for r in rows if r.get("updateTime", 0) > int(q["updatedSince"])]
        size = min(int(q["pageSize"]), self.page_cap)
        start = (int(q["pageNo"]) - 1) * size
        total = len(rows) if self.total is None else self.total
        return self.answer(
            {
                "code": 0,
                "msg": "ok",
                "data": {"total": total, "pageNo": int(q["pageNo"]), "pageSize": size, "list": rows[start : start + size]},
            }
        )


class TestHbkxConformance(ConnectorConformance):
    family = "hbkx-json"

    def connector(self, make_http, **options):
        options = {"page_size": 20, "max_requests_per_second": 100, **options}
        return self.build(make_http, "420000", BASE, CREDS, **options)

    def serve_full(self, rsps, ids):
        return FakeHbkx([row(i) for i in ids]).install(rsps)

    def serve_changes(self, rsps, changed, deleted):
        old = [row(i, updateTime=1000) for i in IDS if i not in changed and i not in deleted]
        new = [row(i, updateTime=1380585600001) for i in changed] + [row(i, updateTime=1380585600002, deleted=True) for i in deleted]
        return FakeHbkx(old + new).install(rsps)

    def serve_broken(self, rsps, ids):
        fake = FakeHbkx([row(i) for i in ids]).install(rsps)
        fake.faults = {n: (500, {"Content-Type": "text/html"}, "<html>Internal Server Error</html>") for n in range(2, 20)}
        return 20

    def serve_odd_bytes(self, rsps, ids):
        return FakeHbkx([row(i) for i in ids], charset="gbk").install(rsps)

    def serve_stats(self, rsps, year, hours):
        events = [{"id": n, "instrumentId": i, "hours": h, "external": False} for n, (i, h) in enumerate(hours.items())]
        return FakeHbkx(services=events).install(rsps)

    def hours_of(self, row):
        return row.payload["hours"]

    def name_of(self, record):
        return record.payload["instrumentName"]


@pytest.fixture
def hbkx(make_http):
    def make(**options):
        return TestHbkxConformance().connector(make_http, **options)

    return make


def test_doc_example_row_is_the_payload_as_sent(rsps, hbkx):
    FakeHbkx([DOC_ROW]).install(rsps)
    [record] = hbkx().list_records(None)
    assert (record.source_id, record.deleted, record.source_updated, record.problem) == ("1042", False, "1378952521000", None)
    assert record.payload == DOC_ROW


def test_doc_example_service_record_summed(rsps, hbkx):
    FakeHbkx(services=[DOC_SERVICE]).install(rsps)
    [stats] = hbkx().service_stats(2012)
    assert (stats.source_id, stats.year) == ("1042", 2012)
    assert stats.payload == {
        "instrumentId": "1042",
        "serviceCount": 1,
        "hours": 3.5,
        "externalHours": 3.5,
        "externalServices": 1,
        "enterpriseServices": 1,
        "samples": 12,
        "externalSamples": 12,
        "fee": 2100,
        "satisfaction": 5,
        "ratedServices": 1,
    }
    assert set(stats.payload) == set(SERVICE_KEYS)


def test_service_events_are_summed_per_instrument(rsps, hbkx):
    events = [
        {**DOC_SERVICE, "id": 1},
        {**DOC_SERVICE, "id": 2, "userType": "高校", "hours": "1.25", "samples": "3", "fee": "100.10", "satisfaction": None},
        {**DOC_SERVICE, "id": 3, "external": False, "userType": "企业", "hours": 2, "samples": 1, "fee": 0, "satisfaction": 2},
        {**DOC_SERVICE, "id": 4, "instrumentId": "2001", "external": "false", "hours": 0.1, "satisfaction": None},
        {**DOC_SERVICE, "id": 5, "instrumentId": 2001.0, "external": "true", "hours": 0.2, "satisfaction": None},
    ]
    FakeHbkx(services=events).install(rsps)
    rows = {r.source_id: r.payload for r in hbkx().service_stats(2012)}
    assert rows["1042"] == {
        "instrumentId": "1042",
        "serviceCount": 3,
        "hours": 6.75,
        "externalHours": 4.75,
        "externalServices": 2,
        "enterpriseServices": 1,
        "samples": 16,
        "externalSamples": 15,
        "fee": 2200.1,
        "satisfaction": 3.5,
        "ratedServices": 2,
    }
    assert rows["2001"]["hours"] == 0.3 and rows["2001"]["externalServices"] == 1 and rows["2001"]["satisfaction"] is None


def test_unreadable_event_fields_and_rows_without_instrument_are_reported(rsps, hbkx):
    events = [{**DOC_SERVICE, "id": 1, "hours": "三小时"}, {**DOC_SERVICE, "id": 2, "instrumentId": None}]
    FakeHbkx(services=events).install(rsps)
    connector = hbkx()
    [stats] = connector.service_stats(2012)
    assert stats.payload["hours"] == 0 and stats.payload["serviceCount"] == 1
    assert connector.skipped == [
        "service records 2012 page 1 row 1 (id 1): unreadable hours; counted as absent",
        "service records 2012 page 1 row 2: no instrumentId; dropped",
    ]


def test_paging_stops_when_pageno_times_pagesize_reaches_total(rsps, hbkx):
    fake = FakeHbkx([row(i) for i in IDS]).install(rsps)
    assert len(list(hbkx(page_size=15).list_records(None))) == 45
    assert [q["pageNo"] for q in fake.queries] == ["1", "2", "3"]
    assert {q["pageSize"] for q in fake.queries} == {"15"}


def test_server_capping_the_page_size_is_followed(rsps, hbkx):
    fake = FakeHbkx([row(i) for i in IDS], page_cap=10).install(rsps)
    assert [r.source_id for r in hbkx(page_size=200).list_records(None)] == IDS
    assert len(fake.queries) == 5


def test_listing_short_of_total_is_incomplete(rsps, hbkx):
    FakeHbkx([row(i) for i in IDS], total=50).install(rsps)
    got = []
    with pytest.raises(ConnectorError) as exc:
        got.extend(r.source_id for r in hbkx().list_records(None))
    assert exc.value.kind == "incomplete" and "total=50" in str(exc.value)


def test_updated_since_is_epoch_milliseconds(rsps, hbkx):
    fake = FakeHbkx([row(i) for i in IDS[:2]]).install(rsps)
    list(hbkx().list_records(datetime(2013, 10, 1, tzinfo=timezone.utc)))
    assert fake.queries[0]["updatedSince"] == "1380585600000"
    assert epoch_ms(datetime(2013, 10, 1)) == 1380585600000  # naive is UTC


def test_not_incremental_network_lists_everything(rsps, hbkx):
    fake = FakeHbkx([row(i) for i in IDS[:2]]).install(rsps)
    list(hbkx(incremental=False).list_records(datetime(2013, 10, 1, tzinfo=timezone.utc)))
    assert "updatedSince" not in fake.queries[0]


def test_wrong_key_is_an_auth_failure(rsps, make_http):
    FakeHbkx([row("A")]).install(rsps)
    connector = TestHbkxConformance().build(make_http, "420000", BASE, {"app_key": "x", "app_secret": "y"}, max_requests_per_second=100)
    with pytest.raises(ConnectorError) as exc:
        list(connector.list_records(None))
    assert exc.value.kind == "auth" and "40100" in str(exc.value) and "'x'" in str(exc.value)
    assert len(rsps.calls) == 1


def test_token_expired_mid_run_logs_in_again_and_retries_the_page(rsps, hbkx):
    fake = FakeHbkx([row(i) for i in IDS]).install(rsps)
    fake.expire_before = {2}
    connector = hbkx()
    assert [r.source_id for r in connector.list_records(None)] == IDS
    assert fake.logins == 2 and connector.logins == 2
    assert [q["pageNo"] for q in fake.queries] == ["1", "2", "3"]


def test_token_expired_again_after_renewal_fails(rsps, hbkx):
    fake = FakeHbkx([row(i) for i in IDS]).install(rsps)
    fake.expire_before = {2, 3}
    got = []
    with pytest.raises(ConnectorError) as exc:
        got.extend(hbkx().list_records(None))
    assert exc.value.kind == "auth" and "again" in str(exc.value)
    assert len(got) == 20


def test_token_is_renewed_before_it_expires(rsps, hbkx):
    fake = FakeHbkx([row(i) for i in IDS]).install(rsps)
    connector = hbkx()
    now = [0.0]
    connector.clock = lambda: now[0]
    stream = connector.list_records(None)
    for _ in range(20):
        next(stream)
    now[0] = 7200 - 29  # within the renewal margin of a 7200 s token
    rest = list(stream)
    assert len(rest) == 25 and fake.logins == 2 and fake.calls == 3  # no 40101 was needed


@pytest.mark.parametrize(
    "fault, kind",
    [
        pytest.param(
            (200, {"Content-Type": "application/json"}, json.dumps({"code": 50001, "msg": "db down"})), "api_error", id="non-zero code"
        ),
        pytest.param((200, {"Content-Type": "text/html"}, "<html>网关错误</html>"), "malformed", id="HTML with 200"),
        pytest.param((200, {"Content-Type": "application/json"}, json.dumps({"code": 0, "msg": "ok"})), "malformed", id="no data"),
    ],
)
def test_bad_pages_fail_the_listing_after_the_good_ones(rsps, hbkx, fault, kind):
    fake = FakeHbkx([row(i) for i in IDS]).install(rsps)
    fake.faults = {2: fault}
    got = []
    with pytest.raises(ConnectorError) as exc:
        got.extend(hbkx().list_records(None))
    assert exc.value.kind == kind and "instruments page 2" in str(exc.value)
    assert len(got) == 20


@pytest.mark.parametrize(
    "status, headers, waits",
    [
        pytest.param(429, {"Retry-After": "1"}, [1.0], id="429 Retry-After"),
        pytest.param(500, {"Content-Type": "text/html"}, [0.5], id="500 HTML page, back-off"),
    ],
)
def test_transient_faults_are_retried_and_counted(rsps, hbkx, sleeps, status, headers, waits):
    fake = FakeHbkx([row(i) for i in IDS]).install(rsps)
    fake.faults = {2: (status, headers, "<html>busy</html>")}
    connector = hbkx()
    assert len(list(connector.list_records(None))) == 45
    assert sleeps == waits
    assert connector.http.telemetry.summary()["failures"] == {f"http_{status}": 1}


def test_a_row_without_id_is_yielded_with_a_problem(rsps, hbkx):
    FakeHbkx([row("A"), {"instrumentName": "无编号"}, "junk", row("C")]).install(rsps)
    records = list(hbkx().list_records(None))
    assert [(r.source_id, r.problem) for r in records] == [
        ("A", None),
        ("(page 1 row 2)", "instrument row (page 1 row 2) has no id"),
        ("(page 1 row 3)", "instrument row (page 1 row 3) is not a JSON object"),
        ("C", None),
    ]


def test_numeric_strings_are_kept_as_sent_and_ids_are_stable(rsps, hbkx):
    FakeHbkx([row("1042", originalValue="3250000.00"), row(1043.0), row(1044, deleted="true")]).install(rsps)
    records = list(hbkx().list_records(None))
    assert [r.source_id for r in records] == ["1042", "1043", "1044"]
    assert records[0].payload["originalValue"] == "3250000.00"
    assert [r.deleted for r in records] == [False, False, True]


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(3250000.0, 3250000.0, id="float"),
        pytest.param("3250000.00", 3250000.0, id="numeric string"),
        pytest.param("1,200", 1200, id="thousands comma"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="null"),
    ],
)
def test_number(value, expected):
    assert number(value) == expected


@pytest.mark.parametrize("value", ["三", "nan", True, [1]])
def test_number_refuses(value):
    with pytest.raises(ValueError):
        number(value)


@pytest.mark.parametrize("value, expected", [(1042, "1042"), (1042.0, "1042"), (" 1042 ", "1042"), ("", None), (None, None), (True, None)])
def test_id_text(value, expected):
    assert id_text(value) == expected


def test_rate_limiter_keeps_any_second_under_the_limit():
    now = [0.0]
    starts = []
    limiter = RateLimiter(8, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    for _ in range(40):
        limiter.wait()
        starts.append(now[0])
    assert max(sum(1 for t in starts if s <= t < s + 1) for s in starts) <= 8
    assert starts[-1] == pytest.approx(39 / 8)


def test_connector_paces_its_requests(rsps, make_http):
    FakeHbkx([row(i) for i in IDS]).install(rsps)
    connector = TestHbkxConformance().build(make_http, "420000", BASE, CREDS, page_size=10, max_requests_per_second=5)
    now, waits = [0.0], []

    def sleep(s):
        waits.append(s)
        now[0] += s

    connector.limiter.clock, connector.limiter.sleep = (lambda: now[0]), sleep
    list(connector.list_records(None))
    assert len(rsps.calls) == 6  # login + 5 pages
    assert sum(waits) == pytest.approx(5 / 5)


@pytest.mark.parametrize(
    "options, key",
    [
        pytest.param({"page_size": 500}, "page_size", id="page over 200"),
        pytest.param({"max_requests_per_second": 0}, "max_requests_per_second", id="zero rate"),
    ],
)
def test_bad_options_are_refused(make_http, options, key):
    with pytest.raises(ConfigError, match=key):
        TestHbkxConformance().build(make_http, "420000", BASE, CREDS, **options)


def test_defaults(make_http):
    connector = TestHbkxConformance().build(make_http, "420000", BASE, CREDS)
    assert connector.options == {"page_size": 200, "max_requests_per_second": 8.0, "incremental": True}


def test_service_totals_are_pure():
    totals = ServiceTotals()
    assert totals.add({"hours": 1, "external": True, "userType": "企业"}) == []
    assert totals.payload()["enterpriseServices"] == 1


def test_a_listing_whose_total_changes_between_pages_is_incomplete(rsps, hbkx):
    # Records deleted upstream while the hub reads page 1: page 2 of the shorter listing skips rows
    # that are still listed, and the rows read still add up to the new total. Trusting it withdrew
    # instruments that were never gone (reproduced on the simulator: 17 of 30).
    class Shrinking(FakeHbkx):
        def page(self, request, rows):
            answer = super().page(request, rows)
            if self.calls == 1:
                del rows[:5]
            return answer

    Shrinking([row(i) for i in IDS]).install(rsps)
    got = []
    with pytest.raises(ConnectorError) as exc:
        got.extend(r.source_id for r in hbkx(page_size=20).list_records(None))
    assert exc.value.kind == "incomplete"
    assert "page 2" in str(exc.value) and f"total={len(IDS)}" in str(exc.value) and f"total={len(IDS) - 5}" in str(exc.value)
    assert got == IDS[:20]
