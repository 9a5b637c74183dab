"""Liveness, readiness and the Prometheus endpoint, read as a probe and a scraper would."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.auth.tokens import create_token
from hub.config import Registry
from hub.feed import samples
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from hub.web import create_app


def _samples(client) -> dict[tuple, float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    out = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.fixture
def client(store):
    registry = Registry.load()
    sync_networks(store, registry)
    return create_app({"STORE": store, "TESTING": True, "REGISTRY": registry, "FEED_WORKER": False}).test_client()


def test_a_live_process_answers_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_a_probe_sent_the_wrong_method_is_answered_in_a_line_of_text(client, path):
    """A scraper or an orchestrator's probe reads text: it got the site's HTML error page."""
    r = client.post(path)
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert r.content_type.startswith("text/plain") and r.get_data(as_text=True).startswith("405 Method Not Allowed")


def test_ready_only_when_the_schema_is_at_the_latest_migration(client, tmp_path):
    assert client.get("/readyz").get_json()["status"] == "ready"
    old = Store(f"sqlite:///{tmp_path}/old.sqlite")
    upgrade(old, "0001")
    r = create_app({"STORE": old, "TESTING": True}).test_client().get("/readyz")
    assert r.status_code == 503 and "hub init" in r.get_json()["reason"]
    old.dispose()


def test_metrics_count_pushed_records_and_search_requests(client, store):
    token = create_token(store, "publisher", "440000")[1]
    r = client.post(
        "/api/v1/networks/440000/batches?mode=upsert",
        data=samples.guangdong_csv(7),
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"},
    )
    assert r.status_code in (200, 201), r.get_data(as_text=True)[:300]
    for _ in range(3):
        assert client.get("/api/v1/instruments?q=色谱").status_code == 200

    assert client.get("/metrics").headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"  # charset once
    m = _samples(client)
    kind = (("kind", "push"),)
    assert m[("hub_job_records_total", (("kind", "push"), ("outcome", "created")))] == 7
    assert sum(v for (name, labels), v in m.items() if name == "hub_jobs_total" and labels[0] == kind[0]) == 1
    assert m[("hub_instruments_active", (("network", "440000"),))] == 7
    searches = [
        (labels, v)
        for (name, labels), v in m.items()
        if name == "hub_http_request_duration_seconds_count" and "instrument" in dict(labels)["endpoint"]
    ]
    assert searches and sum(v for _, v in searches) >= 3, sorted(k for k in m if k[0].startswith("hub_http"))


def test_metrics_show_job_latencies_and_the_queue(client, store):
    """A large batch goes through the job queue: its wait shows in `hub_queue_jobs` on PostgreSQL (the
    queue of SQLite lives in memory), its run in `hub_job_duration_seconds`."""
    client.application.config.update(FEED_LIMITS={"async_records": 2})
    token = create_token(store, "publisher", "440000")[1]
    r = client.post(
        "/api/v1/networks/440000/batches?mode=upsert",
        data=samples.guangdong_csv(5),
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 202
    with client.application.app_context():
        from hub.web.feed import worker

        jobs = worker()
    if jobs.runs_elsewhere:
        assert _samples(client)[("hub_queue_jobs", (("status", "todo"), ("task", "hub.apply_batch")))] == 1
    assert jobs.run_pending() >= 1
    m = _samples(client)
    assert m[("hub_job_duration_seconds_count", (("kind", "push"),))] == 1
    assert m[("hub_job_duration_seconds_bucket", (("kind", "push"), ("le", "+Inf")))] == 1
    if jobs.runs_elsewhere:
        assert m[("hub_queue_jobs", (("status", "succeeded"), ("task", "hub.apply_batch")))] == 1


def test_ready_answers_503_within_its_deadline_when_the_store_hangs(client, monkeypatch):
    """A store that stops answering (a hung server, a partition that drops packets): /readyz says so
    within its deadline, and probes that follow wait on the same check instead of each holding a
    thread of their own."""
    import threading
    import time

    from hub.store import migrate
    from hub.web import health

    release, calls = threading.Event(), []

    def hanging(store):
        calls.append(1)
        release.wait(30)
        return "0001"

    monkeypatch.setattr(migrate, "current", hanging)
    monkeypatch.setattr(health, "READY_DEADLINE_S", 0.5)
    try:
        for _ in range(3):
            started = time.perf_counter()
            r = client.get("/readyz")
            assert r.status_code == 503 and "did not answer within 0.5 s" in r.get_json()["reason"]
            assert time.perf_counter() - started < 2
        assert len(calls) == 1
    finally:
        release.set()
    monkeypatch.undo()
    for _ in range(50):  # the hung check ended: the next probe checks afresh
        if client.get("/readyz").status_code == 200:
            break
        time.sleep(0.1)
    assert client.get("/readyz").get_json()["status"] == "ready"


def test_a_database_that_never_answers_fails_a_connection_in_seconds(monkeypatch):
    """A server that accepts the connection and says nothing: the process is told within the
    connect timeout, instead of waiting on the socket for as long as the operating system lets it."""
    import socket
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from hub.store import db

    monkeypatch.setattr(db, "CONNECT_TIMEOUT_S", 2)  # libpq's least
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        store = Store(f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/hub")
        started = time.perf_counter()
        with pytest.raises(OperationalError, match="timeout"):
            with store.read() as conn:
                conn.execute(text("select 1"))
        assert time.perf_counter() - started < 8
        store.dispose()
    finally:
        silent.close()


def test_the_jobs_counter_never_goes_down_and_running_jobs_are_a_gauge(client, store):
    """Prometheus reads a counter that falls as a reset (rate() then invents work): a job counted
    `running` and later `succeeded` made `hub_jobs_total{state="running"}` fall."""
    from hub.harvest.jobs import finish_job, start_job

    job = start_job(store, "370000", "full")
    during = _samples(client)
    assert during[("hub_jobs_running", (("kind", "full"),))] == 1
    assert not any(name == "hub_jobs_total" and dict(labels).get("state") == "running" for name, labels in during)
    finish_job(store, job, "succeeded")
    after = _samples(client)
    assert after[("hub_jobs_total", (("kind", "full"), ("state", "succeeded")))] == 1
    assert after.get(("hub_jobs_running", (("kind", "full"),)), 0) == 0
    for key, value in during.items():
        if key[0] == "hub_jobs_total":
            assert after[key] >= value


def test_job_durations_are_counted_in_the_database_into_the_right_buckets(client, store):
    """Three finished pushes of 0.2 s, 3 s and 100 s (and one whose hosts' clocks disagree): the
    histogram a scrape shows, counted by the database on either backend."""
    from datetime import timedelta

    from sqlalchemy import update

    from hub.harvest.jobs import JOBS, finish_job, now, start_job

    t = now()
    for seconds in (0.2, 3, 100, -5):
        job = start_job(store, "440000", "push")
        finish_job(store, job, "succeeded")
        with store.write() as conn:
            conn.execute(update(JOBS).where(JOBS.c.id == job.id).values(started_at=t, finished_at=t + timedelta(seconds=seconds)))
    m = _samples(client)
    bucket = lambda le: m[("hub_job_duration_seconds_bucket", (("kind", "push"), ("le", le)))]  # noqa: E731
    assert (bucket("0.5"), bucket("2.5"), bucket("5.0"), bucket("60.0"), bucket("300.0"), bucket("+Inf")) == (2, 2, 3, 3, 4, 4)
    assert m[("hub_job_duration_seconds_count", (("kind", "push"),))] == 4
    assert abs(m[("hub_job_duration_seconds_sum", (("kind", "push"),))] - 103.2) < 0.01
    assert abs(m[("hub_job_seconds_total", (("kind", "push"),))] - 103.2) < 0.01


def test_a_schema_newer_than_the_code_asks_for_the_new_release_not_hub_init(tmp_path):
    """A rolling upgrade: another host migrated the store; this host's older code is not ready, and
    telling its operator to run `hub init` (which it just did) would send them the wrong way."""
    from sqlalchemy import text

    newer = Store(f"sqlite:///{tmp_path}/newer.sqlite")
    upgrade(newer)
    with newer.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9001'"))
    r = create_app({"STORE": newer, "TESTING": True}).test_client().get("/readyz")
    assert r.status_code == 503 and "newer than this code" in r.get_json()["reason"] and "hub init" not in r.get_json()["reason"]
    newer.dispose()


def test_a_web_process_whose_database_is_down_still_says_so_to_its_scraper():
    """The database stops answering (here: nothing listens where the URL points, as when the
    server is down). /readyz says not ready; /metrics still answers with this process's own figures
    — the searches it failed — and `hub_store_up 0`, instead of failing the scrape, which hid
    exactly those figures for the whole outage and looked like the web process itself was down."""
    from tests.conftest import free_port

    down = Store(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hub")
    client = create_app({"STORE": down, "TESTING": True, "FEED_WORKER": False, "PROPAGATE_UNEXPECTED": False}).test_client()
    assert client.get("/readyz").status_code == 503
    assert client.get("/api/v1/instruments?q=色谱").status_code >= 500
    m = _samples(client)
    assert m[("hub_store_up", ())] == 0
    assert m[("hub_http_requests_total", (("endpoint", "instruments.list_instruments"), ("status", "5xx")))] == 1
    assert not any(name.startswith("hub_jobs") for name, _ in m)
    down.dispose()


def test_the_store_answering_a_scrape_is_a_metric(client):
    assert _samples(client)[("hub_store_up", ())] == 1


def test_a_visitor_is_told_the_database_is_down_for_now_not_that_the_hub_failed():
    """During the outage every search and page is a 503 with Retry-After (load balancers, API
    clients and crawlers come back), not a 500 "the server failed", logged as a traceback per request."""
    from tests.conftest import free_port

    down = Store(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hub")
    client = create_app({"STORE": down, "TESTING": True, "FEED_WORKER": False, "PROPAGATE_UNEXPECTED": False}).test_client()
    api = client.get("/api/v1/instruments?q=色谱")
    assert (api.status_code, api.mimetype, api.headers.get("Retry-After")) == (503, "application/problem+json", "30")
    assert "database" in api.get_json()["detail"]
    page = client.get("/")
    assert (page.status_code, page.headers.get("Retry-After")) == (503, "30")
    assert "目录暂时无法访问" in page.get_data(as_text=True)
    down.dispose()
