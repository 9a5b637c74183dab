"""Service statistics calibrated to published aggregates (`service_calibration.csv`, data only).

Where a province published the totals of a year's appraisal — Shandong 2012: 76 units, 342
instruments, 48,483 external services of which 27,829 (57.4 %) for enterprises, 2,950,000 samples of
which 1,018,045 (34.51 %) external, 937,700 hours — the simulator's statistics for that network and
year are generated so that they add up to exactly those figures (times the simulation's scale):

1. the appraised units are the units owning the most instruments in use that year (ties broken by
   a seeded shuffle), and each appraised unit reports at least one instrument;
   (a small-scale simulation, where units own one instrument or two, takes more units until the
   scaled number of instruments fits);
2. each appraised instrument gets the network's usual random profile (`NetworkData.raw_stats`);
3. every total is then split over the instruments in proportion to that profile by the
   largest-remainder method (hub.apportion), so the sums are exact and whole.
Other networks and years are untouched.
"""

from __future__ import annotations

import csv
import random
from functools import lru_cache
from pathlib import Path

from hub.apportion import apportion

TABLE = Path(__file__).with_name("service_calibration.csv")
#: Hours one instrument can report in a year (the generator's own ceiling; a year has 8,760).
MAX_HOURS = 8000
TOTALS = ("units", "instruments", "hours", "external_services", "enterprise_services", "samples", "external_samples")


@lru_cache(maxsize=1)
def targets() -> dict[tuple[str, int], dict[str, int]]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return {(row["code"], int(row["year"])): {k: int(row[k]) for k in TOTALS} for row in csv.DictReader(f)}


def scaled(code: str, year: int, scale: float) -> dict[str, int] | None:
    t = targets().get((code, year))
    if t is None:
        return None
    return {k: max(1, round(v * scale)) for k, v in t.items()}


def calibrate(data, year: int, target: dict[str, int]) -> dict:
    """index -> ServiceStats for the appraised instruments of `data` (a NetworkData) in `year`."""
    from hub.simulate.generator import ServiceStats

    by_unit: dict[int, list[int]] = {}
    for i in range(data.n):
        rec = data.record(i)
        if rec.commissioned.year <= year:
            by_unit.setdefault(rec.unit.number, []).append(i)
    shuffle = random.Random(f"{data.seed}:{data.spec.code}:{year}:calibration")
    ordered = sorted(by_unit, key=lambda u: (-len(by_unit[u]), shuffle.random()))
    units = ordered[: target["units"]]
    # A small-scale simulation keeps every unit but few instruments: take more units until the
    # instruments fit (the figures are exact at scale 1, where they always fit).
    while sum(len(by_unit[u]) for u in units) < target["instruments"] and len(units) < len(ordered):
        units.append(ordered[len(units)])
    # one instrument per appraised unit first, then the rest drawn from the same units' instruments
    chosen = [shuffle.choice(by_unit[u]) for u in units]
    first = set(chosen)
    pool = [i for u in units for i in by_unit[u] if i not in first]
    shuffle.shuffle(pool)
    chosen = sorted(chosen + pool[: max(0, target["instruments"] - len(chosen))])

    raw = [data.raw_stats(i, year) for i in chosen]
    hours = apportion(
        target["hours"], [r.hours for r in raw], caps=[MAX_HOURS] * len(raw) if MAX_HOURS * len(raw) >= target["hours"] else None
    )
    services = apportion(target["external_services"], [max(r.external_services, 0.5) for r in raw])
    enterprise = apportion(
        target["enterprise_services"],
        [s * (r.enterprise_services / max(r.external_services, 1) or 0.05) for s, r in zip(services, raw)],
        caps=services,
    )
    samples = apportion(target["samples"], [r.samples for r in raw])
    external = apportion(
        target["external_samples"], [s * max(r.external_samples / r.samples, 0.02) for s, r in zip(samples, raw)], caps=samples
    )
    out = {}
    for k, i in enumerate(chosen):
        r = raw[k]
        ext_hours = min(hours[k], round(hours[k] * r.external_hours / r.hours))
        out[i] = ServiceStats(i, year, hours[k], ext_hours, services[k], enterprise[k], samples[k], external[k], r.income)
    return out
