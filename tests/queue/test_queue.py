"""The job queue's interface on both databases: the implementation picked by the registry, queueing
locks, and lost work found again."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from hub.auth.tokens import create_token
from hub.feed import samples
from hub.feed.batches import BATCHES, MAX_ATTEMPTS
from hub.queue import QUEUES
from hub.queue.tasks import TASKS, Context, apply_batch
from hub.web import create_app
from tests.conftest import PG_URL, POSTGRES


def test_the_registry_picks_the_queue_of_the_database(store, jobs):
    assert type(jobs).__module__ + ":" + type(jobs).__name__ == QUEUES[store.dialect]
    assert jobs.runs_elsewhere is (store.dialect == "postgresql")


def test_every_task_names_its_locks_from_its_arguments():
    assert TASKS["harvest"].lock({"network": "420000"}) == "network:420000"
    assert TASKS["harvest"].queueing_lock({"network": "420000", "full": True}) != TASKS["harvest"].queueing_lock({"network": "420000"})
    assert TASKS["apply_batch"].lock({"network": "440000", "batch_id": "x"}) == "push:440000"


def test_a_harvest_waits_once_however_often_it_is_asked_for(jobs):
    assert jobs.defer("harvest", network="420000") is True
    assert jobs.defer("harvest", network="420000") is False  # the same job already waits
    assert jobs.defer("harvest", network="420000", full=True) is True  # a full listing is other work


def test_a_batch_left_queued_by_a_dead_process_is_applied(store, jobs):
    """The web process stored the batch and died before its job ran (or, on SQLite, with the job in
    its memory): the queue's recovery finds the batch and applies it."""
    batch_id = _queued_batch(store, 4)
    if jobs.runs_elsewhere:  # the web process deferred it: lose that job, as a crash before the defer would
        with store.write() as conn:
            conn.execute(text("DELETE FROM procrastinate_jobs"))
        assert jobs.lost_work() == [("apply_batch", {"batch_id": batch_id, "network": "440000"})]
        for name, kwargs in jobs.lost_work():
            jobs.defer(name, **kwargs)
    assert jobs.run_pending() >= 1
    with store.read() as conn:
        assert conn.execute(select(BATCHES.c.state).where(BATCHES.c.id == batch_id)).scalar() == "done"


def _queued_batch(store, records: int) -> str:
    token = create_token(store, "publisher", "440000")[1]
    app = create_app({"STORE": store, "TESTING": True, "FEED_WORKER": False, "FEED_LIMITS": {"async_records": 2}})
    r = app.test_client().post(
        "/api/v1/networks/440000/batches?mode=upsert",
        data=samples.guangdong_csv(records),
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 202
    return r.get_json()["id"]


def _deletion(store, records: int):
    """The province's push of `mode=delete` for the first `records` ids of `_queued_batch`'s."""
    import json

    token = create_token(store, "publisher", "440000")[1]
    app = create_app({"STORE": store, "TESTING": True, "FEED_WORKER": False})
    return app.test_client().post(
        "/api/v1/networks/440000/batches?mode=delete",
        data=json.dumps([samples.gd_id(i) for i in range(records)]).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )


def test_a_batch_job_that_comes_again_does_nothing(store, jobs):
    """A second job for a batch already applied (the sweep queued it while the first ran) is a no-op."""
    batch_id = _queued_batch(store, 3)
    ctx = Context(store, jobs.settings, jobs.registry)
    assert apply_batch(ctx, batch_id, "440000").endswith("applied")
    assert "nothing to do" in apply_batch(ctx, batch_id, "440000")


def test_a_batch_whose_processing_keeps_dying_fails(store, jobs):
    """A batch left `processing` MAX_ATTEMPTS times (its worker killed each time) is failed, not retried forever."""
    batch_id = _queued_batch(store, 3)
    with store.write() as conn:
        conn.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(state="processing", attempts=MAX_ATTEMPTS))
    assert "failed" in apply_batch(Context(store, jobs.settings, jobs.registry), batch_id, "440000")
    with store.read() as conn:
        assert conn.execute(select(BATCHES.c.state).where(BATCHES.c.id == batch_id)).scalar() == "failed"


def test_a_harvest_now_that_meets_a_busy_network_waits_instead_of_vanishing(store, jobs):
    """The network's lease is held by someone other than a queue job (the scheduler's service
    statistics, a `hub harvest` on a terminal): the queued harvest is skipped, and the request it
    took is back in its row — on the dashboard, and for a scheduler to queue when the network is free."""
    from hub.harvest import lease
    from hub.ops.scheduler import SCHEDULES, request_harvest
    from hub.queue.tasks import harvest

    code = next(n.code for n in jobs.registry if n.pulled)
    asked = request_harvest(store, code, full=True, by="token-7")
    ctx = Context(store, jobs.settings, jobs.registry)
    with lease.hold(store, code, purpose="service"):
        outcome = harvest(ctx, code, full=True)
    assert outcome.startswith("skipped") and "waits" in outcome
    with store.read() as conn:
        row = conn.execute(select(SCHEDULES).where(SCHEDULES.c.network == code)).one()
    assert (row.requested_at, row.requested_by, row.requested_full) == (asked["requested_at"], "token-7", True)


def test_the_sweep_runs_every_worker_sweep_seconds(store, jobs):
    """Read as procrastinate reads it (croniter: six fields, seconds last). The cron once read
    "*/10 * * * * *": every second of every tenth minute, nothing for the nine between, so a dead
    worker's jobs waited up to ten minutes for the sweep."""
    from datetime import datetime

    import croniter

    from hub.queue.postgres import sweep_cron

    crons = {10: sweep_cron(10), 1: sweep_cron(1)}
    if store.dialect == "postgresql":
        (task,) = [t for t in jobs.app.periodic_registry.periodic_tasks.values() if t.periodic_id == "sweep"]
        crons[jobs.sweep_every] = task.cron
    for every, cron in crons.items():
        it = croniter.croniter(cron, datetime(2026, 12, 5, 8, 0, 57))
        fires = [it.get_next(datetime) for _ in range(13)]
        assert {(b - a).total_seconds() for a, b in zip(fires, fires[1:])} == {every}, cron


def test_a_network_s_batches_apply_in_the_order_received_whichever_job_runs_first(store, jobs):
    """An upsert, then a deletion of the same records. The deletion is small, but an earlier batch
    of the network waits: it is queued behind it, not applied within its request. Its job runs first
    (the upsert's worker died and the sweep deferred that batch again, behind it): it applies the
    upsert first, so the deleted records stay deleted."""

    from hub.harvest.writer import INSTRUMENTS

    upsert = _queued_batch(store, 4)
    r = _deletion(store, 4)
    assert r.status_code == 202, r.get_json()
    deletion = r.get_json()["id"]
    outcome = apply_batch(Context(store, jobs.settings, jobs.registry), deletion, "440000")
    assert outcome.index(upsert) < outcome.index(deletion)
    with store.read() as conn:
        assert dict(conn.execute(select(BATCHES.c.id, BATCHES.c.state).where(BATCHES.c.id.in_([upsert, deletion]))).all()) == {
            upsert: "done",
            deletion: "done",
        }
        active = conn.execute(select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.network == "440000", INSTRUMENTS.c.withdrawn_at.is_(None)))
        assert active.all() == []
    assert "nothing to do" in apply_batch(Context(store, jobs.settings, jobs.registry), upsert, "440000")  # its own job, later


def test_a_batch_of_a_network_the_worker_does_not_know_fails_with_the_reason(store, jobs):
    """The network left conf/networks.yaml after the batch was queued, or the worker's host has an
    older configuration than the web host's: the province reads why, instead of a batch left
    `processing` and queued again forever."""
    from hub.config import Registry

    batch_id = _queued_batch(store, 3)
    lagging = Registry([n for n in jobs.registry if n.code != "440000"])
    outcome = apply_batch(Context(store, jobs.settings, lagging), batch_id, "440000")
    assert "failed" in outcome
    with store.read() as conn:
        state, outcome_doc = conn.execute(select(BATCHES.c.state, BATCHES.c.outcome).where(BATCHES.c.id == batch_id)).one()
    assert state == "failed" and "not in the registry" in outcome_doc["message"] and "440000" in outcome_doc["message"]


def test_a_batch_attempt_given_up_for_dead_writes_nothing_after_its_retry_began(store, jobs, monkeypatch):
    """The worker applying an upsert froze between two chunks (SIGSTOP, a paused VM, a partition) and
    the batch was applied again by another; the province then deleted the records. When the frozen
    worker wakes up it must not write its remaining chunks: they put deleted records back."""
    import dataclasses
    import threading

    from hub.feed import apply as applying
    from hub.harvest.writer import INSTRUMENTS
    from hub.harvest.jobs import JOBS

    upsert = _queued_batch(store, 6)
    ctx = Context(store, dataclasses.replace(jobs.settings, batch_size=2), jobs.registry)
    frozen, woken, real_chunks = threading.Event(), threading.Event(), applying._chunks

    def chunks(items, size, **kw):
        for i, chunk in enumerate(real_chunks(items, size, **kw)):
            if i == 1 and threading.current_thread().name == "frozen":
                frozen.set()
                woken.wait(30)
            yield chunk

    monkeypatch.setattr(applying, "_chunks", chunks)
    first = threading.Thread(target=apply_batch, args=(ctx, upsert, "440000"), name="frozen")
    first.start()
    assert frozen.wait(30)
    assert apply_batch(ctx, upsert, "440000").endswith("applied")  # the retry, after the worker was given up
    r = _deletion(store, 6)
    assert r.status_code == 200 and r.get_json()["counts"]["withdrawn"] == 6
    woken.set()
    first.join(30)
    with store.read() as conn:
        active = conn.execute(select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.network == "440000", INSTRUMENTS.c.withdrawn_at.is_(None)))
        assert active.all() == []
        assert conn.execute(select(BATCHES.c.state).where(BATCHES.c.id == upsert)).scalar() == "done"
        messages = conn.execute(select(JOBS.c.message).where(JOBS.c.kind == "push", JOBS.c.state == "failed")).scalars().all()
    assert any("superseded" in (m or "") for m in messages)


def test_a_batch_applied_again_after_its_worker_died_says_so_in_its_report(store, jobs):
    batch_id = _queued_batch(store, 3)
    with store.write() as conn:  # an attempt started, then its worker was killed
        conn.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(state="processing", attempts=1))
    apply_batch(Context(store, jobs.settings, jobs.registry), batch_id, "440000")
    from hub.feed.reports import build_report

    with store.read() as conn:
        report = build_report(conn, batch_id)
    assert report["state"] == "done" and report["attempts"] == 2 and "the last attempt's" in report["note"]


def test_the_queue_defers_again_after_running_what_waited(jobs):
    """`run_pending` leaves the queue usable: a later defer raised procrastinate's AppNotOpen on
    PostgreSQL."""
    assert jobs.defer("apply_batch", batch_id="no-such-batch", network="440000") is True
    assert jobs.run_pending() >= 1
    assert jobs.defer("apply_batch", batch_id="another", network="440000") is True


def test_the_queue_prunes_succeeded_jobs_after_a_day(store, jobs):
    """The sweep alone leaves a succeeded job every tick; what jobs did is kept in the hub's own
    tables, so the queue's rows go after KEEP_SUCCEEDED (the sweep prunes once an hour)."""
    if not jobs.runs_elsewhere:
        pytest.skip("SQLite's queue keeps its jobs in memory")
    for batch in ("old", "new"):
        jobs.defer("apply_batch", batch_id=batch, network="440000")
    assert jobs.run_pending() >= 2  # and a sweep, maybe
    with store.write() as conn:
        conn.execute(
            text(
                "UPDATE procrastinate_events SET at = at - interval '25 hours' WHERE job_id IN "
                "(SELECT id FROM procrastinate_jobs WHERE args->>'batch_id' = 'old')"
            )
        )
    assert jobs.prune() == 1
    with store.read() as conn:
        left = conn.execute(text("SELECT args->>'batch_id', status FROM procrastinate_jobs WHERE task_name = 'hub.apply_batch'")).all()
    assert left == [("new", "succeeded")]


@pytest.mark.skipif(not POSTGRES, reason="the queue's own connections are PostgreSQL's")
def test_the_queue_connects_with_what_the_store_s_url_says():
    """A password with spaces and quotes, and `options` with several settings: the queue's
    connection string carried the first raw (libpq refused it) and the second's spaces as "+"."""
    import psycopg
    from sqlalchemy.engine import make_url

    from hub.queue.postgres import conninfo

    url = make_url(PG_URL).set(password="p@ss w'rd", query={"options": "-c search_path=public -c work_mem=8MB"})
    with psycopg.connect(conninfo(url.render_as_string(hide_password=False))) as conn:
        assert conn.info.password == "p@ss w'rd"
        assert conn.execute("SELECT current_setting('search_path'), current_setting('work_mem')").fetchone() == ("public", "8MB")


def test_a_queued_batch_waits_for_an_earlier_one_being_applied_within_its_request(store, jobs, monkeypatch):
    """An upsert small enough to be applied within its request is being applied when the province's
    deletion of the same records arrives: the deletion is queued (202), and its job, which may start
    at once, waits for the upsert to end instead of applying beside it — else the upsert, finishing
    last, put the deleted records back. One still being applied after the patience was left by a
    process that died: the job applies it again first."""
    import os
    import threading
    import time
    from datetime import timedelta

    from hub.clock import now
    from hub.feed.apply import apply
    from hub.harvest.jobs import HOST
    from hub.harvest.writer import INSTRUMENTS
    from hub.queue import tasks

    def active():
        with store.read() as conn:
            return conn.execute(
                select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.network == "440000", INSTRUMENTS.c.withdrawn_at.is_(None))
            ).all()

    ctx = Context(store, jobs.settings, jobs.registry)
    for dead in (False, True):
        upsert = _queued_batch(store, 4)
        with store.write() as conn:  # as the request that took it does: claimed by this process, being applied
            claim = dict(state="processing", claimed_at=now(), claimed_host=HOST, claimed_pid=os.getpid())
            conn.execute(update(BATCHES).where(BATCHES.c.id == upsert).values(**claim))
        r = _deletion(store, 4)
        assert r.status_code == 202, r.get_json()
        deletion = r.get_json()["id"]
        monkeypatch.setattr(tasks, "EARLIER_PATIENCE", timedelta(seconds=1 if dead else 60))
        outcome: list[str] = []
        job = threading.Thread(target=lambda: outcome.append(apply_batch(ctx, deletion, "440000")))
        job.start()
        time.sleep(0.6)
        with store.read() as conn:
            assert conn.execute(select(BATCHES.c.state).where(BATCHES.c.id == deletion)).scalar() == "queued"  # waiting
        if not dead:
            apply(store, jobs.settings, jobs.registry.get("440000"), upsert)  # the request ends its work
        job.join(30)
        assert not job.is_alive()
        if dead:
            assert outcome[0].index(upsert) < outcome[0].index(deletion)  # applied again, first
        assert active() == [], f"the deleted records came back (dead request: {dead})"


def test_another_worker_s_sweep_leaves_a_batch_being_claimed_alone(store, jobs, monkeypatch):
    """Two workers on one host: one claims a batch, and before its push job has started the other's
    sweep looks for lost batches (every worker_sweep_seconds, in a separate process). The claim is
    alive: the batch is applied once, by the attempt that claimed it. Taken for lost, it was queued
    again, the running attempt was superseded, and a later batch of the network was applied before
    it; three sweeps in that moment and the batch failed as "processing died 3 times"."""
    import subprocess
    import sys

    from hub.harvest.jobs import JOBS
    from hub.queue import tasks

    batch_id = _queued_batch(store, 4)
    sweep = "import sys; from hub.feed.worker import recover; from hub.store.db import Store; print(recover(Store(sys.argv[1])))"
    real_apply, swept = tasks.apply, []

    def apply_after_a_sweep(*args):
        swept.append(subprocess.run([sys.executable, "-c", sweep, store.url], capture_output=True, text=True, check=True).stdout.strip())
        real_apply(*args)

    monkeypatch.setattr(tasks, "apply", apply_after_a_sweep)
    apply_batch(Context(store, jobs.settings, jobs.registry), batch_id, "440000")
    assert swept == ["[]"], "the other worker's sweep queued the batch being claimed again"
    with store.read() as conn:
        state, attempts = conn.execute(select(BATCHES.c.state, BATCHES.c.attempts).where(BATCHES.c.id == batch_id)).one()
        pushes = conn.execute(select(JOBS.c.state).where(JOBS.c.kind == "push")).scalars().all()
    assert (state, attempts, pushes) == ("done", 1, ["succeeded"])


def test_one_harvest_now_is_one_harvest_whoever_queues_it(store, jobs):
    """On PostgreSQL "harvest now" is queued by the web process and its row stays until the job
    starts; a scheduler queues pending rows too (one a busy network put back). A scheduler that
    looked in the moment between a worker taking the job and the job clearing the row queued it a
    second time, and the network was listed twice in a row for one press of the button (seen on a
    deployment of two schedulers and two workers). The row a job put back is still queued once the
    job has ended."""
    if not jobs.runs_elsewhere:
        pytest.skip("on SQLite the scheduler is the only one to start a harvest now")
    from hub.ops.scheduler import HubScheduler

    code = next(n.code for n in jobs.registry if n.pulled)
    admin = create_token(store, "admin")[1]
    app = create_app({"STORE": store, "TESTING": True, "FEED_WORKER": False})
    r = app.test_client().post(f"/api/v1/admin/networks/{code}/harvest", json={"full": True}, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 202, r.get_json()
    harvests = "SELECT status FROM procrastinate_jobs WHERE task_name = 'hub.harvest' ORDER BY id"
    with store.write() as conn:  # a worker has taken the job; it has not reached the row yet
        assert conn.execute(text(harvests)).scalars().all() == ["todo"]
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = 'hub.harvest'"))
    scheduler = HubScheduler(store, jobs.registry, jobs.settings)
    try:
        assert scheduler.pick_up_requests() == []
        with store.write() as conn:
            assert conn.execute(text(harvests)).scalars().all() == ["doing"]
            # The job met a busy network, put the row back and ended: now a scheduler queues it.
            conn.execute(text("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE task_name = 'hub.harvest'"))
        assert scheduler.pick_up_requests() == [code]
        with store.read() as conn:
            assert conn.execute(text(harvests)).scalars().all() == ["succeeded", "todo"]
    finally:
        scheduler.jobs.stop()
        app.extensions["hub_jobs"].stop()
