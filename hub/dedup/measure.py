"""Pair precision and recall of duplicate resolution against the simulator's truth
(`hub.simulate.crosslist.same_instrument`). Used by the test and by `tests/bench/bench_dedup.py`.

Records are taken straight from the simulator, written as the store holds them after mapping (value
in yuan from the network's unit, a slipped value dropped as the plausibility check drops it, the
date at the precision served), so hundreds of thousands can be resolved without a harvest.
"""

from __future__ import annotations

from itertools import combinations

from hub.dedup.features import Rec, rec_from_row

#: the networks the cross-listing links join (sources and targets of `crosslist.csv`)
LINKED = ("370000", "410000", "420000", "430000", "220000", "130000", "120000")


def sim_recs(codes=LINKED, seed: int = 1, scale: float = 1.0) -> list[Rec]:
    from hub.simulate.generator import network_data
    from hub.simulate.network_table import spec_for

    out = []
    for code in codes:
        spec = spec_for(code)
        data = network_data(spec, seed, scale)
        for i in range(data.n):
            out.append(rec_from_row(sim_row(code, spec, data.record(i))))
    return out


def sim_row(code, spec, rec) -> dict:
    written = rec.written_value(spec.value_unit)
    value = None
    if written is not None and not rec.value_slip:
        value = round(written * 10000) if spec.value_unit == "wanyuan" else written
    date = None
    if rec.date_given:
        date = rec.commissioned.isoformat()
        if rec.q and rec.q[2] < spec.purchase_month_share:
            date = date[:7]
    return {
        "id": f"{code}:{rec.index}",
        "network": code,
        "owner_name": rec.unit.name,
        "owner_credit_code": rec.unit.credit_code,
        "category": rec.category,
        "model": rec.model,
        "name": rec.name,
        "original_value": value,
        "commissioned": date,
    }


def truth_pairs(codes=LINKED, seed: int = 1, scale: float = 1.0) -> set[tuple[str, str]]:
    from hub.simulate.crosslist import same_instrument

    out = set()
    for cluster in same_instrument(codes, seed, scale):
        ids = sorted(f"{c}:{i}" for c, i in cluster)
        out.update(combinations(ids, 2))
    return out


def predicted_pairs(clusters: dict[str, list[str]]) -> set[tuple[str, str]]:
    out = set()
    for ids in clusters.values():
        if len(ids) > 1:
            out.update(combinations(sorted(ids), 2))
    return out


def precision_recall(predicted: set, truth: set) -> tuple[float, float]:
    hit = len(predicted & truth)
    return (hit / len(predicted) if predicted else 1.0, hit / len(truth) if truth else 1.0)
