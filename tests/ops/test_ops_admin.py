"""The harvest dashboard: admin only (401/403/login), the overview and network pages with what an
operator checks, paged errors with raw excerpts, charts, "harvest now" queued for the scheduler,
held withdrawals confirmed and rejected."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from hub.auth.tokens import create_token
from hub.config import Registry
from hub.harvest.jobs import JOBS
from hub.ops.probes import ProbeResult, record
from hub.store.models import Instrument, NetworkSchedule, RecordErrorRow, WithdrawalHold
from hub.web import create_app
from tests.factories import make_instruments

I = Instrument.__table__
NOW = datetime.now(timezone.utc)


@pytest.fixture
def app(store):
    return create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(store):
    return create_token(store, "admin", label="ops")[1]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def filled(store):
    """A failed run with 120 skipped records, probes for 3 days (one bad hour), a held withdrawal."""
    ids = make_instruments(store, 10, network="130000")
    with store.write() as conn:
        job = conn.execute(
            insert(JOBS)
            .values(
                network="370000",
                kind="full",
                state="failed",
                started_at=NOW - timedelta(hours=1),
                finished_at=NOW - timedelta(minutes=50),
                fetched=4117,
                created=4000,
                updated=0,
                unchanged=0,
                withdrawn=0,
                rejected=120,
                listing_complete=False,
                message="network 370000: body broken off",
            )
            .returning(JOBS.c.id)
        ).scalar_one()
        conn.execute(
            insert(RecordErrorRow.__table__),
            [
                dict(
                    job_id=job,
                    network="370000",
                    source_id=f"SD{i:05d}",
                    field="YZ",
                    severity="error",
                    message=f"YZ: not a number: '{i}万'",
                    raw_excerpt=f"<Record><YQBH>SD{i:05d}</YQBH><YZ>{i}万</YZ></Record>",
                    created_at=NOW,
                )
                for i in range(120)
            ],
        )
        hold = conn.execute(
            insert(WithdrawalHold.__table__)
            .values(
                network="130000",
                job_id=None,
                created_at=NOW + timedelta(seconds=1),
                listed=2,
                active_before=10,
                instrument_ids=ids[:8],
                state="held",
            )
            .returning(WithdrawalHold.id)
        ).scalar_one()
    record(
        store,
        [
            ProbeResult(
                "420000",
                NOW - timedelta(hours=h),
                h not in (5, 6),
                None if h in (5, 6) else 40.0 + h,
                "ok" if h not in (5, 6) else "http_503",
            )
            for h in range(72)
        ],
    )
    return dict(job=job, hold=hold, ids=ids)


ADMIN_API = [
    ("get", "/api/v1/admin/networks"),
    ("get", "/api/v1/admin/networks/370000"),
    ("get", "/api/v1/admin/networks/370000/errors"),
    ("post", "/api/v1/admin/networks/370000/harvest"),
    ("get", "/api/v1/admin/alerts"),
]


def test_the_admin_api_needs_an_admin_token(client, store):
    publisher = create_token(store, "publisher", "110000")[1]
    for method, path in ADMIN_API:
        assert getattr(client, method)(path).status_code == 401, path
        r = getattr(client, method)(path, headers=bearer(publisher))
        assert r.status_code == 403 and "admin" in r.get_json()["detail"], path


def test_a_browser_signs_in_with_a_token_and_forms_need_the_csrf_field(client, store, admin, filled):
    r = client.get("/admin")
    assert r.status_code == 401 and 'action="/admin/login?next=/admin"' in r.get_data(as_text=True)  # the sign-in form, here
    assert client.post("/admin/login", data={"token": "hub_nope"}).status_code == 401
    evaluator = create_token(store, "evaluator")[1]
    assert client.post("/admin/login", data={"token": evaluator}).status_code == 401
    r = client.post("/admin/login?next=//evil.example/", data={"token": admin})
    assert r.status_code == 303 and r.headers["Location"] == "/admin"
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Strict" in r.headers["Set-Cookie"]
    page = client.get("/admin")
    assert page.status_code == 200
    # A form posted without the page's csrf field (as another site would) is refused.
    assert client.post(f"/admin/holds/{filled['hold']}/reject").status_code == 403
    csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', page.get_data(as_text=True)).group(1)
    assert client.post(f"/admin/holds/{filled['hold']}/reject", data={"csrf": csrf}).status_code == 303
    with store.read() as conn:
        assert conn.execute(select(WithdrawalHold.state)).scalar_one() == "rejected"


def test_the_overview_shows_last_run_next_run_health_and_held_withdrawals(client, store, admin, filled):
    with store.write() as conn:
        conn.execute(insert(NetworkSchedule.__table__).values(network="420000", trigger="every 360 min", next_run=NOW + timedelta(hours=3)))
    body = client.get("/api/v1/admin/networks", headers=bearer(admin)).get_json()
    rows = {n["code"]: n for n in body["networks"]}
    sd = rows["370000"]
    assert sd["last_run"]["state"] == "failed" and sd["last_run"]["counts"]["rejected"] == 120 and "broken off" in sd["last_run"]["message"]
    hb = rows["420000"]
    assert hb["next_run"].startswith((NOW + timedelta(hours=3)).strftime("%Y-%m-%dT%H")) and hb["schedule"] == "every 360 min"
    assert hb["probes_30d"] == 72 and hb["availability_30d"] == pytest.approx(70 / 72)
    assert rows["130000"]["held_withdrawals"] == 1
    assert rows["110000"]["pulled"] is False

    html = client.get("/admin?lang=en", headers=bearer(admin)).get_data(as_text=True)
    assert "Harvest dashboard" in html and "97.2 %" in html and 'data-hold="%d"' % filled["hold"] in html
    zh = client.get("/admin?lang=zh", headers=bearer(admin)).get_data(as_text=True)
    assert "采集监控" in zh and "待确认的撤下" in zh


def test_errors_come_with_raw_excerpts_a_page_at_a_time(client, admin, filled):
    first = client.get("/api/v1/admin/networks/370000/errors?per_page=50", headers=bearer(admin)).get_json()
    assert (first["total"], first["pages"], len(first["items"])) == (120, 3, 50)
    last = client.get("/api/v1/admin/networks/370000/errors?per_page=50&page=3", headers=bearer(admin)).get_json()
    assert len(last["items"]) == 20 and last["items"][-1]["source_id"] == "SD00000"
    assert last["items"][-1]["raw_excerpt"] == "<Record><YQBH>SD00000</YQBH><YZ>0万</YZ></Record>" and last["items"][-1]["field"] == "YZ"
    assert client.get("/api/v1/admin/networks/370000/errors?per_page=500", headers=bearer(admin)).status_code == 400
    assert client.get("/api/v1/admin/networks/999999/errors", headers=bearer(admin)).status_code == 404
    page = client.get("/admin/networks/370000?page=2&lang=en", headers=bearer(admin)).get_data(as_text=True)
    assert "Page 2 of 3" in page and "SD00069" in page and "&lt;YZ&gt;69万&lt;/YZ&gt;" in page  # escaped, not markup
    beyond = client.get("/admin/networks/370000?page=7&lang=en", headers=bearer(admin)).get_data(as_text=True)
    assert "Page 7 is past the last page, 3." in beyond and 'href="/admin/networks/370000?page=3"' in beyond
    assert "No skipped records." not in beyond, "a page past the end is not an empty list"


def test_thirty_day_charts_are_svg(client, admin, filled):
    for chart in ("availability", "latency"):
        r = client.get(f"/admin/networks/420000/{chart}.svg", headers=bearer(admin))
        assert r.status_code == 200 and r.mimetype == "image/svg+xml" and r.data.lstrip().startswith(b"<?xml")
    assert client.get("/admin/networks/420000/availability.svg").status_code == 401
    assert client.get("/admin/networks/420000/pie.svg", headers=bearer(admin)).status_code == 404


def test_a_network_without_probes_says_so_instead_of_two_empty_charts(client, admin, filled):
    """A pushed network is never probed: its page showed two empty frames and no word why."""
    probed = client.get("/admin/networks/420000?lang=en", headers=bearer(admin)).get_data(as_text=True)
    assert "/admin/networks/420000/availability.svg" in probed and 'id="no-probes"' not in probed
    pushed = client.get("/admin/networks/440000?lang=en", headers=bearer(admin)).get_data(as_text=True)
    assert "availability.svg" not in pushed and "a pushed network is not probed" in pushed


def test_harvest_now_is_queued_for_the_scheduler_never_run_in_the_request(client, store, admin):
    r = client.post("/api/v1/admin/networks/420000/harvest", json={"full": True}, headers=bearer(admin))
    assert r.status_code == 202 and r.get_json()["full"] is True
    with store.read() as conn:
        row = conn.execute(select(NetworkSchedule.__table__).where(NetworkSchedule.network == "420000")).one()
        assert row.requested_at is not None and row.requested_full is True and row.requested_by
        assert conn.execute(select(JOBS)).all() == [], "nothing harvested inside the request"
    assert client.post("/api/v1/admin/networks/110000/harvest", json={}, headers=bearer(admin)).status_code == 409
    assert client.post("/api/v1/admin/networks/420000/harvest", json={"full": "yes"}, headers=bearer(admin)).status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_full_harvest_asked_for_in_a_body_that_is_not_json_is_refused_not_queued_as_incremental(client, store, admin, content_type):
    """{"full": true} sent as text/plain (curl's -d without a header sends a form) was read as no body
    at all: 202, and an incremental harvest queued instead of the full listing asked for."""
    r = client.post("/api/v1/admin/networks/420000/harvest", data='{"full": true}', content_type=content_type, headers=bearer(admin))
    assert r.status_code == 415, r.get_json()
    assert "application/json" in r.get_json()["detail"]
    with store.read() as conn:
        assert conn.execute(select(NetworkSchedule.__table__.c.requested_at).where(NetworkSchedule.network == "420000")).scalar() is None
    # No body at all still asks for an incremental harvest, as documented.
    assert client.post("/api/v1/admin/networks/420000/harvest", headers=bearer(admin)).status_code == 202


def test_confirming_a_held_withdrawal_tombstones_the_instruments(client, store, admin, filled):
    client.post("/admin/login", data={"token": admin})
    page = client.get("/admin").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', page).group(1)
    assert client.post(f"/admin/holds/{filled['hold']}/confirm", data={"csrf": csrf}).status_code == 303
    with store.read() as conn:
        gone = conn.execute(select(I.c.id, I.c.withdrawn_reason).where(I.c.withdrawn_at.is_not(None))).all()
    assert sorted(g.id for g in gone) == sorted(filled["ids"][:8]) and all("confirmed by an admin" in g.withdrawn_reason for g in gone)
    again = client.post(f"/admin/holds/{filled['hold']}/confirm", data={"csrf": csrf})
    assert again.status_code == 409
    assert "No withdrawals held" in client.get("/admin?lang=en").get_data(as_text=True)


def test_the_alerts_filter_takes_every_kind_of_network_code(client, admin):
    # Ministries, academies, cities and foreign partners have codes like M00001 (hub/network_codes.py).
    for code in ("370000", "M00001", "A0CAS1"):
        r = client.get(f"/api/v1/admin/alerts?network={code}", headers=bearer(admin))
        assert r.status_code == 200, (code, r.get_json())
    r = client.get("/api/v1/admin/alerts?network=37000", headers=bearer(admin))
    assert r.status_code == 400 and "network code" in r.get_data(as_text=True)


def test_a_pushed_networks_last_run_is_its_last_push(client, store, admin):
    # The operator watches pushed networks too: "pushed network" in the last-run column said nothing
    # of whether the province's latest batch landed or failed.
    with store.write() as conn:
        conn.execute(
            insert(JOBS).values(
                network="110000",
                kind="push",
                state="failed",
                started_at=NOW - timedelta(hours=2),
                finished_at=NOW - timedelta(hours=2),
                fetched=30,
                created=0,
                updated=0,
                unchanged=0,
                withdrawn=0,
                rejected=30,
                message="every record rejected",
            )
        )
    rows = {n["code"]: n for n in client.get("/api/v1/admin/networks", headers=bearer(admin)).get_json()["networks"]}
    assert rows["110000"]["last_run"]["kind"] == "push" and rows["110000"]["last_run"]["state"] == "failed"
    assert rows["440000"]["last_run"] is None, "a pushed network that never pushed has no run"
    html = client.get("/admin?lang=en", headers=bearer(admin)).get_data(as_text=True)
    row = re.search(r"<tr[^>]*>\s*<td>(?:(?!</tr>).)*?110000(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "state-failed" in row and "push" in row, row


def test_a_later_service_fetch_does_not_hide_the_last_harvest(client, store, admin):
    """/admin's last run was most networks' service-statistics fetch ("成功 服务统计 … 0 0"), which
    hid the last harvest of instruments and its rejections (found re-checking the day's mends)."""

    def job(kind, hours_ago, rejected, year=None):
        at = NOW - timedelta(hours=hours_ago)
        counts = dict(fetched=10, created=10 - rejected, updated=0, unchanged=0, withdrawn=0, rejected=rejected)
        return dict(network="370000", kind=kind, state="succeeded", started_at=at, finished_at=at, year=year, **counts)

    with store.write() as conn:
        conn.execute(insert(JOBS).values(**job("full", 3, rejected=4)))
        conn.execute(insert(JOBS).values(**job("service", 1, rejected=0, year=2012)))
    rows = {n["code"]: n for n in client.get("/api/v1/admin/networks", headers=bearer(admin)).get_json()["networks"]}
    assert rows["370000"]["last_run"]["kind"] == "full" and rows["370000"]["last_run"]["counts"]["rejected"] == 4
