"""Network metrics: named, documented, pure functions of one network's snapshot.

A metric reads a `Snapshot` (the network's listed instruments, its service statistics for the
period, and its harvest jobs within the window, loaded by `hub.evaluation.snapshot`) and returns a
number, or None when the snapshot holds nothing to compute it from (which the framework's
missing-data policy then handles). Each declares what it `uses` — instruments, stats or jobs — so the
report can trace every value to the records and jobs it came from.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from hub.evaluation.registry import MethodRegistry

METRICS = MethodRegistry("metric")

#: Annual hours an instrument is expected to run (national rule: utilisation = effective hours ÷ 1,600).
NOMINAL_HOURS = 1600.0

#: Fields whose presence makes a record complete enough for a user to find, judge and book the
#: instrument (the NRII reporting model's identity, value, place, description, state and contact).
KEY_FIELDS = (
    "name",
    "category",
    "model",
    "manufacturer",
    "original_value",
    "commissioned",
    "owner_id",
    "province_code",
    "city_code",
    "address",
    "specs",
    "functions",
    "services",
    "fee_text",
    "booking_url",
    "contact_phone",
    "status",
    "sharing",
)


@dataclass
class Snapshot:
    """What the store holds about one network for an evaluation period (plain data, no connection)."""

    network: str
    instruments: list[dict] = field(default_factory=list)
    stats: list[dict] = field(default_factory=list)
    jobs: list[dict] = field(default_factory=list)
    as_of: datetime | None = None
    #: Health probes of the window (hub.ops.probes: network, at, ok, latency_ms, kind), oldest first.
    probes: list[dict] = field(default_factory=list)


def _ratio(num, den, scale=1.0):
    return None if not den else num / den * scale


def _sum(rows, key):
    return sum(float(r[key]) for r in rows if r.get(key) is not None)


def _filled(value):
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def _reported(rows, key):
    return [r for r in rows if r.get(key) is not None]


@METRICS.register("instruments", uses="instruments", unit="instruments")
def instruments(s: Snapshot):
    """Instruments listed: the network's instruments not withdrawn at the evaluation date."""
    return float(len(s.instruments))


@METRICS.register("total_value", uses="instruments", unit="yuan")
def total_value(s: Snapshot):
    """Total original value of the listed instruments, in yuan (instruments without a value count 0)."""
    return _sum(s.instruments, "original_value") if s.instruments else None


@METRICS.register("hours_per_instrument", uses="stats", unit="hours")
def hours_per_instrument(s: Snapshot):
    """Effective hours per instrument: Σ effective hours ÷ instruments reporting effective hours for the period."""
    rows = _reported(s.stats, "effective_hours")
    return _ratio(_sum(rows, "effective_hours"), len(rows))


@METRICS.register("utilisation", uses="stats", unit="share")
def utilisation(s: Snapshot):
    """Utilisation: effective hours per instrument ÷ 1,600 h (the national rule)."""
    h = hours_per_instrument(s)
    return None if h is None else h / NOMINAL_HOURS


@METRICS.register("external_hours_share", uses="stats", unit="share")
def external_hours_share(s: Snapshot):
    """External share of hours (the sharing rate): Σ external hours ÷ Σ effective hours."""
    rows = [r for r in s.stats if r.get("effective_hours") is not None and r.get("external_hours") is not None]
    return _ratio(_sum(rows, "external_hours"), _sum(rows, "effective_hours"))


@METRICS.register("external_services_per_100", uses="stats", unit="services per 100 instruments")
def external_services_per_100(s: Snapshot):
    """External services per 100 listed instruments in the period."""
    return _ratio(_sum(s.stats, "external_services"), len(s.instruments), 100.0)


@METRICS.register("enterprise_share", uses="stats", unit="share")
def enterprise_share(s: Snapshot):
    """Enterprise share of external services: Σ enterprise services ÷ Σ external services."""
    rows = [r for r in s.stats if r.get("external_services") is not None and r.get("enterprise_services") is not None]
    return _ratio(_sum(rows, "enterprise_services"), _sum(rows, "external_services"))


@METRICS.register("samples_per_instrument", uses="stats", unit="samples")
def samples_per_instrument(s: Snapshot):
    """Samples per instrument: Σ samples ÷ instruments reporting samples for the period."""
    rows = _reported(s.stats, "samples")
    return _ratio(_sum(rows, "samples"), len(rows))


@METRICS.register("appraised_instruments", uses="stats", unit="instruments")
def appraised_instruments(s: Snapshot):
    """Instruments appraised: instruments with service statistics for the period."""
    return float(len(s.stats)) if s.stats else None


@METRICS.register("effective_hours", uses="stats", unit="hours")
def effective_hours(s: Snapshot):
    """Effective hours of use in the period, summed over the instruments reporting them."""
    rows = _reported(s.stats, "effective_hours")
    return _sum(rows, "effective_hours") if rows else None


@METRICS.register("external_services", uses="stats", unit="services")
def external_services(s: Snapshot):
    """External services in the period, summed over the instruments reporting them."""
    rows = _reported(s.stats, "external_services")
    return _sum(rows, "external_services") if rows else None


@METRICS.register("samples", uses="stats", unit="samples")
def samples(s: Snapshot):
    """Samples tested in the period, summed over the instruments reporting them."""
    rows = _reported(s.stats, "samples")
    return _sum(rows, "samples") if rows else None


@METRICS.register("external_sample_share", uses="stats", unit="share")
def external_sample_share(s: Snapshot):
    """External share of samples: Σ external samples ÷ Σ samples (instruments reporting both)."""
    rows = [r for r in s.stats if r.get("samples") is not None and r.get("external_samples") is not None]
    return _ratio(_sum(rows, "external_samples"), _sum(rows, "samples"))


@METRICS.register("completeness", uses="instruments", unit="share")
def completeness(s: Snapshot):
    """Record completeness: share of the key fields (see KEY_FIELDS) filled, over all listed instruments."""
    if not s.instruments:
        return None
    filled = sum(_filled(r.get(f)) for r in s.instruments for f in KEY_FIELDS)
    return filled / (len(s.instruments) * len(KEY_FIELDS))


@METRICS.register("likely_duplicate_share", uses="instruments", unit="share")
def likely_duplicate_share(s: Snapshot):
    """Likely duplicates inside the network: share of listed instruments with another record of the
    same owner, model (normalised), value and commissioning date (a lower share is better;
    docs/duplicates.md)."""
    from collections import Counter

    from hub.dedup.features import norm_text

    if not s.instruments:
        return None
    keys = [
        (r.get("owner_id"), norm_text(r.get("model")), str(r.get("original_value")), r.get("commissioned"))
        for r in s.instruments
        if r.get("owner_id") is not None and r.get("model") and r.get("original_value") is not None and r.get("commissioned")
    ]
    counts = Counter(keys)
    return sum(n for n in counts.values() if n > 1) / len(s.instruments)


@METRICS.register("fee_share", uses="instruments", unit="share")
def fee_share(s: Snapshot):
    """Share of listed instruments with a published fee (text or amount)."""
    return _ratio(sum(_filled(r.get("fee_text")) or _filled(r.get("fee_amount")) for r in s.instruments), len(s.instruments))


@METRICS.register("booking_share", uses="instruments", unit="share")
def booking_share(s: Snapshot):
    """Share of listed instruments with a booking URL."""
    return _ratio(sum(_filled(r.get("booking_url")) for r in s.instruments), len(s.instruments))


@METRICS.register("contact_share", uses="instruments", unit="share")
def contact_share(s: Snapshot):
    """Share of listed instruments with a contact phone or e-mail."""
    return _ratio(sum(_filled(r.get("contact_phone")) or _filled(r.get("contact_email")) for r in s.instruments), len(s.instruments))


@METRICS.register("open_share", uses="instruments", unit="share")
def open_share(s: Snapshot):
    """Share of listed instruments open to external users (sharing = external)."""
    return _ratio(sum(r.get("sharing") == "external" for r in s.instruments), len(s.instruments))


@METRICS.register("freshness_days", uses="instruments", unit="days")
def freshness_days(s: Snapshot):
    """Data freshness: median days from the source's last update of a record to the evaluation date
    (records without a source update date are left out). Less is better."""
    if s.as_of is None:
        return None
    ages = [(s.as_of - _aware(r["source_updated"], s.as_of)).total_seconds() / 86400 for r in s.instruments if r.get("source_updated")]
    return float(statistics.median(ages)) if ages else None


def _aware(value, like):
    # SQLite hands back naive datetimes for timezone-aware columns; compare like with like.
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    if value.tzinfo is not None and like.tzinfo is None:
        return value.replace(tzinfo=None)
    return value


def _telemetry(job):
    return job.get("telemetry") or {}


# Availability and latency prefer the health probes (hub.ops.probes): they sample the network all
# year at a steady interval, whereas harvest telemetry only sees the moments a harvest ran. Without
# probes in the window (a store filled by `hub harvest` alone) the harvest telemetry answers.


@METRICS.register("availability", uses="probes", unit="share")
def availability(s: Snapshot):
    """Availability: share of the window's health probes that reached the network; without probes,
    share of the window's harvest requests that succeeded (1 − Σ failed ÷ Σ requests over the jobs' telemetry)."""
    if s.probes:
        return sum(1 for p in s.probes if p["ok"]) / len(s.probes)
    requests = sum(int(_telemetry(j).get("requests") or 0) for j in s.jobs)
    failed = sum(int(_telemetry(j).get("failed") or 0) for j in s.jobs)
    return None if not requests else 1.0 - failed / requests


def _nearest_rank(values, q):
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * q // 100)) - 1]


def _latency(s, key, q):
    if s.probes:
        values = [float(p["latency_ms"]) for p in s.probes if p["ok"] and p.get("latency_ms") is not None]
        return float(_nearest_rank(values, q)) if values else None
    values = [float(v) for j in s.jobs if (v := (_telemetry(j).get("latency_ms") or {}).get(key)) is not None]
    return float(statistics.median(values)) if values else None


@METRICS.register("latency_p50_ms", uses="probes", unit="ms")
def latency_p50_ms(s: Snapshot):
    """Median response latency (ms): of the window's successful health probes; without probes, the
    median of the window's jobs' median latency. Less is better."""
    return _latency(s, "p50", 50)


@METRICS.register("latency_p95_ms", uses="probes", unit="ms")
def latency_p95_ms(s: Snapshot):
    """95th-percentile response latency (ms): of the window's successful health probes; without
    probes, the median of the window's jobs' p95 latency. Less is better."""
    return _latency(s, "p95", 95)


@METRICS.register("rejected_share", uses="jobs", unit="share")
def rejected_share(s: Snapshot):
    """Share of records rejected by validation: Σ rejected ÷ Σ records offered (fetched less deletions)
    over the window's jobs. Less is better."""
    offered = sum(_offered(j) for j in s.jobs)
    return _ratio(sum(int(j.get("rejected") or 0) for j in s.jobs), offered)


def _offered(job: dict) -> int:
    # A deletion is counted in `fetched` (each thing that arrives is accounted for) but is no record
    # to validate: counted as offered, a network that sends its deletions would look cleaner than one
    # that lets the listing withdraw them. A run from before migration 0020 has its deletions
    # unrecorded (NULL): its whole `fetched` counts, as it always did.
    return int(job.get("fetched") or 0) - int(job.get("deleted") or 0) - int(job.get("not_found") or 0)


def compute_metric(name: str, snapshot: Snapshot):
    value = METRICS.get(name).fn(snapshot)
    return None if value is None else float(value)
