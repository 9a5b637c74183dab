"""Health probes: one light request to each pulled network, recorded apart from harvests.

A probe calls the connector's `probe()` (sdyq-xml: the head of the export; hbkx-json: a login;
yqlm-html: listing page 1) with short timeouts and no retries — a probe measures the network, it does
not try hard to get through. Every probe is a row in `probes` (network, at, ok, latency, kind,
message). `availability` and `latency` answer for any period; the evaluation's network-environment
metrics read the same rows (`hub.evaluation.snapshot`).

The time a probe is recorded under comes from a clock the caller may pass (`at=`), so tests and
back-fills place probes in a period without waiting for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from connectors import connector_class
from hub.errors import ConnectorError
from hub.harvest.jobs import as_utc, now
from hub.http import HttpClient
from hub.store.models import Probe
from hub.telemetry import percentile

log = logging.getLogger(__name__)
PROBES = Probe.__table__
#: Longest message kept per probe (an HTML error page says nothing more after this).
MESSAGE_CHARS = 500


@dataclass(frozen=True)
class ProbeResult:
    network: str
    at: datetime
    ok: bool
    latency_ms: float | None
    kind: str
    message: str | None = None

    def row(self) -> dict:
        return dict(network=self.network, at=self.at, ok=self.ok, latency_ms=self.latency_ms, kind=self.kind, message=self.message)


def probe_http_settings(settings) -> dict:
    timeout = settings.operations["probe_timeout_seconds"]
    return dict(
        settings.http,
        connect_timeout=min(timeout, settings.http["connect_timeout"]),
        read_timeout=timeout,
        max_retries=0,
        max_retry_after=0,
    )


def probe_network(network, settings, *, at: datetime | None = None, http_factory=HttpClient) -> ProbeResult:
    """Probe one network once; unreachable is a result (ok False, kind from the ConnectorError), not an error."""
    at = at or now()
    http = http_factory(network.code, probe_http_settings(settings))
    started = time.perf_counter()
    try:
        connector_class(network.family)(network, http).probe()
        return ProbeResult(network.code, at, True, round((time.perf_counter() - started) * 1000, 1), "ok")
    except ConnectorError as exc:
        return ProbeResult(network.code, at, False, None, exc.kind or "error", str(exc)[:MESSAGE_CHARS])
    except Exception as exc:  # a connector bug must not stop the other probes; it is recorded like an outage
        log.exception("probe of network %s failed unexpectedly", network.code)
        return ProbeResult(network.code, at, False, None, "error", f"{type(exc).__name__}: {exc}"[:MESSAGE_CHARS])
    finally:
        http.close()


def record(store, results) -> None:
    rows = [r.row() for r in results]
    if rows:
        with store.write() as conn:
            conn.execute(insert(PROBES), rows)


def probe_all(store, registry, settings, *, at: datetime | None = None, http_factory=HttpClient) -> list[ProbeResult]:
    """Probe every enabled pulled network once and record the results under one time."""
    at = at or now()
    results = [probe_network(n, settings, at=at, http_factory=http_factory) for n in registry if n.pulled and n.enabled]
    record(store, results)
    return results


# --------------------------------------------------------------------------- reading them back


def load(conn, network: str | None, start: datetime, end: datetime) -> list[dict]:
    """Probes in (start, end], oldest first."""
    q = select(PROBES.c.network, PROBES.c.at, PROBES.c.ok, PROBES.c.latency_ms, PROBES.c.kind).where(
        PROBES.c.at > start, PROBES.c.at <= end
    )
    if network is not None:
        q = q.where(PROBES.c.network == network)
    rows = [dict(r._mapping) for r in conn.execute(q.order_by(PROBES.c.at, PROBES.c.id))]
    for r in rows:
        r["at"] = as_utc(r["at"])
    return rows


def availability(probes: list[dict]) -> float | None:
    """Share of probes that reached the network (None without probes)."""
    return sum(1 for p in probes if p["ok"]) / len(probes) if probes else None


def latency(probes: list[dict], q: float = 50) -> float | None:
    """The q-th percentile latency (ms) of the probes that got through."""
    values = [float(p["latency_ms"]) for p in probes if p["ok"] and p["latency_ms"] is not None]
    return percentile(values, q)


def daily(probes: list[dict], days: list) -> list[dict]:
    """Per UTC day: probes, availability, p50 and p95 latency (for the dashboard's charts)."""
    by_day: dict = {d: [] for d in days}
    for p in probes:
        by_day.setdefault(p["at"].date(), []).append(p)
    return [
        {"day": d.isoformat(), "probes": len(ps), "availability": availability(ps), "p50_ms": latency(ps, 50), "p95_ms": latency(ps, 95)}
        for d, ps in sorted(by_day.items())
        if d in set(days)
    ]
