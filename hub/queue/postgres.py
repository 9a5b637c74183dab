"""The job queue on PostgreSQL: procrastinate, in the hub's own database.

Why procrastinate: it needs nothing beyond the PostgreSQL the deployment already has (no broker to
run, back up or watch), a job is a row written in a transaction like any other, and it has what the
hub needs built in — locks (one harvest per network), queueing locks (a "harvest now" pressed twice
queues once), LISTEN/NOTIFY so a deferred job starts at once, and worker heartbeats in the database,
from which a job whose worker died is found from any host. Its tables are created by our alembic
migration 0011 (docs/operations.md, "More than one machine").

Every task of `hub.queue.tasks.TASKS` is registered as `hub.<name>`. Besides them, `hub.sweep` runs
every `operations.worker_sweep_seconds` on one worker: it retries the jobs of workers that stopped
beating (killed, host lost) and defers the work the tasks' `recover` finds (a batch whose job was
never deferred, or whose inline apply died with its web process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub.queue import JobQueue
from hub.queue.tasks import TASKS, Context, call
from hub.store.db import libpq_parameters

log = logging.getLogger(__name__)

#: The operations settings the worker reads, with their defaults (seconds).
DEFAULTS = {"worker_heartbeat_seconds": 10.0, "worker_stalled_seconds": 30.0, "worker_sweep_seconds": 10}


def conninfo(url: str) -> str:
    """libpq's connection string for the store's SQLAlchemy URL (query options such as search_path
    are kept), with the parameters of every hub connection (`hub.store.db.libpq_parameters`: the
    queue's sessions hold locks too)."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    # Keywords from the URL's parts, not a URI rendered again: a rendered URI carried `options`' spaces
    # as "+" (libpq reads a "+"), and a password's spaces raw (libpq refuses the URI).
    parts = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "password": parsed.password, "dbname": parsed.database}
    query = {name: " ".join(value) if isinstance(value, tuple) else value for name, value in parsed.query.items()}
    given = {name: value for name, value in parts.items() if value is not None}
    return make_conninfo("", **{**given, **query, **libpq_parameters(url)})


#: How long the queue keeps a succeeded job's row (for an operator looking at what just ran).
KEEP_SUCCEEDED = timedelta(hours=24)


def sweep_cron(seconds: int) -> str:
    """The cron of a task run every `seconds` (1–59, a divisor of 60 for even spacing)."""
    return f"* * * * * */{seconds}"


class ProcrastinateQueue(JobQueue):
    runs_elsewhere = True

    def __init__(self, store, settings, registry):
        super().__init__(store, settings, registry)
        ops = {**DEFAULTS, **(getattr(settings, "operations", None) or {})}
        self.heartbeat = float(ops["worker_heartbeat_seconds"])
        self.stalled = float(ops["worker_stalled_seconds"])
        self.sweep_every = int(ops["worker_sweep_seconds"])
        self.app = self._build_app()
        self._opened = False
        self._open_lock = threading.Lock()
        from procrastinate.exceptions import AlreadyEnqueued

        self._already_enqueued = AlreadyEnqueued

    def _build_app(self):
        import procrastinate
        from procrastinate.exceptions import UniqueViolation
        from procrastinate.jobs import Status

        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(self.store.url)))
        for name in TASKS:
            app.task(name=f"hub.{name}", pass_context=True)(self._runner(name))

        # Six fields, seconds LAST (croniter, which procrastinate reads crons with): "*/10 * * * * *"
        # was every second of every tenth minute, so the sweep was absent for nine minutes in ten.
        @app.periodic(cron=sweep_cron(self.sweep_every), periodic_id="sweep")
        @app.task(name="hub.sweep", queueing_lock="hub.sweep", pass_context=True)
        async def sweep(context, timestamp):
            stalled = await context.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled)
            for job in stalled:
                try:
                    await context.app.job_manager.retry_job(job)
                    log.warning("retrying job %s (%s): its worker stopped beating", job.id, job.task_name)
                except UniqueViolation:
                    # The same work already waits under the same queueing lock (a harvest asked for
                    # again): that job will do it, this one ends.
                    await context.app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
                    log.warning("job %s (%s) of a dead worker ended: the same job waits in the queue", job.id, job.task_name)
            if timestamp % 3600 < self.sweep_every:  # once an hour: the queue's finished rows go
                pruned = await asyncio.to_thread(self.prune)
                if pruned:
                    log.info("pruned %d succeeded queue jobs older than %s", pruned, KEEP_SUCCEEDED)
            # The store is synchronous: the database work of `recover` runs in a thread, the deferring here.
            for name, kwargs in await asyncio.to_thread(self.lost_work):
                with contextlib.suppress(self._already_enqueued):
                    await self._configure(context.app, name, kwargs).defer_async(**kwargs)

        return app

    def _runner(self, name: str):
        def run(context, **kwargs):
            log.info("job %s %s: %s", context.job.id, name, kwargs)
            return call(Context(self.store, self.settings, self.registry), name, kwargs)

        run.__name__ = name
        return run

    def lost_work(self) -> list[tuple[str, dict]]:
        """The jobs each task's `recover` finds wanting (deferred again: a waiting one is not doubled)."""
        ctx = Context(self.store, self.settings, self.registry)
        return [(name, kwargs) for name, task in TASKS.items() if task.recover for kwargs in task.recover(ctx)]

    @staticmethod
    def _configure(app, task: str, kwargs: dict):
        spec = TASKS[task]
        return app.configure_task(name=f"hub.{task}", lock=spec.lock(kwargs), queueing_lock=spec.queueing_lock(kwargs))

    def defer(self, task: str, **kwargs) -> bool:
        self._open()
        try:
            self._configure(self.app, task, kwargs).defer(**kwargs)
        except self._already_enqueued:
            return False
        return True

    def pending(self, task: str, **kwargs) -> bool:
        with self.store.read() as conn:
            return bool(
                conn.execute(
                    text("SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE queueing_lock = :lock AND status IN ('todo', 'doing'))"),
                    {"lock": TASKS[task].queueing_lock(kwargs)},
                ).scalar()
            )

    def _open(self) -> None:
        # Opened on first use, never at import or app creation: a web process that defers nothing
        # holds no connection pool of the queue's.
        with self._open_lock:
            if not self._opened:
                self.app.open()
                self._opened = True

    def stop(self, timeout: float = 30) -> None:
        with self._open_lock:
            if self._opened:
                self.app.close()
                self._opened = False

    def run_worker(self, *, concurrency: int = 1, stop=None) -> None:
        """Run jobs until SIGTERM/SIGINT (procrastinate's own handlers: the running jobs finish)."""
        with self._open_lock:
            self._opened = True  # run_worker opens the app itself, asynchronously
        self.app.run_worker(
            concurrency=concurrency,
            update_heartbeat_interval=self.heartbeat,
            stalled_worker_timeout=self.stalled,
            install_signal_handlers=True,
        )

    def prune(self, older_than: timedelta | None = None) -> int:
        """Delete the queue's succeeded jobs (and their events) finished longer than `older_than`
        ago (KEEP_SUCCEEDED); return how many. The sweep alone leaves a job a tick (8,640 a day at
        10 s), and what a job did is kept in the hub's own tables (harvest_jobs, push_batches,
        evaluation_requests). The periodic task's latest job stays: procrastinate refers to it."""
        with self.store.write() as conn:
            return conn.execute(
                text(
                    """
                    DELETE FROM procrastinate_jobs WHERE status = 'succeeded'
                    AND id IN (SELECT job_id FROM procrastinate_events GROUP BY job_id HAVING max(at) < now() - :age)
                    AND id NOT IN (SELECT job_id FROM procrastinate_periodic_defers WHERE job_id IS NOT NULL)
                    """
                ),
                {"age": older_than if older_than is not None else KEEP_SUCCEEDED},
            ).rowcount

    def run_pending(self) -> int:
        before = self.counts()
        self.app.run_worker(concurrency=1, wait=False, install_signal_handlers=False, listen_notify=False)
        with self._open_lock:
            self._opened = False  # run_worker closes the app as it ends: the next defer opens it again
        after = self.counts()
        return sum(after.get(s, 0) - before.get(s, 0) for s in ("succeeded", "failed"))

    def counts(self) -> dict[str, int]:
        with self.store.read() as conn:
            return self._by_status(conn)

    @staticmethod
    def _by_status(conn) -> dict[str, int]:
        return {status: n for status, n in conn.execute(text("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status"))}

    @staticmethod
    def stored_jobs(conn) -> list[tuple[str, str, int]]:
        rows = conn.execute(text("SELECT task_name, status, count(*) FROM procrastinate_jobs GROUP BY task_name, status"))
        return [(task, status, n) for task, status, n in rows]
