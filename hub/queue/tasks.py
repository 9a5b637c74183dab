"""What the job queue runs: every task, its locks and how lost work is found again.

A task is `fn(ctx, **kwargs)`; its arguments are JSON (they are stored in the queue's table on
PostgreSQL). `lock(kwargs)` names what two jobs must not do at once, `queueing_lock(kwargs)` what need
not wait twice; `recover(ctx)` lists the jobs that stand for work left behind by a process that died
(the in-process queue calls it when it starts and on every poll; `hub worker` on its sweep).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import select, update

from hub.clock import now
from hub.config import UnknownNetwork
from hub.evaluation import requests as evaluation_requests
from hub.feed.apply import apply
from hub.feed.batches import BATCHES, MAX_ATTEMPTS, UNFINISHED, waiting_before
from hub.feed.worker import recover as recover_batches
from hub.harvest.jobs import HOST, JOBS, STALE_AFTER
from hub.harvest.lease import LeaseBusy, LeaseLost
from hub.harvest.pipeline import Harvester
from hub.store.models import NetworkSchedule

log = logging.getLogger(__name__)
SCHEDULES = NetworkSchedule.__table__


@dataclass(frozen=True)
class Context:
    store: object
    settings: object
    registry: object


@dataclass(frozen=True)
class Task:
    fn: Callable[..., object]
    lock: Callable[[dict], str | None] = lambda kwargs: None
    queueing_lock: Callable[[dict], str | None] = lambda kwargs: None
    recover: Callable[[Context], list[dict]] | None = None


# --------------------------------------------------------------------------- pushed batches


def apply_batch(ctx: Context, batch_id: str, network: str) -> str:
    """Apply a queued batch of `network` (named for the job's lock), after the network's batches
    queued before it: jobs run in the order they were deferred, and a batch whose worker died is
    deferred again by the sweep, behind the jobs of the batches received after it (an upsert, then a
    deletion of the same records, swapped: the deleted records came back).

    An earlier batch may also be in the middle of being applied within its own request (it was small
    and came first): the job waits for it to end. One still `processing` after `EARLIER_PATIENCE` was
    left by a process that died, and is applied again here first."""
    _wait_for_earlier(ctx.store, batch_id)
    with ctx.store.read() as conn:
        earlier = waiting_before(conn, batch_id, UNFINISHED)
    return "; ".join(_apply_one(ctx, b) for b in [*earlier, batch_id])


#: How often a batch's job looks again whether the earlier batches of its network have been applied,
#: and how long it waits for them at most: an earlier batch still being applied after that was left
#: by a process that died.
EARLIER_POLL_SECONDS = 0.2
EARLIER_PATIENCE: timedelta = STALE_AFTER


def _wait_for_earlier(store, batch_id: str) -> None:
    """Wait while a batch of the network received before `batch_id` is being applied (at most `EARLIER_PATIENCE`)."""
    deadline = time.monotonic() + EARLIER_PATIENCE.total_seconds()
    while time.monotonic() < deadline:
        with store.read() as conn:
            if not waiting_before(conn, batch_id, ("processing",)):
                return
        time.sleep(EARLIER_POLL_SECONDS)


def _apply_one(ctx: Context, batch_id: str) -> str:
    """Apply one batch. A batch still `processing` here was being applied by an attempt of its job
    whose worker died (jobs of one network run one at a time): its push job is marked crashed and
    the batch applied again, which gives the same catalogue (unchanged records cost a hash)."""
    with ctx.store.write() as conn:
        row = conn.execute(
            select(BATCHES.c.network, BATCHES.c.state, BATCHES.c.job_id, BATCHES.c.attempts).where(BATCHES.c.id == batch_id)
        ).first()
        if row is None or row.state not in ("queued", "processing"):
            return f"batch {batch_id}: nothing to do ({row.state if row else 'no such batch'})"
        if row.job_id is not None:
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id == row.job_id, JOBS.c.state == "running")
                .values(state="crashed", finished_at=now(), message="the worker applying this batch died; the batch is applied again")
            )
        if row.attempts >= MAX_ATTEMPTS:
            return _fail(conn, batch_id, f"processing died {row.attempts} times; the body is kept, see the server log")
        try:
            network = ctx.registry.get(row.network)
        except UnknownNetwork:
            # Before the claim: claimed, it stayed `processing` with no job, and the sweep queued it
            # again every STALE_AFTER, forever (its attempts count only inside `apply`).
            return _fail(
                conn,
                batch_id,
                f"network {row.network} is not in the registry of the worker that took the batch ({HOST}): removed from "
                "conf/networks.yaml, or that host's configuration lags the web host's; the body is kept",
            )
        # The claim is conditional: of two in-process queues (two processes on one SQLite file) that
        # both found the batch queued, one applies it. It names this process: until the push job
        # starts, the claim is all a sweep of this host sees, and a claim without a live pid was
        # taken for one whose process died, queued again and the running attempt superseded.
        claimed = conn.execute(
            update(BATCHES)
            .where(BATCHES.c.id == batch_id, BATCHES.c.state == row.state, BATCHES.c.attempts == row.attempts)
            .values(state="processing", claimed_at=now(), claimed_host=HOST, claimed_pid=os.getpid())
        ).rowcount
        if not claimed:
            return f"batch {batch_id}: taken by another process"
    apply(ctx.store, ctx.settings, network, batch_id)
    return f"batch {batch_id} applied"


def _fail(conn, batch_id: str, message: str) -> str:
    """End a batch `failed` with `message` for the province's report."""
    conn.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(state="failed", finished_at=now(), outcome={"message": message}))
    return f"batch {batch_id} failed: {message}"


def queued_batches(ctx: Context) -> list[dict]:
    """Batches waiting for a job: queued again after a crash, or whose job was never deferred."""
    recover_batches(ctx.store)
    with ctx.store.read() as conn:
        rows = conn.execute(
            select(BATCHES.c.id, BATCHES.c.network).where(BATCHES.c.state == "queued").order_by(BATCHES.c.received_at)
        ).all()
    return [{"batch_id": r.id, "network": r.network} for r in rows]


# --------------------------------------------------------------------------- harvests


def harvest(ctx: Context, network: str, full: bool = False) -> str:
    """Harvest one network (instruments, incremental unless `full`); a "harvest now" request of the
    network is answered by it. Busy (someone else holds the lease: a `hub harvest` on a terminal, the
    scheduler's service statistics): skipped, and the request it took is put back, to wait for the
    network to be free as a request does on SQLite (a scheduler's maintenance queues it then)."""
    code = ctx.registry.get(network).code
    with ctx.store.write() as conn:
        asked = conn.execute(
            select(SCHEDULES.c.requested_at, SCHEDULES.c.requested_by, SCHEDULES.c.requested_full).where(
                SCHEDULES.c.network == code, SCHEDULES.c.requested_at.is_not(None)
            )
        ).first()
        if asked is not None:
            taken = dict(requested_at=None, requested_by=None, requested_full=False)
            conn.execute(update(SCHEDULES).where(SCHEDULES.c.network == code).values(**taken))
    try:
        # A holder of its own for each attempt, and the lease of any other queue attempt of the network
        # taken over: the queue's lock runs one job of a network at a time, so another attempt still
        # holding it was given up for dead (killed, or frozen: it then stops at its next write, where
        # one shared name let both run side by side and the first to end released the other's lease).
        prefix = f"queue:{code}"
        harvester = Harvester(ctx.store, ctx.settings)
        results = harvester.harvest(ctx.registry.get(code), full=full, holder=f"{prefix}:{uuid.uuid4().hex[:12]}", takes_over=prefix)
    except LeaseBusy as exc:
        if asked is not None:
            with ctx.store.write() as conn:  # unless a newer request came meanwhile
                conn.execute(
                    update(SCHEDULES).where(SCHEDULES.c.network == code, SCHEDULES.c.requested_at.is_(None)).values(**asked._mapping)
                )
        log.info("harvest %s skipped: %s", code, exc)
        return f"skipped: {exc}" + ("; the harvest-now request waits for the network to be free" if asked is not None else "")
    except LeaseLost as exc:  # given up for dead and run again by another worker, which goes on
        log.warning("harvest %s stopped: %s", code, exc)
        return f"stopped: {exc}"
    return "; ".join(f"{r.network} {r.kind} {r.state}: {r.counts.fetched} fetched" for r in results)


# --------------------------------------------------------------------------- evaluations


def evaluate(ctx: Context, request_id: int) -> str:
    """Run an evaluation asked for through the API (hub.evaluation.requests): the Monte Carlo takes
    seconds to minutes, which no web request should hold. A request found `running` was being run
    by a worker that died: it is run again (the evaluation is stored with the outcome, in one
    transaction, by the request's latest attempt alone: one taken for dead that wakes up stores
    nothing, so never twice)."""
    return evaluation_requests.run(ctx.store, request_id)


def waiting_evaluations(ctx: Context) -> list[dict]:
    return [{"request_id": rid} for rid in evaluation_requests.waiting(ctx.store)]


TASKS: dict[str, Task] = {
    "apply_batch": Task(
        apply_batch,
        # Batches of one network are applied one at a time, in the order they came (an upsert then a
        # deletion of the same record must not swap).
        lock=lambda kw: f"push:{kw['network']}",
        queueing_lock=lambda kw: f"batch:{kw['batch_id']}",
        recover=queued_batches,
    ),
    "harvest": Task(
        harvest,
        lock=lambda kw: f"network:{kw['network']}",
        # A full listing asked for while an incremental one waits is queued too: it is not the same work.
        queueing_lock=lambda kw: f"harvest:{kw['network']}:{'full' if kw.get('full') else 'incremental'}",
    ),
    "evaluate": Task(
        evaluate,
        lock=lambda kw: f"evaluation:{kw['request_id']}",
        queueing_lock=lambda kw: f"evaluation:{kw['request_id']}",
        recover=waiting_evaluations,
    ),
}


def call(ctx: Context, name: str, kwargs: dict):
    return TASKS[name].fn(ctx, **kwargs)
