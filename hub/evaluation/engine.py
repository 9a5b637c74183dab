"""The nominal pipeline: raw values → denominators → transforms → screening → missing data →
outliers → normalisation → aggregation up the tree → ranks.

Pure: it takes a checked `Framework` and the units' values (`UnitData`) and returns every
intermediate array, so the report can show each step and the Monte Carlo can reuse the fixed ones.
The order follows the OECD/JRC Handbook and COINr (`Denominate`, `Screen`, `Impute`, `Treat`,
`Normalise`, `Aggregate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import rankdata

from hub.errors import HubError
from hub.evaluation.aggregate import AGGREGATIONS, AggregationDomainError
from hub.evaluation.framework import Framework, Source
from hub.evaluation.impute import MissingData, impute
from hub.evaluation.normalise import NORMALISATIONS
from hub.evaluation.outliers import treat
from hub.evaluation.registry import MethodSpec
from hub.evaluation.transforms import apply_transform


class EvaluationError(HubError):
    """The data cannot be scored as the framework asks (e.g. missing values under `missing: fail`)."""


@dataclass
class UnitData:
    """The units to score and the value of every source for each (NaN = missing)."""

    ids: list[str]
    labels: list[str | None]
    values: dict[Source, np.ndarray]
    trace: dict = field(default_factory=dict)  # unit id -> metric -> provenance (networks only)
    notes: list[str] = field(default_factory=list)


@dataclass
class Nominal:
    ids: list[str]  # all units, input order
    kept: np.ndarray  # bool per unit: passed screening
    availability: np.ndarray
    raw: np.ndarray  # (units, indicators) source values
    denominator: np.ndarray  # (units, indicators), NaN where the indicator has none
    value: np.ndarray  # after denominator and transform
    imputed: np.ndarray  # bool (kept units, indicators)
    treated: np.ndarray  # (kept units, indicators)
    treatment: dict  # indicator id -> record
    normalised: np.ndarray  # (kept units, indicators)
    scores: dict  # node id -> (kept units,) score
    ranks: dict  # node id -> (kept units,) rank, 1 = best, NaN = unranked
    warnings: list[str]


def _stack(data: UnitData, sources):
    n = len(data.ids)
    return np.column_stack([data.values[s] if s is not None else np.full(n, np.nan) for s in sources]) if sources else np.empty((n, 0))


def evaluate(fw: Framework, data: UnitData) -> Nominal:
    inds = fw.indicators
    warnings = list(data.notes)
    raw = _stack(data, [n.source for n in inds])
    den = _stack(data, [n.denominator for n in inds])
    value = raw.copy()
    for j, node in enumerate(inds):
        if node.denominator is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                q = raw[:, j] / den[:, j]
            bad = ~np.isnan(raw[:, j]) & ~np.isfinite(q)
            for i in np.flatnonzero(bad):
                warnings.append(
                    f"indicator {node.id}: unit {data.ids[i]} has denominator {number_text(den[i, j])}; value treated as missing"
                )
            value[:, j] = np.where(np.isfinite(q), q, np.nan)
        before = ~np.isnan(value[:, j])
        value[:, j] = apply_transform(node.transform, value[:, j])
        for i in np.flatnonzero(before & np.isnan(value[:, j])):
            warnings.append(
                f"indicator {node.id}: {node.transform} of {number_text(raw[i, j])} for unit {data.ids[i]} is undefined; value "
                f"treated as missing"
            )

    availability = (~np.isnan(value)).mean(axis=1) if inds else np.ones(len(data.ids))
    kept = availability >= fw.min_availability - 1e-12
    for i in np.flatnonzero(~kept):
        warnings.append(f"unit {data.ids[i]} screened out: data availability {availability[i]:.3f} < {fw.min_availability}")
    x = value[kept]

    imputed = np.zeros(x.shape, dtype=bool)
    treated = np.empty_like(x)
    treatment = {}
    kept_ids = [u for u, k in zip(data.ids, kept) if k]
    for j, node in enumerate(inds):
        try:
            col, imputed[:, j] = impute(node.missing, x[:, j])
        except MissingData as exc:
            units = ", ".join(kept_ids[i] for i in exc.args[0])
            raise EvaluationError(
                f"{fw.path}: indicator {node.id}: missing values for {units} and the missing-data policy is 'fail'"
            ) from None
        treated[:, j], treatment[node.id] = treat(node.outliers, col)

    normalised = normalise_all(fw, treated)
    scores = aggregate_tree(fw, normalised[None], nominal_weights(fw))
    scores = {k: v[0] for k, v in scores.items()}
    warnings += zero_warnings(fw, scores, kept_ids)
    ranks = {k: rank_desc(v[None], fw.rank_decimals)[0] for k, v in scores.items()}
    return Nominal(list(data.ids), kept, availability, raw, den, value, imputed, treated, treatment, normalised, scores, ranks, warnings)


def number_text(v) -> str:
    """A value inside a warning, as a person writes it (never `np.float64(nan)`)."""
    v = float(v)
    if math.isnan(v):
        return "a missing value"
    if math.isinf(v):
        return "an infinite value"
    return f"{v:g}"


def zero_warnings(fw: Framework, scores: dict, ids: list[str]) -> list[str]:
    """Units whose score at a geometric or harmonic node is forced to 0 by one zero child."""
    out = []
    for node in fw.aggregates:
        if not AGGREGATIONS.get(node.aggregate.name).meta.get("positive"):
            continue
        for child in node.children:
            zero = np.flatnonzero(scores[child] == 0)
            if zero.size:
                units = ", ".join(ids[i] for i in zero[:10]) + (f" and {zero.size - 10} more" if zero.size > 10 else "")
                out.append(
                    f"node {node.id}: {node.aggregate.name} mean with a zero in {child} for {units}; their {node.id} score is 0 "
                    "whatever their other values — normalise onto a strictly positive range (e.g. minmax range [1, 100])"
                )
    return out


def normalise_all(fw: Framework, treated: np.ndarray, override: MethodSpec | None = None) -> np.ndarray:
    """Normalise every indicator with its own method, or with `override` for all (an alternative in
    the uncertainty analysis)."""
    out = np.empty_like(treated)
    for j, node in enumerate(fw.indicators):
        spec = override or node.normalise
        entry = NORMALISATIONS.get(spec.name)
        params = spec.params
        for p in entry.meta.get("value_params", ()):
            # Goalposts and targets are written in the indicator's units: give them its transform.
            if params.get(p) is not None and node.transform:
                params[p] = float(apply_transform(node.transform, np.array([float(params[p])]))[0])
        out[:, j] = entry.fn(treated[:, j], node.direction, **params)
    return out


def nominal_weights(fw: Framework, runs: int = 1) -> dict[str, np.ndarray]:
    """Each aggregate node's children weights, shaped (runs, children)."""
    return {n.id: np.tile([fw.nodes[c].weight for c in n.children], (runs, 1)).astype(float) for n in fw.aggregates}


def aggregate_tree(fw: Framework, normalised: np.ndarray, weights: dict, override: MethodSpec | None = None) -> dict:
    """Scores of every node for each run: `normalised` is (runs, units, indicators)."""
    scores = {n.id: normalised[:, :, j] for j, n in enumerate(fw.indicators)}
    for node in fw.aggregates:
        spec = override or node.aggregate
        x = np.stack([scores[c] for c in node.children], axis=-1)
        try:
            scores[node.id] = AGGREGATIONS.get(spec.name).fn(x, weights[node.id], **spec.params)
        except AggregationDomainError as exc:
            raise EvaluationError(
                f"{fw.path}: node {node.id}: {exc}; choose a normalisation onto a non-negative range for the indicators below it"
            ) from None
    return scores


def rank_desc(scores: np.ndarray, decimals: int | None = None) -> np.ndarray:
    """Competition ranks per run (1 = highest score, ties share the best rank); missing scores are unranked (NaN).
    With `decimals`, scores equal at that many decimals tie (the framework's `rank_decimals`)."""
    if decimals is not None:
        scores = np.round(scores, decimals)
    missing = np.isnan(scores)
    # A missing score sorts after every real one, so it takes no place from the units that have one.
    r = rankdata(np.where(missing, np.inf, -scores), method="min", axis=-1).astype(float)
    return np.where(missing, np.nan, r)
