"""Large batches outside the request: claiming a queued one, and finding lost ones again.

The job queue (hub.queue) runs them: its `apply_batch` task, deferred by the web process that took
the batch. `recover` finds the batches whose processing died (its job marked crashed, or its claim
older than the stale limit with no live job) and queues them again; the queue's `recover` hook
calls it. Because the body was stored before anything was applied, and unchanged records cost a
hash, applying a batch a second time after a crash gives the same catalogue. `run_pending` applies
every queued batch in the calling thread (tests, benchmarks).
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from sqlalchemy import and_, select, update

from hub.feed.apply import apply
from hub.feed.batches import BATCHES, MAX_ATTEMPTS
from hub.clock import as_utc, now
from hub.harvest.jobs import HOST, JOBS, STALE_AFTER, recover_crashed
from hub.processes import alive_here

log = logging.getLogger(__name__)


def claim_next(store) -> str | None:
    """Claim the oldest queued batch for this process; None when there is none."""
    with store.write() as conn:
        batch_id = conn.execute(select(BATCHES.c.id).where(BATCHES.c.state == "queued").order_by(BATCHES.c.received_at).limit(1)).scalar()
        if batch_id is None:
            return None
        claimed = conn.execute(
            update(BATCHES)
            .where(BATCHES.c.id == batch_id, BATCHES.c.state == "queued")
            .values(state="processing", claimed_at=now(), claimed_host=HOST, claimed_pid=os.getpid())
        ).rowcount
    return batch_id if claimed else None


def recover(store, *, stale_after: timedelta = STALE_AFTER) -> list[str]:
    """Queue again the batches whose processing died with its process; fail those tried too often."""
    recover_crashed(store, stale_after=stale_after)
    cutoff = now() - stale_after
    with store.read() as conn:
        rows = conn.execute(
            select(
                BATCHES.c.id,
                BATCHES.c.claimed_host,
                BATCHES.c.claimed_pid,
                BATCHES.c.claimed_at,
                BATCHES.c.attempts,
                JOBS.c.state.label("job_state"),
            )
            .select_from(BATCHES.outerjoin(JOBS, JOBS.c.id == BATCHES.c.job_id))
            .where(BATCHES.c.state == "processing")
        ).all()
    lost = []
    for r in rows:
        if r.job_state in ("crashed", "failed"):
            lost.append(r)
        elif r.job_state is None:  # claimed, but the job never started
            dead_here = r.claimed_host == HOST and not alive_here(r.claimed_pid, r.claimed_at and as_utc(r.claimed_at))
            if dead_here or (r.claimed_at is not None and as_utc(r.claimed_at) < cutoff):
                lost.append(r)
    requeued = []
    with store.write() as conn:
        for r in lost:
            if r.attempts >= MAX_ATTEMPTS:
                conn.execute(
                    update(BATCHES)
                    .where(BATCHES.c.id == r.id, BATCHES.c.state == "processing")
                    .values(
                        state="failed",
                        finished_at=now(),
                        outcome={"message": f"processing died {r.attempts} times; the body is kept, see the server log"},
                    )
                )
                continue
            n = conn.execute(
                update(BATCHES)
                .where(and_(BATCHES.c.id == r.id, BATCHES.c.state == "processing"))
                .values(state="queued", claimed_at=None, claimed_host=None, claimed_pid=None)
            ).rowcount
            if n:
                requeued.append(r.id)
    if requeued:
        log.warning("queued again after a crash: %s", ", ".join(requeued))
    return requeued


def run_pending(store, settings, registry) -> int:
    """Apply every queued batch now, in this thread; return how many (the worker loop and tests)."""
    done = 0
    while (batch_id := claim_next(store)) is not None:
        with store.read() as conn:
            network = conn.execute(select(BATCHES.c.network).where(BATCHES.c.id == batch_id)).scalar_one()
        apply(store, settings, registry.get(network), batch_id)
        done += 1
    return done
