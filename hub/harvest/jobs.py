"""Job bookkeeping: every run is a row with a state (design rule 3).

States: `running` → `succeeded` (the listing was read completely; rejected records are counted and
recorded, not failures) | `failed` (the listing could not be completed or looked wrong: what was read
is kept, nothing is withdrawn, `message` says what happened) | `crashed` (the process died; found and
marked by `recover_crashed`, never left "running").

A running job writes a heartbeat with its counts after every batch, so progress is visible and a dead
process is recognised by its silence even from another host.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert, select, update

from hub import stopping
from hub.clock import as_utc, now
from hub.errors import HubError
from hub.store.db import failure_message
from hub.processes import alive_here
from hub.store.models import HarvestJob

__all__ = [
    "JOBS",
    "COUNTS",
    "EXTRA_COUNTS",
    "STALE_AFTER",
    "HOST",
    "changes_catalogue",
    "Counts",
    "CountsMismatch",
    "Job",
    "as_utc",
    "now",
    "start_job",
    "finish_job",
    "end_interrupted",
    "heartbeat",
    "recover_crashed",
    "recover_orphans",
]

# A Table (declarative models type `__table__` as the wider FromClause).
JOBS = cast(Table, HarvestJob.__table__)
#: The counts a job's row keeps, one column each: `fetched` is the sum of the others but `withdrawn`
#: (tombstones, by deletion or by absence) — the sum a run's history shows must add up.
COUNTS = ("fetched", "created", "updated", "unchanged", "withdrawn", "rejected", "deleted", "not_found")
#: Counts reported but not kept in columns of their own (see `Counts.as_dict`).
EXTRA_COUNTS = ("warnings", "repeated")
#: Job kinds that may change the catalogue (a service-statistics fetch, kind `service`, does not).
CATALOGUE_JOB_KINDS = ("full", "incremental", "push", "remap")


def changes_catalogue():
    """The condition on JOBS of a job that may change the catalogue: not a service-statistics fetch,
    nor a pushed batch of service statistics (a push with a year)."""
    return JOBS.c.kind.in_(CATALOGUE_JOB_KINDS) & JOBS.c.year.is_(None)


#: A running job whose heartbeat is older than this is presumed dead, whatever host it ran on.
STALE_AFTER = timedelta(minutes=15)
HOST = socket.gethostname()


class CountsMismatch(HubError):
    """A run's counts do not add up: a record went somewhere no count says. A bug, never data."""


@dataclass
class Counts:
    """What became of the records of a run or a batch. Every record read is exactly one of: created,
    updated, unchanged, rejected (with an error row), repeated (its id came earlier in the same run or
    batch: an error row naming the first), deleted (an explicit deletion that withdrew an active
    instrument) or not found (an explicit deletion of an id with no active instrument: nothing to
    withdraw, and nothing wrong at the source — a deletion resent finds nothing the second time — so
    not a rejection). `withdrawn` counts tombstones, by deletion or by absence; `warnings` values
    dropped from records that were taken."""

    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    rejected: int = 0
    warnings: int = 0
    repeated: int = 0
    deleted: int = 0
    not_found: int = 0

    def add(self, other: "Counts") -> None:
        for name in (*COUNTS, *EXTRA_COUNTS):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        """The job row's columns. A repeat is stored as rejected there: both are records not taken,
        each with its error row (the job table has no column of its own for repeats)."""
        out = {name: getattr(self, name) for name in COUNTS}
        out["rejected"] += self.repeated
        return out

    def accounted(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected + self.repeated + self.deleted + self.not_found

    def check(self, what: str = "run") -> "Counts":
        """Raise `CountsMismatch` unless every record read is counted once (called wherever a job's
        or a batch's counts are reported)."""
        if self.fetched != self.accounted():
            raise CountsMismatch(
                f"the counts of this {what} do not add up: fetched {self.fetched} ≠ created {self.created} + updated "
                f"{self.updated} + unchanged {self.unchanged} + rejected {self.rejected} + repeated {self.repeated} "
                f"+ deleted {self.deleted} + not found {self.not_found}"
            )
        return self

    def report(self, what: str = "run") -> dict:
        """Every count, checked: what job and batch reports show."""
        self.check(what)
        return {name: getattr(self, name) for name in (*COUNTS, *EXTRA_COUNTS)}


@dataclass
class Job:
    id: int
    network: str
    kind: str
    started_at: datetime
    counts: Counts = field(default_factory=Counts)


def start_job(store, network: str, kind: str, *, since=None, year=None) -> Job:
    started = now()
    with store.write() as conn:
        job_id = conn.execute(
            insert(JOBS)
            .values(
                network=network,
                kind=kind,
                state="running",
                started_at=started,
                heartbeat_at=started,
                host=HOST,
                pid=os.getpid(),
                since=since,
                year=year,
                listing_complete=False,
                **Counts().as_dict(),
            )
            .returning(JOBS.c.id)
        ).scalar_one()
    return Job(job_id, network, kind, started)


def heartbeat(conn, job: Job, telemetry: dict | None = None) -> None:
    """Record progress inside the caller's write transaction (so counts match what is committed)."""
    values = dict(heartbeat_at=now(), **job.counts.as_dict())
    if telemetry is not None:
        values["telemetry"] = telemetry
    conn.execute(update(JOBS).where(JOBS.c.id == job.id).values(**values))


def finish_job(store, job: Job, state: str, *, message=None, listing_complete=False, telemetry=None) -> None:
    with store.write() as conn:
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job.id)
            .values(
                state=state,
                finished_at=now(),
                heartbeat_at=now(),
                message=message,
                listing_complete=listing_complete,
                telemetry=telemetry,
                **job.counts.as_dict(),
            )
        )


def end_interrupted(store, job: Job, exc: BaseException, *, telemetry=None) -> None:
    """End `job` `failed` with "interrupted: <exc>" if it is still running: SIGTERM, Ctrl-C or a bug
    cut its run short, wherever it was. A job that had already ended keeps its state (the exception
    came after its end, or this is the second of two calls on the way out)."""
    stopping.arrived(exc)  # a signal's stop reached its run: no batch need raise it again
    with store.write() as conn:
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job.id, JOBS.c.state == "running")
            .values(
                state="failed",
                finished_at=now(),
                heartbeat_at=now(),
                message=f"interrupted: {failure_message(exc)}",
                listing_complete=False,
                telemetry=telemetry,
                **job.counts.as_dict(),
            )
        )


def recover_crashed(store, *, stale_after: timedelta = STALE_AFTER) -> list[int]:
    """Mark running jobs whose process is gone as crashed; return their ids.

    A job of this host is dead when its pid no longer runs (or runs another program: pids are reused,
    so the process must have started before the job). Any job is dead when its heartbeat is stale.
    """
    cutoff = now() - stale_after
    dead = []
    with store.read() as conn:
        rows = conn.execute(
            select(JOBS.c.id, JOBS.c.host, JOBS.c.pid, JOBS.c.started_at, JOBS.c.heartbeat_at).where(JOBS.c.state == "running")
        ).all()
    for row in rows:
        beat = as_utc(row.heartbeat_at or row.started_at)
        if beat < cutoff or (row.host == HOST and not alive_here(row.pid, as_utc(row.started_at))):
            dead.append(row.id)
    if dead:
        with store.write() as conn:
            _mark_crashed(conn, dead, "found by recover_crashed")
    return dead


def _mark_crashed(conn, ids, found_by: str) -> None:
    """End `ids` crashed, those still running (another process may have finished one meanwhile)."""
    conn.execute(
        update(JOBS)
        .where(JOBS.c.id.in_(ids), JOBS.c.state == "running")
        .values(
            state="crashed", finished_at=now(), message=f"the process running this job died ({found_by}); what it had committed is kept"
        )
    )


#: The kinds of job that run only under the network's lease (hub.harvest.lease).
LEASED_KINDS = ("full", "incremental", "service")


def recover_orphans(store, network: str) -> list[int]:
    """Mark crashed the leased jobs of `network` still `running`; the caller holds the network's lease,
    so no live process can be running them. The liveness test every host can make: no process ids."""
    with store.write() as conn:
        ids = list(
            conn.execute(
                select(JOBS.c.id).where(JOBS.c.network == network, JOBS.c.state == "running", JOBS.c.kind.in_(LEASED_KINDS))
            ).scalars()
        )
        if ids:
            _mark_crashed(conn, ids, "found by the next holder of the network's lease")
    return ids
