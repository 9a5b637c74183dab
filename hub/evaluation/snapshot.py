"""Read one snapshot per network from the store for an evaluation period (the I/O edge of metrics).

- instruments: listed at the evaluation date `as_of` (first seen by then, not withdrawn by then);
- service statistics: the rows for the period's year;
- harvest jobs (pulls and pushed batches): started within the window (as_of − N days, as_of];
- health probes (hub.ops.probes): taken within the same window.
`as_of` defaults to the end of the store's latest job or probe (or latest sighting of an instrument),
never the wall clock, so the same store gives the same report. Each metric's provenance (the ids of the jobs
and batches, the number of records used, the window) comes back alongside, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, inspect, select

from hub.evaluation.metrics import KEY_FIELDS, METRICS, Snapshot
from hub.store.models import HarvestJob, Instrument, Network, Probe, ServiceStats

INSTRUMENT_COLUMNS = sorted(
    set(KEY_FIELDS)
    | {"id", "network", "fee_amount", "contact_email", "source_updated", "first_seen", "withdrawn_at", "last_job_id", "last_batch_id"}
)
STATS_COLUMNS = [
    "instrument_id",
    "effective_hours",
    "external_hours",
    "external_services",
    "enterprise_services",
    "samples",
    "external_samples",
    "job_id",
]
JOB_COLUMNS = ["id", "network", "kind", "state", "started_at", "finished_at", "fetched", "rejected", "deleted", "not_found", "telemetry"]


def utc(value: datetime | None) -> datetime | None:
    """Stored datetimes as aware UTC (SQLite hands them back naive; they were written in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso(value: datetime | None) -> str | None:
    return None if value is None else utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Window:
    period: int
    as_of: datetime | None
    start: datetime | None
    days: int

    def describe(self) -> dict:
        return {
            "service_year": self.period,
            "as_of": iso(self.as_of),
            "jobs_from": iso(self.start),
            "jobs_to": iso(self.as_of),
            "days": self.days,
            "rule": "instruments listed at as_of; service statistics of service_year; jobs started in (jobs_from, jobs_to]",
        }


def load_snapshots(store, period: int, window_days: int = 365, as_of: datetime | None = None):
    """-> (snapshots by network code, network names, trace by code and metric, Window)."""
    with store.read() as conn:
        if not inspect(conn).has_table("instruments"):
            from hub.evaluation.engine import EvaluationError

            raise EvaluationError(f"the store at {store.url} has no tables yet; run `hub init` (and a harvest) first")
        names = {r.code: r.name for r in conn.execute(select(Network.code, Network.name))}
        instruments = [dict(r._mapping) for r in conn.execute(select(*[getattr(Instrument, c) for c in INSTRUMENT_COLUMNS]))]
        stats = [
            dict(r._mapping)
            for r in conn.execute(
                select(ServiceStats.network, *[getattr(ServiceStats, c) for c in STATS_COLUMNS]).where(ServiceStats.year == period)
            )
        ]
        jobs = [dict(r._mapping) for r in conn.execute(select(*[getattr(HarvestJob, c) for c in JOB_COLUMNS]))]
        # Stores migrated before 0004 have no probes table: the metrics then read harvest telemetry.
        has_probes = inspect(conn).has_table("probes")
        last_probe = utc(conn.execute(select(func.max(Probe.at))).scalar()) if has_probes else None
    for row in instruments:
        for k in ("source_updated", "first_seen", "withdrawn_at"):
            row[k] = utc(row[k])
    for job in jobs:
        job["started_at"], job["finished_at"] = utc(job["started_at"]), utc(job["finished_at"])

    if as_of is None:
        ends = [j["finished_at"] or j["started_at"] for j in jobs] + ([last_probe] if last_probe else [])
        ends = ends or [r["first_seen"] for r in instruments if r["first_seen"]]
        as_of = max(ends) if ends else None
    else:
        as_of = utc(as_of)
    start = as_of - timedelta(days=window_days) if as_of else None
    window = Window(period, as_of, start, window_days)
    probes = []
    if has_probes and as_of is not None:
        with store.read() as conn:
            probes = [
                dict(r._mapping)
                for r in conn.execute(
                    select(Probe.network, Probe.at, Probe.ok, Probe.latency_ms, Probe.kind)
                    .where(Probe.at > start, Probe.at <= as_of)
                    .order_by(Probe.at, Probe.id)
                )
            ]

    codes = sorted(
        set(names)
        | {r["network"] for r in instruments}
        | {r["network"] for r in stats}
        | {j["network"] for j in jobs}
        | {p["network"] for p in probes}
    )
    snaps = {c: Snapshot(c, as_of=as_of) for c in codes}
    for row in instruments:
        listed = as_of is None or (
            (row["first_seen"] is None or row["first_seen"] <= as_of) and (row["withdrawn_at"] is None or row["withdrawn_at"] > as_of)
        )
        if listed:
            snaps[row["network"]].instruments.append(row)
    for row in stats:
        snaps[row["network"]].stats.append(row)
    for job in jobs:
        if as_of is not None and start < job["started_at"] <= as_of:
            snaps[job["network"]].jobs.append(job)
    for p in probes:
        p["at"] = utc(p["at"])
        snaps[p["network"]].probes.append(p)
    for s in snaps.values():
        s.instruments.sort(key=lambda r: r["id"])
        s.stats.sort(key=lambda r: r["instrument_id"])
        s.jobs.sort(key=lambda j: j["id"])
    trace = {c: {m.name: provenance(m.meta["uses"], s) for m in METRICS.entries()} for c, s in snaps.items()}
    return snaps, names, trace, window


def _ids(values):
    return sorted({v for v in values if v is not None})


def provenance(uses: str, s: Snapshot) -> dict:
    """Where a metric's value came from: the records and the jobs / pushed batches behind them."""
    if uses == "instruments":
        return {
            "uses": "instruments",
            "records": len(s.instruments),
            "jobs": _ids(r["last_job_id"] for r in s.instruments),
            "batches": _ids(r["last_batch_id"] for r in s.instruments),
        }
    if uses == "stats":
        return {"uses": "service_stats", "records": len(s.stats), "jobs": _ids(r["job_id"] for r in s.stats)}
    if uses == "probes" and s.probes:
        return {
            "uses": "probes",
            "probes": len(s.probes),
            "failed": sum(1 for p in s.probes if not p["ok"]),
            "from": iso(s.probes[0]["at"]),
            "to": iso(s.probes[-1]["at"]),
        }
    return {
        "uses": "harvest_jobs",
        "records": sum(int(j["fetched"] or 0) for j in s.jobs),
        "jobs": [j["id"] for j in s.jobs],
        "requests": sum(int((j["telemetry"] or {}).get("requests") or 0) for j in s.jobs),
    }


def stats_years(store, network: str | None = None) -> list[int]:
    """The years the store holds service statistics for (of one network, or of any)."""
    query = select(ServiceStats.year).distinct().order_by(ServiceStats.year)
    if network is not None:
        query = query.where(ServiceStats.network == network)
    with store.read() as conn:
        return [int(y) for (y,) in conn.execute(query)]
