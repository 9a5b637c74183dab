"""The scheduler process: APScheduler 3 running the job definitions of `hub.ops.schedule`.

It runs on its own (`hub scheduler`), never inside web workers. On PostgreSQL it harvests nothing
itself: a due harvest is deferred to the job queue (hub.queue) and run by a `hub worker`, whose job
lock and queueing lock keep one harvest per network; on SQLite it runs the harvests in its threads. Per job: coalesce (runs missed while
the process was down or busy become one), at most one instance, no misfire limit (a late run still
runs). Harvests go through `Harvester.harvest`, which holds the network's lease, so any number of
schedulers against one database harvest each network once at a time; a run whose lease is taken is
skipped and logged.

Where the schedule stands is data: after every run and on every maintenance tick each network's next
harvest is written to `network_schedules.next_run`, and a restarted scheduler carries on from it:
- a stored next run in the future is kept (unless the registry's schedule now comes sooner);
- a stored next run in the past (missed while down) runs at once, as one run;
- a network whose last run crashed or was interrupted by a shutdown is owed a run: at once; so are
  its service statistics, when their last fetch was cut short that way.

Shutdown (SIGTERM, SIGINT, `stop()`): no new runs start; a running harvest stops after the batch it
is writing (the batch is committed) and its job is marked failed "interrupted by shutdown"; leases
are released. A process killed outright leaves a running job and a lease behind: both are recovered
at the next start (and by any other scheduler's maintenance tick: dead pid on this host, or a stale
heartbeat / expired lease from anywhere).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select, true, update

from hub.harvest import lease
from hub.harvest.jobs import JOBS, as_utc, now, recover_crashed
from hub.harvest.pipeline import Harvester
from hub.ops import alerts, probes
from hub.ops.alerts import SHUTDOWN_MARK
from hub.ops.notify import make_notifier
from hub.ops.schedule import job_definitions, period_of, trigger_for
from hub.search import postings
from hub.queue import open_queue
from hub.store.bulk import upsert
from hub.store.models import NetworkSchedule

log = logging.getLogger(__name__)
SCHEDULES = NetworkSchedule.__table__
#: The kinds of job a scheduled harvest runs.
HARVEST_KINDS = ("full", "incremental")


class Shutdown(Exception):
    """Raised between batches of a running harvest when the scheduler is stopping."""

    def __init__(self):
        super().__init__(SHUTDOWN_MARK)


class HubScheduler:
    def __init__(self, store, registry, settings, *, networks: list[str] | None = None, http_factory=None, harvest_here: bool = False):
        self.store, self.registry, self.settings = store, registry, settings
        defs = job_definitions(registry, settings)
        if networks:
            defs = [d for d in defs if d.get("network") in (None, *networks)]
        self.definitions = {d["id"]: d for d in defs}
        self.networks = sorted({d["network"] for d in defs if d.get("network")})
        self.stopping = threading.Event()
        self.notifier = make_notifier(settings.operations["notifier"])
        extra = {"http_factory": http_factory} if http_factory else {}
        self.harvester = Harvester(store, settings, progress=self._between_batches, **extra)
        self.jobs = open_queue(store, settings, registry)
        #: Enqueue harvests for `hub worker` processes (PostgreSQL), unless told to run them here.
        self.enqueue = self.jobs.runs_elsewhere and not harvest_here
        self._aps = None
        self._running = 0
        self._idle = threading.Condition()

    # ------------------------------------------------------------------ life cycle

    def start(self):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        crashed = recover_crashed(self.store)
        freed = lease.recover_leases(self.store)
        if crashed or freed:
            log.warning("recovered at start: crashed jobs %s, leases of %s", crashed or "none", freed or "none")
        self._aps = BackgroundScheduler(
            timezone=timezone.utc,
            executors={"default": ThreadPoolExecutor(self.settings.operations["scheduler_workers"])},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        starts = self._first_runs()
        for job_id, d in self.definitions.items():
            self._aps.add_job(self._run, trigger_for(d), args=[job_id], id=job_id, name=d["describe"], next_run_time=starts[job_id])
        self._aps.start()
        self.write_next_runs()
        log.info("scheduler started: %d networks, %d jobs", len(self.networks), len(self.definitions))

    def stop(self, wait: bool = True):
        """Stop cleanly: running harvests end after their current batch, marked interrupted."""
        self.stopping.set()
        if self._aps is not None and self._aps.running:
            # Pause, then wait for our running tasks ourselves: APScheduler's shutdown(wait=True) holds
            # its job-store lock while it waits, and a task asking for its next run would deadlock it.
            self._aps.pause()
            if wait:
                with self._idle:
                    self._idle.wait_for(lambda: self._running == 0)
            self._aps.shutdown(wait=wait)
        self.jobs.stop()
        log.info("scheduler stopped")

    def _first_runs(self) -> dict[str, datetime]:
        t = now()
        with self.store.read() as conn:
            stored = {r.network: r.next_run for r in conn.execute(select(SCHEDULES.c.network, SCHEDULES.c.next_run))}
        owed, owed_service = self._owed(), self._owed(kinds=("service",))
        out = {}
        for job_id, d in self.definitions.items():
            by_trigger = trigger_for(d).get_next_fire_time(None, t)
            if d["task"] == "harvest":
                code = d["network"]
                kept = as_utc(stored[code]) if stored.get(code) else None
                out[job_id] = t if (code in owed or kept is None or kept <= t) else min(kept, by_trigger)
            elif d["task"] == "service":
                # Cut short (killed, or by a shutdown): fetched again now, not at next month's cron.
                out[job_id] = t if d["network"] in owed_service else by_trigger
            elif d["task"] in ("probe", "maintenance"):
                out[job_id] = t
            else:
                out[job_id] = by_trigger
        return out

    def _owed(self, codes=None, kinds=HARVEST_KINDS) -> set[str]:
        """Networks (of `codes`, or all) whose latest job of `kinds` (a harvest; the service statistics)
        crashed or was cut short by a shutdown: it is due again."""
        owed = set()
        with self.store.read() as conn:
            for code in self.networks if codes is None else codes:
                row = conn.execute(
                    select(JOBS.c.state, JOBS.c.message)
                    .where(JOBS.c.network == code, JOBS.c.kind.in_(kinds))
                    .order_by(JOBS.c.started_at.desc(), JOBS.c.id.desc())
                    .limit(1)
                ).first()
                if row and (row.state == "crashed" or (row.state == "failed" and SHUTDOWN_MARK in (row.message or ""))):
                    owed.add(code)
        return owed

    # ------------------------------------------------------------------ the tasks

    def _between_batches(self, network, kind, counts):
        # Called by the pipeline after each committed batch: the place a shutdown may cut a run short.
        if self.stopping.is_set():
            raise Shutdown()

    def _run(self, job_id: str, **override):
        d = {**self.definitions.get(job_id, {}), **override}
        with self._idle:
            if self.stopping.is_set():
                return
            self._running += 1
        try:
            TASKS[d["task"]](self, d)
        except lease.LeaseBusy as exc:
            log.info("skipped %s: %s", job_id, exc)
        except Shutdown:
            log.warning("%s interrupted by shutdown after its current batch", job_id)
        except Exception:
            log.exception("%s failed", job_id)
        finally:
            try:
                if d.get("network") and d["task"] == "harvest" and not self.stopping.is_set():
                    self.write_next_runs([d["network"]])
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

    def run_harvest(self, d: dict):
        network = self.registry.get(d["network"])
        if not d.get("requested") and not self._claim(network.code, d):
            log.info("harvest %s due now was taken by another scheduler", network.code)
            return
        if self.enqueue:
            queued = self.jobs.defer("harvest", network=network.code, full=bool(d.get("full")))
            log.info("harvest %s %s", network.code, "queued for a worker" if queued else "already waiting in the queue")
            return
        for r in self.harvester.harvest(network, full=bool(d.get("full"))):
            log.info(
                "harvest %s %s: %s, %d fetched, %d created, %d updated, %d withdrawn, %d rejected%s",
                r.network,
                r.kind,
                r.state,
                r.counts.fetched,
                r.counts.created,
                r.counts.updated,
                r.counts.withdrawn,
                r.counts.rejected,
                f" ({r.message})" if r.message else "",
            )

    def _claim(self, code: str, d: dict) -> bool:
        """Claim the harvest of `code` due now (claim_due). One owed — the claimed run crashed or
        was cut short — is due again whatever was claimed; that is looked up only when the claim fails."""
        due, period = now(), period_of(d)
        if claim_due(self.store, code, due, period):
            return True
        return code in self._owed([code]) and claim_due(self.store, code, due, period, again=True)

    def run_service(self, d: dict):
        network = self.registry.get(d["network"])
        with lease.hold(self.store, network.code, ttl=lease.ttl_of(self.settings), purpose="service"):
            r = self.harvester.harvest_service(network, d["year"])
        log.info("service statistics %s %s: %s, %d rows", r.network, d["year"], r.state, r.counts.fetched)

    def run_probes(self, d: dict):
        results = probes.probe_all(self.store, (self.registry.get(c) for c in self.networks), self.settings)
        down = [r.network for r in results if not r.ok]
        if down:
            log.info("probes: %s unreachable", ", ".join(down))

    def run_maintenance(self, d: dict):
        crashed = recover_crashed(self.store)
        freed = lease.recover_leases(self.store)
        if crashed or freed:
            log.warning("recovered: crashed jobs %s, leases of %s", crashed or "none", freed or "none")
        self.pick_up_requests()
        alerts.check_alerts(self.store, self.networks, self.settings, self.notifier)
        self.write_next_runs()

    def run_search_lists(self, d: dict):
        # Lists a push, a remap or duplicate resolution left stale (a harvest writes its own at its
        # end); a job of its own, as writing one network's lists takes seconds at a million.
        written = postings.refresh(self.store, quiet_for=postings.REFRESH_AFTER)
        if written:
            log.info("search posting lists written again: %s", ", ".join(written))

    # ------------------------------------------------------------------ "harvest now" and next runs

    def pick_up_requests(self) -> list[str]:
        """Claim pending "harvest now" requests of free networks and run them at once."""
        with self.store.read() as conn:
            pending = conn.execute(
                select(SCHEDULES.c.network, SCHEDULES.c.requested_full, SCHEDULES.c.requested_by).where(
                    SCHEDULES.c.requested_at.is_not(None), SCHEDULES.c.network.in_(self.networks)
                )
            ).all()
        started = []
        for row in pending:
            if lease.current(self.store, row.network):
                continue  # being harvested: the request waits for the run after this one
            if self.enqueue and self.jobs.pending("harvest", network=row.network, full=bool(row.requested_full)):
                # The web process queued it with the row, and a worker may have taken the job without
                # reaching the row yet: queued again here, the network was harvested twice in a row.
                continue
            with self.store.write() as conn:
                # The conditional update is the claim: of two schedulers, one sees rowcount 1.
                claimed = conn.execute(
                    update(SCHEDULES)
                    .where(SCHEDULES.c.network == row.network, SCHEDULES.c.requested_at.is_not(None))
                    .values(requested_at=None, requested_by=None, requested_full=False)
                ).rowcount
            if claimed:
                log.info(
                    "harvest now: %s (%s, requested by %s)", row.network, "full" if row.requested_full else "by schedule", row.requested_by
                )
                if self.enqueue:
                    self.jobs.defer("harvest", network=row.network, full=bool(row.requested_full))
                    started.append(row.network)
                    continue
                self._aps.add_job(
                    self._run,
                    "date",
                    run_date=now(),
                    args=[f"harvest:{row.network}"],
                    kwargs={"full": bool(row.requested_full), "requested": True},
                    id=f"now:{row.network}",
                    replace_existing=True,
                    misfire_grace_time=None,
                )
                started.append(row.network)
        return started

    def write_next_runs(self, codes: list[str] | None = None):
        if self._aps is None:
            return
        rows = []
        for code in codes or self.networks:
            job = self._aps.get_job(f"harvest:{code}")
            if job is None:
                continue
            d = self.definitions[job.id]
            rows.append(
                dict(
                    network=code,
                    trigger=d["describe"],
                    next_run=job.next_run_time.astimezone(timezone.utc) if job.next_run_time else None,
                    updated_at=now(),
                )
            )
        with self.store.write() as conn:
            upsert(conn, SCHEDULES, rows, ("network",))

    def next_runs(self) -> dict[str, datetime | None]:
        return {j.id: j.next_run_time for j in self._aps.get_jobs()} if self._aps else {}


TASKS = {
    "harvest": HubScheduler.run_harvest,
    "service": HubScheduler.run_service,
    "probe": HubScheduler.run_probes,
    "maintenance": HubScheduler.run_maintenance,
    "search_lists": HubScheduler.run_search_lists,
}


def claim_due(store, network: str, due: datetime, period: timedelta, *, again: bool = False) -> bool:
    """Claim the scheduled harvest of `network` due at `due` for this scheduler: False when another
    scheduler claimed one due less than half a `period` (the trigger's) before or after. Several
    schedulers run the same timetable (their interval triggers started apart); on PostgreSQL each
    queued the due harvest, and when a worker had already taken the first, the queue's queueing lock
    (which covers waiting jobs only) let the second through: the network was harvested twice.
    `again`: the claimed run did not complete (crashed, cut short): claimed anew whatever was claimed."""
    with store.write() as conn:
        upsert(conn, SCHEDULES, [{"network": network}], ("network",))  # its row, if no scheduler wrote it yet
        return bool(
            conn.execute(
                update(SCHEDULES)
                .where(
                    SCHEDULES.c.network == network,
                    true() if again else or_(SCHEDULES.c.claimed_for.is_(None), SCHEDULES.c.claimed_for <= due - period / 2),
                )
                .values(claimed_for=due)
            ).rowcount
        )


def request_harvest(store, network: str, *, full: bool = False, by: str | None = None) -> dict:
    """Enqueue a "harvest now" for the scheduler (the dashboard and API call this); returns the row."""
    t = now()
    with store.write() as conn:
        upsert(conn, SCHEDULES, [dict(network=network, requested_at=t, requested_by=by, requested_full=full)], ("network",))
        row = conn.execute(select(SCHEDULES).where(SCHEDULES.c.network == network)).one()
    return dict(row._mapping)


#: How long a "harvest now" may wait unclaimed before the dashboard says no scheduler is running.
REQUEST_STALE = timedelta(minutes=2)
