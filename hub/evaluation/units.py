"""Assemble the units to score and their source values (`UnitData`) for a framework.

`units: inputs` scores the rows of the evaluator's tables; `units: networks` scores the networks in the
store, with metrics computed from a snapshot of each and input-table columns joined on the network
code (rows for networks not in the store are ignored, and said so).
"""

from __future__ import annotations

import numpy as np

from hub.evaluation.engine import UnitData
from hub.evaluation.framework import Framework
from hub.evaluation.inputs import Inputs
from hub.evaluation.metrics import compute_metric
from hub.network_codes import is_provincial


def _sources(fw: Framework):
    seen = []
    for n in fw.indicators:
        for s in (n.source, n.denominator):
            if s is not None and s not in seen:
                seen.append(s)
    return seen


def from_inputs(fw: Framework, inputs: Inputs) -> UnitData:
    ids = inputs.units()
    values = {s: np.array([inputs.value(u, s.name) for u in ids], dtype=float) for s in _sources(fw)}
    labels = [inputs.text(u, fw.unit_label) if fw.unit_label else None for u in ids]
    return UnitData(ids, labels, values)


def from_store(fw: Framework, inputs: Inputs, snapshots: dict, names: dict, trace: dict) -> UnitData:
    """`snapshots`: network code -> Snapshot, in the order to list them; `trace`: code -> metric -> provenance."""
    # A register that is not a province's joins a provincial ranking only when the framework names it.
    ids = [u for u in snapshots if is_provincial(u) or u in fw.include_networks]
    values = {}
    for s in _sources(fw):
        if s.kind == "metric":
            column = [compute_metric(s.name, snapshots[u]) for u in ids]
            values[s] = np.array([np.nan if v is None else v for v in column], dtype=float)
        else:
            values[s] = np.array([inputs.value(u, s.name) for u in ids], dtype=float)
    notes = []
    if absent := [u for u in fw.include_networks if u not in snapshots]:
        # a code mistyped or a register not harvested yet was dropped without a word (an evaluator's probe)
        notes.append(f"include_networks names {', '.join(absent)}, which the store does not hold: not ranked")
    extra = [u for u in inputs.units() if u not in snapshots]
    if extra and fw.columns_needed():
        notes.append(f"input rows for units not in the store were ignored: {', '.join(extra)}")
    missing = [u for u in ids if u not in inputs.units()]
    if missing and fw.columns_needed():
        notes.append(f"no input row for {', '.join(missing)}; their input indicators are missing")
    wanted = set(fw.metrics_needed())
    trace = {u: {m: t for m, t in trace.get(u, {}).items() if m in wanted} for u in ids}
    return UnitData(ids, [names.get(u) for u in ids], values, trace, notes)


def from_owners(fw: Framework, snapshots: dict, names: dict, trace: dict, notes: list[str]) -> UnitData:
    """Owner units of a network (hub.evaluation.owners), with metrics from their service statistics."""
    ids = list(snapshots)
    values = {}
    for s in _sources(fw):
        column = [compute_metric(s.name, snapshots[u]) for u in ids]
        values[s] = np.array([np.nan if v is None else v for v in column], dtype=float)
    wanted = set(fw.metrics_needed())
    trace = {u: {m: t for m, t in trace.get(u, {}).items() if m in wanted} for u in ids}
    return UnitData(ids, [names.get(u) for u in ids], values, trace, list(notes))
