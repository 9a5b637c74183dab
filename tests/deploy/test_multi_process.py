"""Two web processes, two `hub worker`s and two `hub scheduler`s against one fresh PostgreSQL database,
under mixed load: pushes through the feed endpoint, harvests asked for by hand, searches. One worker
is killed (SIGKILL) in the middle of a job. At the end nothing is lost (every pushed record counted
once, the killed job done again by the other worker), nothing duplicated (no two harvests of one
network overlapped) and nothing left running (no queue job waiting or running, no hub job running).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, select, text

from hub.auth.tokens import create_token
from hub.clock import as_utc
from hub.feed import samples
from hub.feed.batches import BATCHES
from hub.harvest.jobs import JOBS
from hub.store.db import Store
from tests.conftest import PG_URL, POSTGRES, free_port, hub_home, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the job queue of several machines lives there); none answered"),
]

NETWORKS_YAML = """
networks:
  - code: "420000"
    name: 湖北省大型科学仪器协作共用平台
    province: 湖北省
    family: hbkx-json
    base_url: ${HUB_SIMULATOR_URL}/420000
    mapping: 420000.yaml
    credentials: {app_key: hub, app_secret: hub-secret}
    options: {page_size: 20}
    schedule: {interval_minutes: 60}
  - code: "440000"
    name: 广东省大型科学仪器设备共享平台
    province: 广东省
    family: push
    mapping: 440000.yaml
"""

# Beats and sweeps fast enough that a killed worker's job is retried within seconds.
SETTINGS_YAML = """
batch_size: 20
http: {backoff: 0.01, max_retries: 1, read_timeout: 10}
operations: {poll_seconds: 0.5, probe_interval_seconds: 3600, lease_ttl_seconds: 60,
             worker_heartbeat_seconds: 0.5, worker_stalled_seconds: 3, worker_sweep_seconds: 1}
"""

# A web process as conf/deploy runs one: gunicorn, two workers, their /metrics summed through one
# directory; batches of more than 30 records go to the queue.
WEB_APP = "hub.web:create_app({'FEED_LIMITS': {'async_records': 30}})"
HARVESTS = ("full", "incremental")
PUSHES, RECORDS = 8, 60  # batches of 60 distinct records each, all queued for the workers


@pytest.fixture
def database():
    """A fresh database, dropped afterwards."""
    name = f"hub_deploy_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def home(tmp_path, sim):
    return hub_home(tmp_path / "home", NETWORKS_YAML, SETTINGS_YAML)


class Deployment:
    def __init__(self, home, url, sim, logs):
        self.env = dict(
            os.environ,
            HUB_HOME=str(home),
            HUB_DATABASE_URL=url,
            HUB_SIMULATOR_URL=sim.url,
            HUB_SECRET_KEY="deploy-test-" + uuid.uuid4().hex,
        )
        self.logs = logs
        self.procs: dict[str, subprocess.Popen] = {}

    def hub(self, *args) -> list[str]:
        return [sys.executable, "-c", "from hub.cli import main; main()", *args]

    def start(self, name: str, argv: list[str], **env) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(argv, env={**self.env, **env}, stdout=log, stderr=log)
        return self.procs[name]

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def log_tail(self) -> str:
        return "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-1500:]}" for f in sorted(self.logs.glob("*.log")))


def test_two_of_each_process_share_one_database(home, database, sim, tmp_path):
    deploy = Deployment(home, database, sim, tmp_path)
    subprocess.run(deploy.hub("init"), env=deploy.env, check=True, capture_output=True, timeout=120)
    store = Store(database)
    admin = create_token(store, "admin")[1]
    publisher = create_token(store, "publisher", "440000")[1]
    ports = [free_port(), free_port()]
    try:
        for i, port in enumerate(ports):
            metrics = tmp_path / f"metrics-web{i}"
            metrics.mkdir()
            gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "2", "-b", f"127.0.0.1:{port}", WEB_APP]
            deploy.start(f"web{i}", gunicorn, PROMETHEUS_MULTIPROC_DIR=str(metrics))
        workers = [deploy.start(f"worker{i}", deploy.hub("worker")) for i in range(2)]
        for i in range(2):
            deploy.start(f"scheduler{i}", deploy.hub("scheduler", "--network", "420000"))
        bases = [f"http://127.0.0.1:{p}" for p in ports]

        def up(base):
            assert all(p.poll() is None for p in deploy.procs.values()), "a process of the deployment ended"
            try:
                return requests.get(f"{base}/healthz", timeout=2).ok
            except (requests.ConnectionError, requests.Timeout):  # gunicorn listens before its workers load the app
                return False

        for base in bases:
            wait_until(lambda: up(base), timeout=60, what=f"{base} to answer")

        # Mixed load, alternating between the two web processes.
        batch_ids = []
        for i in range(PUSHES):
            r = requests.post(
                f"{bases[i % 2]}/api/v1/networks/440000/batches?mode=upsert",
                data=samples.guangdong_csv(RECORDS, start=i * RECORDS),
                headers={"Authorization": f"Bearer {publisher}", "Content-Type": "text/csv"},
                timeout=30,
            )
            assert r.status_code == 202, r.text
            batch_ids.append(r.json()["id"])
            if i % 4 == 0:
                r = requests.post(
                    f"{bases[(i + 1) % 2]}/api/v1/admin/networks/420000/harvest",
                    json={"full": i == 0},
                    headers={"Authorization": f"Bearer {admin}"},
                    timeout=30,
                )
                assert r.status_code == 202, r.text
            assert requests.get(f"{bases[i % 2]}/api/v1/instruments?q=光谱", timeout=30).status_code == 200

        # Kill a worker in the middle of a harvest (seconds long, where a batch takes a fraction of
        # one): the hub job it runs names its process.
        pids = {w.pid: w for w in workers}

        def running_in_a_worker():
            with store.read() as conn:
                rows = conn.execute(
                    select(JOBS.c.id, JOBS.c.pid, JOBS.c.kind).where(JOBS.c.state == "running", JOBS.c.kind.in_(HARVESTS))
                ).all()
            return next((r for r in rows if r.pid in pids), None)

        # One more full harvest asked for now: under a loaded CI machine the pushes above took long
        # enough for every harvest they asked for to end before this looked (a red run, 2026-12-07).
        harvest = f"{bases[0]}/api/v1/admin/networks/420000/harvest"
        r = requests.post(harvest, json={"full": True}, headers={"Authorization": f"Bearer {admin}"}, timeout=30)
        assert r.status_code == 202, r.text
        victim = wait_until(running_in_a_worker, timeout=60, what="a job running in a worker")
        pids[victim.pid].send_signal(signal.SIGKILL)
        pids[victim.pid].wait(10)

        def settled():
            with store.read() as conn:
                waiting = conn.execute(
                    text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') AND task_name <> 'hub.sweep'")
                ).scalar()
                running = conn.execute(select(JOBS.c.id).where(JOBS.c.state == "running")).all()
                batches = conn.execute(select(BATCHES.c.state).where(BATCHES.c.id.in_(batch_ids))).scalars().all()
                requested = conn.execute(text("SELECT count(*) FROM network_schedules WHERE requested_at IS NOT NULL")).scalar()
            return waiting == 0 and not running and requested == 0 and all(s == "done" for s in batches)

        wait_until(settled, timeout=75, what="every job done, none running, every batch applied", interval=0.3)

        with store.read() as conn:
            killed = conn.execute(select(JOBS).where(JOBS.c.id == victim.id)).one()
            jobs = conn.execute(select(JOBS).order_by(JOBS.c.started_at)).all()
            # The dead worker's queue job was found by a live worker's sweep: retried, or ended because
            # the same job (a harvest asked for again) already waited.
            taken_up = conn.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE attempts > 1 OR status = 'failed'")).scalar()
            active = conn.execute(text("SELECT count(*) FROM instruments WHERE network = '440000' AND withdrawn_at IS NULL")).scalar()
        assert killed.state == "crashed", f"the killed job {victim.id} ended {killed.state}"
        assert taken_up >= 1, "the killed worker's queue job was never taken up again"
        # The killed job's work was done again to the end.
        again = [j for j in jobs if j.network == killed.network and j.kind in HARVESTS and j.started_at > killed.started_at]
        assert any(j.state == "succeeded" for j in again), f"no harvest of {killed.network} succeeded after the kill"

        # Every pushed record counted exactly once: each batch report adds up, all records are there.
        for batch_id in batch_ids:
            report = requests.get(
                f"{bases[0]}/api/v1/networks/440000/batches/{batch_id}", headers={"Authorization": f"Bearer {publisher}"}, timeout=30
            ).json()
            c = report["counts"]
            assert c["fetched"] == RECORDS, report
            assert (
                c["created"] + c["updated"] + c["unchanged"] + c["rejected"] + c["repeated"] + c["deleted"] + c["not_found"] == RECORDS
            ), report
        assert active == PUSHES * RECORDS

        # No two harvests of one network overlapped (a crashed run ends at its last heartbeat).
        harvests = [j for j in jobs if j.network == "420000" and j.kind in HARVESTS]
        assert len(harvests) >= 2, "fewer harvests than asked for"
        spans = sorted((as_utc(j.started_at), as_utc(j.heartbeat_at if j.state == "crashed" else j.finished_at), j.id) for j in harvests)
        for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
            assert start >= end, f"harvest jobs {first} and {second} of 420000 ran at the same time"
        assert all(j.state in ("succeeded", "crashed") for j in harvests), [(j.id, j.state, j.message) for j in harvests]

        # Each web process's /metrics sums its gunicorn workers: every search it was sent is counted
        # once, whichever worker answered it.
        for i, base in enumerate(bases):
            scraped = text_string_to_metric_families(requests.get(f"{base}/metrics", timeout=30).text)
            searches = sum(
                s.value
                for family in scraped
                for s in family.samples
                if s.name == "hub_http_requests_total" and s.labels == {"endpoint": "instruments.list_instruments", "status": "2xx"}
            )
            assert searches == PUSHES // 2, f"web{i} counted {searches} searches"
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{deploy.log_tail()}") from None
    finally:
        deploy.stop_all()
        store.dispose()
