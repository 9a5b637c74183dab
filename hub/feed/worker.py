"""The background worker: applies large batches outside the request, and finds lost ones again.

It is a daemon thread in the web process. It claims a queued batch with a conditional UPDATE (so any
number of processes, on any number of hosts, apply each batch once), applies it, and looks again;
`wake()` makes it look at once when a batch was just queued, otherwise it polls. At start and on
every poll it runs `recover`: a batch left `processing` by a process that died (its job marked
crashed by `recover_crashed`, or its claim older than the stale limit with no live job) is queued
again. Because the body was stored before anything was applied, and unchanged records cost a hash,
applying a batch a second time after a crash gives the same catalogue.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

import psutil
from sqlalchemy import and_, select, update

from hub.feed.batches import BATCHES, MAX_ATTEMPTS, apply
from hub.clock import as_utc, now
from hub.harvest.jobs import HOST, JOBS, STALE_AFTER, recover_crashed

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
            dead_here = r.claimed_host == HOST and r.claimed_pid != os.getpid() and not psutil.pid_exists(r.claimed_pid or 0)
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


class BatchWorker:
    """One daemon thread per web process. `start()` is idempotent; `stop()` waits for the thread."""

    def __init__(self, store, settings, registry, *, poll_seconds: float = 5.0):
        self.store, self.settings, self.registry = store, settings, registry
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> "BatchWorker":
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="hub-feed-worker", daemon=True)
                self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                recover(self.store)
                run_pending(self.store, self.settings, self.registry)
            except Exception:  # the database may be briefly unreachable; try again at the next poll
                log.exception("feed worker")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
