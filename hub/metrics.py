"""Prometheus metrics of a deployment: what the web process measures itself, and what the store knows.

Two sources, because the work happens in more than one process and on more than one host:
- request counts and latencies (search, the API, pages) are measured in the web process that served
  them (`observe_request`); under gunicorn set PROMETHEUS_MULTIPROC_DIR so every worker's figures
  are summed (prometheus_client's multiprocess mode);
- harvests, pushed batches and evaluations run in CLI, scheduler and worker processes, possibly on
  other machines, and each leaves a row in the store. `StoreCollector` reads those rows at scrape time,
  so any web process reports the figures of the whole deployment, whoever did the work.
"""

from __future__ import annotations

import logging
import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from hub.queue import queue_class
from hub.store.models import Evaluation, EvaluationRequest, HarvestJob, Instrument

log = logging.getLogger(__name__)

_JOBS, _I, _E, _ER = HarvestJob.__table__, Instrument.__table__, Evaluation.__table__, EvaluationRequest.__table__

#: The outcome columns of a job: every record a job saw is one of these but `withdrawn`, which counts
#: the tombstones it made, by deletion or by absence (see hub.harvest.jobs.Counts).
OUTCOMES = ("created", "updated", "unchanged", "withdrawn", "rejected", "deleted", "not_found")

#: Request latency buckets (seconds): the catalogue's targets are p50 ≤ 30 ms and p95 ≤ 100 ms.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Job duration buckets (seconds): a small pushed batch takes under a second, a full harvest hours.
JOB_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600)


class RequestMetrics:
    """Counters and latencies of the requests one web process serves, by endpoint."""

    def __init__(self, registry: CollectorRegistry | None):
        self.requests = Counter(
            "hub_http_requests", "HTTP requests served, by endpoint and status class", ["endpoint", "status"], registry=registry
        )
        self.latency = Histogram(
            "hub_http_request_duration_seconds",
            "Time to answer a request, by endpoint",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, f"{status // 100}xx").inc()
        self.latency.labels(endpoint).observe(seconds)


class StoreCollector:
    """Figures of the whole deployment, read from the store at each scrape."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        # A store that does not answer must not fail the scrape: the web process's own request
        # counters (its 5xx above all) are what an operator reads during a database outage.
        up = GaugeMetricFamily("hub_store_up", "1 when the store answered this scrape, 0 when it did not (its figures are left out)")
        try:
            families = self._read()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("metrics: the store did not answer: %s", str(exc).splitlines()[0])
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> tuple:
        # Finished jobs alone: a counter must never go down, and a running job's row leaves `running`.
        jobs = CounterMetricFamily(
            "hub_jobs", "Finished jobs (harvests, pushed batches, remaps), by kind and final state", labels=["kind", "state"]
        )
        running = GaugeMetricFamily("hub_jobs_running", "Jobs running now (harvests, pushed batches, remaps), by kind", labels=["kind"])
        records = CounterMetricFamily("hub_job_records", "Records the jobs handled, by kind and outcome", labels=["kind", "outcome"])
        seconds = CounterMetricFamily("hub_job_seconds", "Wall time of finished jobs, by kind", labels=["kind"])
        evaluations = CounterMetricFamily("hub_evaluations", "Evaluation runs stored, by framework", labels=["framework"])
        active = GaugeMetricFamily("hub_instruments_active", "Instruments listed and not withdrawn, by network", labels=["network"])
        latency = HistogramMetricFamily(
            "hub_job_duration_seconds", "Wall time of finished jobs (harvests, pushed batches, remaps), by kind", labels=["kind"]
        )
        evaluation_latency = HistogramMetricFamily(
            "hub_evaluation_duration_seconds",
            "Wall time of evaluation runs asked for through the API (run by the job queue), by outcome",
            labels=["state"],
        )
        queued = GaugeMetricFamily(
            "hub_queue_jobs", "Jobs of the job queue (PostgreSQL: hub worker), by task and status", labels=["task", "status"]
        )
        with self.store.read() as conn:
            sums = [func.coalesce(func.sum(_JOBS.c[o]), 0) for o in OUTCOMES]
            for kind, state, n, *outcome_sums in conn.execute(
                select(_JOBS.c.kind, _JOBS.c.state, func.count(), *sums).group_by(_JOBS.c.kind, _JOBS.c.state)
            ):
                (running.add_metric([kind], n) if state == "running" else jobs.add_metric([kind, state], n))
                for outcome, total in zip(OUTCOMES, outcome_sums):
                    records.add_metric([kind, outcome], int(total))
            for kind, (buckets, total) in _histograms(conn, _JOBS, _JOBS.c.kind).items():
                seconds.add_metric([kind], total)
                latency.add_metric([kind], buckets, total)
            for state, (buckets, total) in _histograms(conn, _ER, _ER.c.state).items():
                evaluation_latency.add_metric([state], buckets, total)
            for task, status, n in queue_class(conn.dialect.name).stored_jobs(conn):
                queued.add_metric([task, status], n)
            for framework, n in conn.execute(select(_E.c.framework, func.count()).group_by(_E.c.framework)):
                evaluations.add_metric([framework], n)
            for network, n in conn.execute(select(_I.c.network, func.count()).where(_I.c.withdrawn_at.is_(None)).group_by(_I.c.network)):
                active.add_metric([network], n)
        return (jobs, running, records, seconds, latency, evaluations, evaluation_latency, active, queued)


def _epoch_seconds(finished, started):
    return func.extract("epoch", finished - started)


#: The wall seconds between two timestamp columns, by dialect (others: EXTRACT(EPOCH …), as PostgreSQL).
#: SQLite keeps timestamps as text.
SECONDS_BETWEEN = {"sqlite": lambda finished, started: (func.julianday(finished) - func.julianday(started)) * 86400.0}


def _histograms(conn, table, group) -> dict[str, tuple[list[tuple[str, int]], float]]:
    """Per value of `group`, the Prometheus histogram (cumulative buckets of JOB_BUCKETS, +Inf last)
    and the summed seconds of `table`'s finished rows, counted in the database: reading every row's
    times into Python made a scrape cost 0.3 s at 100,000 finished jobs and 2 s at 700,000."""
    between = SECONDS_BETWEEN.get(conn.dialect.name, _epoch_seconds)(table.c.finished_at, table.c.started_at)
    finished = (table.c.finished_at.is_not(None), table.c.started_at.is_not(None))
    # Each row's seconds computed once (materialised), not once per bucket: SQLite parses the text
    # timestamps again for every expression that names them.
    rows = select(group.label("key"), between.label("s")).where(*finished).cte("finished").prefix_with("MATERIALIZED")
    wall = case((rows.c.s < 0, 0.0), else_=rows.c.s)  # clocks of different hosts
    counted = [func.count(), func.coalesce(func.sum(wall), 0.0), *(func.sum(case((wall <= b, 1), else_=0)) for b in JOB_BUCKETS)]
    out = {}
    for key, n, total, *cumulative in conn.execute(select(rows.c.key, *counted).group_by(rows.c.key)):
        out[key] = ([*((str(float(b)), int(c)) for b, c in zip(JOB_BUCKETS, cumulative)), ("+Inf", n)], float(total))
    return out


def build_registry(store) -> tuple[CollectorRegistry, RequestMetrics]:
    """The registry `/metrics` exposes: this process's requests (or all workers' in multiprocess
    mode) and the store's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        requests = RequestMetrics(None)  # written to the shared directory, read back by the collector
    else:
        requests = RequestMetrics(registry)
    registry.register(StoreCollector(store))
    return registry, requests


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
