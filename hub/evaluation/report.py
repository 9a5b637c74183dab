"""The evaluation report: one dict holding every raw value, normalised value, node score, rank and
rank interval, serialised canonically (sorted keys, floats to 12 significant digits, no timestamps)
so the same inputs and seed give byte-identical `report.json`; and its flat `report.csv`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math

import numpy as np

from hub import __version__
from hub.evaluation.engine import Nominal, UnitData
from hub.evaluation.framework import Framework
from hub.evaluation.inputs import Inputs
from hub.exports.formats import neutralise

FORMAT = "hub-evaluation/1"
SIGNIFICANT = 12


def canonical(obj):
    """Plain JSON values: numpy scalars and arrays unwrapped, floats rounded to SIGNIFICANT digits
    (so the last bits of a sum's order cannot change a byte), NaN and infinities as null."""
    if isinstance(obj, dict):
        return {str(k): canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [canonical(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [canonical(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if not math.isfinite(f):
            return None
        f = float(f"{f:.{SIGNIFICANT}g}")
        return 0.0 if f == 0 else f  # no "-0.0"
    return obj


def to_json_bytes(report: dict) -> bytes:
    return (json.dumps(canonical(report), sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def _rank(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)


def build(fw: Framework, inputs: Inputs, data: UnitData, nom: Nominal, mc: dict | None, *, period, seed, window=None, extras=None) -> dict:
    """The report; `extras` adds whole sections (audit, aggregates, awards, panel) as they are."""
    inds = fw.indicators
    kept_pos = {u: i for i, u in enumerate(u for u, k in zip(data.ids, nom.kept) if k)}
    units = []
    for row, unit in enumerate(data.ids):
        k = kept_pos.get(unit)
        indicators = {}
        for j, node in enumerate(inds):
            entry = {"raw": nom.raw[row, j], "value": nom.value[row, j]}
            if node.denominator is not None:
                entry["denominator"] = nom.denominator[row, j]
            if k is not None:
                entry.update(imputed=bool(nom.imputed[k, j]), treated=nom.treated[k, j], normalised=nom.normalised[k, j])
            indicators[node.id] = entry
        u = {
            "id": unit,
            "label": data.labels[row],
            "availability": nom.availability[row],
            "screened_out": k is None,
            "indicators": indicators,
        }
        if k is not None:
            u["score"] = nom.scores[fw.index][k]
            u["rank"] = _rank(nom.ranks[fw.index][k])
            u["scores"] = {n.id: nom.scores[n.id][k] for n in fw.aggregates}
            u["ranks"] = {n.id: _rank(nom.ranks[n.id][k]) for n in fw.aggregates}
            if mc:
                stats = mc["units"]
                u["uncertainty"] = {name: stats[name][k] for name in stats}
        else:
            u["rank"] = None
        if data.trace:
            u["trace"] = data.trace.get(unit, {})
        units.append(u)
    units.sort(key=lambda u: (u["rank"] is None, u["rank"] or 0, u["id"]))

    nodes = []
    for node in fw.nodes.values():
        d = {
            "id": node.id,
            "name": node.name,
            "parent": node.parent,
            "level": node.level,
            "weight": node.weight,
            "rationale": node.rationale,
            "description": node.description,
        }
        if node.texts:  # only then: a framework in one wording keeps the report it always had
            d["texts"] = node.texts
        if node.is_indicator:
            d.update(
                source=node.source.describe(),
                direction=node.direction,
                transform=node.transform,
                denominator=node.denominator.describe() if node.denominator else None,
                normalise=node.normalise.describe(),
                outliers=node.outliers.describe(),
                missing=node.missing.describe(),
                treatment=nom.treatment.get(node.id),
            )
        else:
            d.update(children=list(node.children), aggregate=node.aggregate.describe())
        nodes.append(d)

    mc_summary = None
    if mc:
        mc_summary = {k: v for k, v in mc.items() if k != "units"}
    report = {
        "format": FORMAT,
        "engine": f"instrument-hub {__version__}",
        "framework": {
            "file": fw.path.name,
            "sha256": fw.sha256,
            "title": fw.title,
            "description": fw.description,
            "index": fw.index,
            "units": fw.units,
            "min_availability": fw.min_availability,
            "network": fw.network,
            **({"texts": fw.texts} if fw.texts else {}),
            **({"rank_decimals": fw.rank_decimals} if fw.rank_decimals is not None else {}),
            **({"include_networks": list(fw.include_networks)} if fw.include_networks else {}),
        },
        "inputs": [t.describe() for t in inputs.tables],
        "period": period,
        "seed": seed,
        "nodes": nodes,
        "units": units,
        "uncertainty": mc_summary,
        "warnings": nom.warnings,
        "counts": {
            "units": len(data.ids),
            "ranked": sum(u["rank"] is not None for u in units),
            "screened_out": int((~nom.kept).sum()),
            "indicators": len(inds),
        },
    }
    if window is not None:
        report["window"] = window.describe()
    report.update(extras or {})
    return report


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cell(v):
    v = canonical(v)
    # Labels and ids are outside data (an input table, owner names a province pushed): a text cell a
    # spreadsheet would run as a formula gets an apostrophe, as in the catalogue's exports. Numbers are
    # not text here, so a negative score stays a number.
    return "" if v is None else neutralise(v)


def to_csv_bytes(report: dict) -> bytes:
    """One row per unit: rank, id, label, index score, rank interval, every node score and every
    normalised indicator value."""
    aggregates = [n["id"] for n in report["nodes"] if "children" in n and n["id"] != report["framework"]["index"]]
    indicators = [n["id"] for n in report["nodes"] if "source" in n]
    header = ["rank", "unit", "label", "score", "median_rank", "rank_p05", "rank_p95", "screened_out", "availability"]
    header += [f"score:{a}" for a in aggregates] + [f"normalised:{i}" for i in indicators] + [f"raw:{i}" for i in indicators]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for u in report["units"]:
        unc = u.get("uncertainty") or {}
        scores = u.get("scores") or {}
        row = [
            u["rank"],
            u["id"],
            u["label"],
            u.get("score"),
            unc.get("median_rank"),
            unc.get("rank_p05"),
            unc.get("rank_p95"),
            u["screened_out"],
            u["availability"],
        ]
        row += [scores.get(a) for a in aggregates]
        row += [u["indicators"][i].get("normalised") for i in indicators]
        row += [u["indicators"][i].get("raw") for i in indicators]
        w.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")
