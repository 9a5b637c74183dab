"""The job queue: work that must not run inside a web request, and where it runs.

One interface, `JobQueue`, two implementations picked from the store's database by `QUEUES` (a
registry by SQLAlchemy dialect, never an if-chain):

- PostgreSQL (`hub.queue.postgres`): procrastinate. `defer` inserts a job row in the same database;
  `hub worker` processes, on any hosts, run the jobs. Workers beat a heartbeat into the database, and
  a job whose worker has stopped beating is retried by any other worker (no process ids: a host
  cannot see another host's processes). Web processes only defer.
- SQLite (`hub.queue.inprocess`): a daemon thread of the process that deferred the job. The embedded
  default needs no extra service: `hub serve` and `hub demo` run their jobs themselves. Nothing is
  lost when the process dies: the work a job stands for is a row (a queued batch), found again by
  each task's `recover` when the next process starts its queue.

What a queue runs is listed once, in `hub.queue.tasks.TASKS`: a task is a function of a `Context` and
JSON-able keyword arguments, with two optional locks computed from those arguments:
- `lock`: jobs with the same lock never run at the same time (one harvest per network);
- `queueing_lock`: at most one job with this lock waits in the queue (a second `defer` is dropped).
A task may run more than once (a retried job after its worker died): each is written to be safe to
repeat (a batch applied twice gives the same catalogue; a harvest is a harvest).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod

#: The implementation of each database: dialect → "module:class".
QUEUES = {
    "postgresql": "hub.queue.postgres:ProcrastinateQueue",
    "sqlite": "hub.queue.inprocess:InProcessQueue",
}


class JobQueue(ABC):
    """Where jobs are deferred to and how they are run."""

    #: True when the jobs run in other processes (`hub worker`); False when the deferring process
    #: runs them itself. The scheduler asks it to decide whether to harvest or to enqueue.
    runs_elsewhere: bool = False

    def __init__(self, store, settings, registry):
        self.store, self.settings, self.registry = store, settings, registry

    @abstractmethod
    def defer(self, task: str, **kwargs) -> bool:
        """Queue `task(**kwargs)`; False when a job with the same queueing lock already waits."""

    def pending(self, task: str, **kwargs) -> bool:
        """True when a job of `task` with the same queueing lock waits or runs: `defer` would keep
        the waiting one out, not the running one. Only a queue that runs jobs elsewhere is asked."""
        return False

    def start(self) -> "JobQueue":
        """Make deferred jobs run (in-process: start the thread and recover lost work). Idempotent."""
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop running jobs started by `start` (waits for the running one)."""

    @abstractmethod
    def run_worker(self, *, concurrency: int = 1, stop=None) -> None:
        """Run jobs in the foreground until `stop` (a threading.Event) is set or a signal ends it."""

    @abstractmethod
    def run_pending(self) -> int:
        """Run every job waiting now in this thread, then return (tests, `hub demo`); how many ran."""

    def counts(self) -> dict[str, int]:
        """Jobs by state (todo, doing, …) of this queue."""
        return {}

    @staticmethod
    def stored_jobs(conn) -> list[tuple[str, str, int]]:
        """(task, status, count) of the jobs the database holds, for `/metrics` in any process: none
        for a queue that keeps its jobs in memory."""
        return []


def queue_class(dialect: str) -> type[JobQueue]:
    spec = QUEUES.get(dialect)
    if spec is None:
        raise ValueError(f"no job queue for a {dialect} database (known: {', '.join(sorted(QUEUES))})")
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def open_queue(store, settings, registry) -> JobQueue:
    """The queue of the store's database."""
    return queue_class(store.dialect)(store, settings, registry)
