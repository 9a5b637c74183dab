"""What the harvest dashboard shows, read from the store as plain dicts (the web layer only renders).

Per network: the last run (a harvest, or a pushed network's batch: state, counts, message), the next run and any pending "harvest now",
who holds its lease, 30-day availability and latency from the probes, open alerts, held withdrawals;
and, per network, its runs (a pushed batch's with its batch id), its skipped records (with raw
excerpts) a page at a time, and the daily probe series the charts draw. The holds decided since are
`hub.feed.holds.decided_holds`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from hub.feed.models import BATCHES
from hub.harvest.jobs import COUNTS, JOBS, as_utc, changes_catalogue, now
from hub.harvest.lease import LEASES
from hub.ops import probes
from hub.ops.alerts import ALERTS
from hub.paging import paged
from hub.store.models import NetworkSchedule, RecordErrorRow, WithdrawalHold

SCHEDULES = NetworkSchedule.__table__
ERRORS = RecordErrorRow.__table__
HOLDS = WithdrawalHold.__table__
CHART_DAYS = 30


def _job(row) -> dict:
    d = {k: row._mapping[k] for k in ("id", "kind", "state", "started_at", "finished_at", "heartbeat_at", "message", "pid", "host", "year")}
    d["counts"] = {k: row._mapping[k] for k in COUNTS}
    return d


def overview(conn, networks, *, at: datetime | None = None) -> list[dict]:
    at = at or now()
    since = at - timedelta(days=CHART_DAYS)
    schedules = {r.network: r for r in conn.execute(select(SCHEDULES))}
    leases = {r.network: r for r in conn.execute(select(LEASES).where(LEASES.c.expires_at >= at))}
    alerts = dict(conn.execute(select(ALERTS.c.network, func.count()).where(ALERTS.c.closed_at.is_(None)).group_by(ALERTS.c.network)).all())
    held = dict(conn.execute(select(HOLDS.c.network, func.count()).where(HOLDS.c.state == "held").group_by(HOLDS.c.network)).all())
    out = []
    for n in networks:
        last = conn.execute(
            select(JOBS)
            # A network's last run is its last harvest or push of instruments, as on /networks: a later
            # fetch of service statistics (most networks' latest job) hid it and its rejections.
            .where(JOBS.c.network == n.code, changes_catalogue())
            .order_by(JOBS.c.started_at.desc(), JOBS.c.id.desc())
            .limit(1)
        ).first()
        window = probes.load(conn, n.code, since, at)
        s, lease = schedules.get(n.code), leases.get(n.code)
        out.append(
            dict(
                code=n.code,
                name=n.name,
                family=n.family,
                pulled=n.pulled,
                enabled=n.enabled,
                last_run=_job(last) if last else None,
                schedule=(s.trigger if s else None),
                next_run=(s.next_run if s else None),
                requested_at=(s.requested_at if s else None),
                requested_by=(s.requested_by if s else None),
                lease=dict(holder=lease.holder, purpose=lease.purpose, acquired_at=lease.acquired_at) if lease else None,
                probes_30d=len(window),
                availability_30d=probes.availability(window),
                latency_p50_30d_ms=probes.latency(window, 50),
                open_alerts=alerts.get(n.code, 0),
                held_withdrawals=held.get(n.code, 0),
            )
        )
    return out


def runs(conn, code: str, limit: int = 20) -> list[dict]:
    """The network's latest runs, newest first; a pushed batch's run names its batch (`batch_id`)."""
    latest = select(JOBS).where(JOBS.c.network == code).order_by(JOBS.c.started_at.desc(), JOBS.c.id.desc()).limit(limit)
    rows = [_job(r) for r in conn.execute(latest)]
    # push_batches has no index on job_id: the few jobs are looked up among the network's batches.
    of_jobs = select(BATCHES.c.job_id, BATCHES.c.id).where(BATCHES.c.network == code, BATCHES.c.job_id.in_([r["id"] for r in rows]))
    batches = dict(conn.execute(of_jobs).all()) if rows else {}
    return [dict(r, batch_id=batches.get(r["id"])) for r in rows]


def errors(conn, code: str, *, page: int = 1, per_page: int = 50, job_id: int | None = None) -> dict:
    """Skipped records and dropped values of `code`, newest first, a page at a time."""
    where = [ERRORS.c.network == code] + ([ERRORS.c.job_id == job_id] if job_id is not None else [])
    total = conn.execute(select(func.count()).select_from(ERRORS).where(*where)).scalar_one()
    rows = conn.execute(
        select(
            ERRORS.c.id,
            ERRORS.c.job_id,
            ERRORS.c.batch_id,
            ERRORS.c.source_id,
            ERRORS.c.field,
            ERRORS.c.severity,
            ERRORS.c.message,
            ERRORS.c.raw_excerpt,
            ERRORS.c.created_at,
        )
        .where(*where)
        .order_by(ERRORS.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return paged(total, page, per_page, [dict(r._mapping) for r in rows])


def probe_series(conn, code: str, *, at: datetime | None = None, days: int = CHART_DAYS) -> list[dict]:
    at = at or now()
    first = (at - timedelta(days=days - 1)).date()
    day_list = [first + timedelta(days=i) for i in range(days)]
    start = datetime.combine(first, datetime.min.time(), tzinfo=at.tzinfo)
    return probes.daily(probes.load(conn, code, start, at), day_list)


def held_withdrawals(conn) -> list[dict]:
    rows = conn.execute(select(HOLDS).where(HOLDS.c.state == "held").order_by(HOLDS.c.id.desc()))
    return [dict(r._mapping, count=len(r.instrument_ids or [])) for r in rows]


def jsonable(value):
    """Datetimes as ISO 8601 UTC, recursively (the JSON API's form)."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
