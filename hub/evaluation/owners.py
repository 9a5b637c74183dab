"""Owner units as the units of an evaluation (`units: owners`): one snapshot per owner unit of a
network, from the store's harvested service statistics.

A unit appraisal (the provinces' performance appraisal of the units that own instruments, e.g.
Shandong 2012: 76 units, 342 instruments) scores the owner units with service statistics for the
period; an owner unit is identified by its unified social credit code, or by the store's own id
where the network gave none. Statistics whose instrument is not in the catalogue, or whose instrument
names no owner, cannot be given to a unit: they are counted and said so in the report's warnings.
The aggregates the provinces publish (units, instruments, services and their enterprise share,
samples and their external share, hours) are summed here from the same rows, exactly.
"""

from __future__ import annotations

from sqlalchemy import select

from hub.evaluation.metrics import METRICS, Snapshot
from hub.evaluation.snapshot import STATS_COLUMNS, Window, provenance
from hub.store.models import Instrument, OwnerUnit, ServiceStats


def owner_key(owner_id: int, credit_code: str | None) -> str:
    return credit_code or f"owner-{owner_id}"


def load_owner_snapshots(store, network: str, period: int):
    """-> (snapshots by owner key, owner names, trace, notes, Window) for one network's period."""
    with store.read() as conn:
        owners = {
            r.id: r for r in conn.execute(select(OwnerUnit.id, OwnerUnit.name, OwnerUnit.credit_code).where(OwnerUnit.network == network))
        }
        instruments = {
            r.id: dict(r._mapping)
            for r in conn.execute(
                select(Instrument.id, Instrument.owner_id, Instrument.last_job_id, Instrument.last_batch_id).where(
                    Instrument.network == network
                )
            )
        }
        stats = [
            dict(r._mapping)
            for r in conn.execute(
                select(*[getattr(ServiceStats, c) for c in STATS_COLUMNS])
                .where(ServiceStats.network == network, ServiceStats.year == period)
                .order_by(ServiceStats.instrument_id)
            )
        ]
    snaps: dict[str, Snapshot] = {}
    names: dict[str, str] = {}
    orphans = {"not in the catalogue": 0, "without an owner unit": 0}
    for row in stats:
        inst = instruments.get(row["instrument_id"])
        if inst is None:
            orphans["not in the catalogue"] += 1
            continue
        owner = owners.get(inst["owner_id"])
        if owner is None:
            orphans["without an owner unit"] += 1
            continue
        key = owner_key(owner.id, owner.credit_code)
        snap = snaps.setdefault(key, Snapshot(key))
        names[key] = owner.name
        snap.stats.append(row)
        snap.instruments.append(inst)
    notes = [
        f"{n} service-statistics rows of {network} for {period} belong to instruments {why}; they are in no unit's figures"
        for why, n in orphans.items()
        if n
    ]
    snaps = dict(sorted(snaps.items()))
    trace = {k: {m.name: provenance(m.meta["uses"], s) for m in METRICS.entries() if m.meta["uses"] == "stats"} for k, s in snaps.items()}
    return snaps, names, trace, notes, Window(period, None, None, 0)


def aggregates(snaps: dict[str, Snapshot]) -> dict:
    """The appraisal's totals as a province publishes them, summed from the appraised rows."""
    rows = [r for s in snaps.values() for r in s.stats]

    def total(key):
        return sum(int(r[key]) if float(r[key]).is_integer() else float(r[key]) for r in rows if r.get(key) is not None)

    services, enterprise = total("external_services"), total("enterprise_services")
    samples, external = total("samples"), total("external_samples")
    return {
        "units": len(snaps),
        "instruments": len(rows),
        "external_services": services,
        "enterprise_services": enterprise,
        "enterprise_share": enterprise / services if services else None,
        "samples": samples,
        "external_samples": external,
        "external_sample_share": external / samples if samples else None,
        "effective_hours": total("effective_hours"),
        "external_hours": total("external_hours"),
    }
