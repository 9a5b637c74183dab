"""Alerts: conditions an operator must see, opened and closed by the scheduler's maintenance tick.

Two kinds, thresholds in `operations.alerts`:
* `failed_runs` — the network's last `failed_runs` harvests (full or incremental) all failed or
  crashed (a run ended by the scheduler's own shutdown does not count). Closed by a succeeded run.
* `unreachable` — every probe since the first failing one after the last good one has failed, for
  at least `unreachable_minutes`. Closed by a probe that gets through.

`decide` is the pure rule; `check_alerts` reads the store, applies the decisions and hands each
opened or closed alert to the notifier (which also logs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update

from hub.harvest.jobs import JOBS, as_utc, now
from hub.ops.notify import deliver
from hub.store.models import Alert, Probe

ALERTS = Alert.__table__
PROBES = Probe.__table__
FAILED_STATES = ("failed", "crashed")
#: Messages of runs the scheduler itself interrupted on shutdown: not the network's failure.
SHUTDOWN_MARK = "interrupted by shutdown"


@dataclass(frozen=True)
class Health:
    """What the store says about one network right now (input of `decide`)."""

    network: str
    recent_runs: list[tuple[str, str | None]]  # (state, message) of finished harvests, newest first
    unreachable_since: datetime | None  # first failing probe after the last good one, if the latest failed


@dataclass(frozen=True)
class Decision:
    action: str  # open | close
    kind: str
    message: str


def _counts_as_failure(state: str, message: str | None) -> bool:
    return state in FAILED_STATES and SHUTDOWN_MARK not in (message or "")


def decide(health: Health, open_kinds: set[str], *, failed_runs: int, unreachable_minutes: int, at: datetime) -> list[Decision]:
    out = []
    runs = [r for r in health.recent_runs if SHUTDOWN_MARK not in (r[1] or "")]
    streak = runs[:failed_runs]
    failing = len(streak) == failed_runs and all(_counts_as_failure(*r) for r in streak)
    if failing and "failed_runs" not in open_kinds:
        last = streak[0][1] or "no message"
        out.append(Decision("open", "failed_runs", f"the last {failed_runs} harvests of network {health.network} failed; latest: {last}"))
    elif not failing and "failed_runs" in open_kinds and runs and runs[0][0] == "succeeded":
        out.append(Decision("close", "failed_runs", f"network {health.network} harvested successfully again"))

    since = health.unreachable_since
    down = since is not None and at - since >= timedelta(minutes=unreachable_minutes)
    if down and "unreachable" not in open_kinds:
        minutes = int((at - since).total_seconds() // 60)
        out.append(
            Decision(
                "open",
                "unreachable",
                f"network {health.network} has been unreachable for {minutes} min (since {since.isoformat(timespec='minutes')})",
            )
        )
    elif since is None and "unreachable" in open_kinds:
        out.append(Decision("close", "unreachable", f"network {health.network} answers probes again"))
    return out


def health_of(conn, network: str, failed_runs: int) -> Health:
    runs = conn.execute(
        select(JOBS.c.state, JOBS.c.message)
        .where(JOBS.c.network == network, JOBS.c.kind.in_(("full", "incremental")), JOBS.c.state != "running")
        .order_by(JOBS.c.started_at.desc(), JOBS.c.id.desc())
        .limit(failed_runs * 3)
    ).all()
    last_ok = conn.execute(select(func.max(PROBES.c.at)).where(PROBES.c.network == network, PROBES.c.ok.is_(True))).scalar()
    q = select(func.min(PROBES.c.at)).where(PROBES.c.network == network, PROBES.c.ok.is_(False))
    if last_ok is not None:
        q = q.where(PROBES.c.at > last_ok)
    first_fail = conn.execute(q).scalar()
    return Health(network, [(r.state, r.message) for r in runs], as_utc(first_fail) if first_fail else None)


def open_alerts(conn, network: str | None = None) -> list[dict]:
    q = select(ALERTS).where(ALERTS.c.closed_at.is_(None)).order_by(ALERTS.c.opened_at.desc())
    if network is not None:
        q = q.where(ALERTS.c.network == network)
    return [dict(r._mapping) for r in conn.execute(q)]


def list_alerts(conn, *, state: str = "open", network: str | None = None, limit: int = 100) -> list[dict]:
    q = select(ALERTS).order_by(ALERTS.c.opened_at.desc(), ALERTS.c.id.desc()).limit(limit)
    if state == "open":
        q = q.where(ALERTS.c.closed_at.is_(None))
    elif state == "closed":
        q = q.where(ALERTS.c.closed_at.is_not(None))
    if network is not None:
        q = q.where(ALERTS.c.network == network)
    return [dict(r._mapping) for r in conn.execute(q)]


def check_alerts(store, networks: list[str], settings, notifier, *, at: datetime | None = None) -> list[dict]:
    """Open and close alerts for `networks`; return the alerts opened or closed (as sent)."""
    at = at or now()
    thresholds = settings.operations["alerts"]
    sent = []
    for code in networks:
        with store.write() as conn:
            current = {a["kind"]: a for a in open_alerts(conn, code)}
            decisions = decide(health_of(conn, code, thresholds["failed_runs"]), set(current), at=at, **thresholds)
            changed = []
            for d in decisions:
                if d.action == "open":
                    alert_id = conn.execute(
                        insert(ALERTS).values(network=code, kind=d.kind, opened_at=at, message=d.message).returning(ALERTS.c.id)
                    ).scalar_one()
                    changed.append(
                        dict(
                            id=alert_id,
                            network=code,
                            kind=d.kind,
                            state="opened",
                            opened_at=at.isoformat(),
                            closed_at=None,
                            message=d.message,
                        )
                    )
                else:
                    alert = current[d.kind]
                    conn.execute(update(ALERTS).where(ALERTS.c.id == alert["id"]).values(closed_at=at))
                    changed.append(
                        dict(
                            id=alert["id"],
                            network=code,
                            kind=d.kind,
                            state="closed",
                            opened_at=as_utc(alert["opened_at"]).isoformat(),
                            closed_at=at.isoformat(),
                            message=d.message,
                        )
                    )
        # Delivered outside the transaction: a slow webhook must not hold the database's write lock.
        for alert in changed:
            note = deliver(notifier, alert)
            with store.write() as conn:
                conn.execute(update(ALERTS).where(ALERTS.c.id == alert["id"]).values(notified=note))
            sent.append(alert)
    return sent
