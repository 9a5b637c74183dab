"""Uncertainty and sensitivity analysis: a seeded Monte Carlo over the framework's uncertain choices,
after the JRC practice (Saisana, Saltelli and Tarantola 2005, JRSS A 168(2)).

Uncertain choices (factors), each switched on by the framework's `uncertainty` section:
- `weights`: every weight multiplied by an independent uniform factor in [1 − noise, 1 + noise];
  a run picks one of `WEIGHT_SETS` such perturbed sets drawn from the seed (set 0 is the nominal
  weights, so the nominal configuration is one of the alternatives);
- `normalisation`: the nominal methods, or one alternative applied to all indicators;
- `aggregation`: the nominal methods, or one alternative applied at every aggregate node.
Runs are a Saltelli design (SALib's Sobol sampler, seeded): N base samples give N·(D + 2) runs for D
factors, each factor's uniform value mapped onto its choices. The first-order and total Sobol indices
(with SALib's bootstrap 95 % confidence intervals) decompose the variance of each run's mean absolute
rank shift against the nominal ranking (COINr's and the Handbook's choice).

What makes the numbers explainable:
- each run ranks its own index scores (ties share the best rank), and the rank statistics are
  taken over those per-run ranks, plus the nominal run itself — so 5 % <= median <= 95 % and the
  nominal rank lies within [min, max] of the runs by construction, and tests hold it so;
- quantiles are observed ranks (`inverted_cdf`), never an interpolated 3.5th place;
- score statistics are given only when every run's index is on one scale (no normalisation
  alternative, only means as aggregations, no rescaling); otherwise the report says why not;
- an aggregation that wants strictly positive values (geometric, harmonic) never meets a zero made
  by the normalisation in an alternative run: those runs use the values moved onto [1, 100]
  (`normalise.positive`, COINr's advice), and the report says so.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from hub.evaluation.aggregate import AGGREGATIONS
from hub.evaluation.engine import Nominal, aggregate_tree, nominal_weights, normalise_all, rank_desc
from hub.evaluation.framework import Framework
from hub.evaluation.normalise import POSITIVE_RANGE, bounds, positive

WEIGHT_SETS = 256
SOBOL_RESAMPLES = 100
#: Quantiles of the rank distribution reported per unit (percent).
QUANTILES = (5, 50, 95)


def _choice(u, k):
    return np.minimum((u * k).astype(int), k - 1)


def factors(fw: Framework) -> list[str]:
    u = fw.uncertainty
    return [
        name
        for name, on in (("weights", u.weight_noise > 0), ("normalisation", bool(u.normalise)), ("aggregation", bool(u.aggregate)))
        if on
    ]


def weight_sets(fw: Framework, noise: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """WEIGHT_SETS weight vectors per aggregate node, shape (sets, children); set 0 is the nominal one."""
    base = nominal_weights(fw, WEIGHT_SETS)
    out = {}
    for node, w in base.items():
        perturbed = w * rng.uniform(1 - noise, 1 + noise, size=w.shape)
        perturbed[0] = w[0]
        out[node] = perturbed
    return out


def _needs_positive(fw: Framework, agg_override) -> bool:
    specs = [agg_override] if agg_override is not None else [n.aggregate for n in fw.aggregates]
    return any(AGGREGATIONS.get(s.name).meta.get("positive") for s in specs)


def _indicator_bounds(fw: Framework, norm_override):
    return [bounds(norm_override or node.normalise) for node in fw.indicators]


def _positive_all(values: np.ndarray, indicator_bounds) -> np.ndarray:
    out = np.empty_like(values)
    for j, b in enumerate(indicator_bounds):
        out[:, j] = positive(values[:, j], b)
    return out


def _comparable_scores(fw: Framework, norm_options, agg_options, rescaled: bool) -> tuple[str, str] | None:
    """None when every run's index score is on the nominal scale; else (reason code, reason) — the
    code names the page's sentence (eval.reason.<code>), the text is for report.json's readers."""
    if len(norm_options) > 1:
        return "normalisation", "normalisation alternatives put the index on different scales (e.g. ranks 1..n against 0–100)"
    if rescaled:
        return "rescaled", f"runs with a geometric or harmonic mean used values moved onto {POSITIVE_RANGE[0]:g}–{POSITIVE_RANGE[1]:g}"
    specs = [n.aggregate for n in fw.aggregates] + [s for s in agg_options if s is not None]
    odd = sorted({s.name for s in specs if not AGGREGATIONS.get(s.name).meta.get("mean")})
    if odd:
        return "aggregation", f"the aggregation {', '.join(odd)} does not give a score on the indicators' scale"
    return None


def run(fw: Framework, nom: Nominal, runs: int, seed: int) -> dict | None:
    names = factors(fw)
    kept_units = int(nom.kept.sum())
    if runs <= 0 or not names or kept_units < 2:
        return None
    d = len(names)
    n_base = max(2, math.ceil(runs / (d + 2)))
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        # SALib prefers a power of two for N; any N gives a valid (if less balanced) design.
        warnings.simplefilter("ignore")
        design = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    total = design.shape[0]
    column = dict(zip(names, design.T))
    rng = np.random.default_rng(seed)

    norm_options = [None] + list(fw.uncertainty.normalise)
    agg_options = [None] + list(fw.uncertainty.aggregate)
    k_norm = _choice(column["normalisation"], len(norm_options)) if "normalisation" in column else np.zeros(total, int)
    k_agg = _choice(column["aggregation"], len(agg_options)) if "aggregation" in column else np.zeros(total, int)
    if "weights" in column:
        sets = weight_sets(fw, fw.uncertainty.weight_noise, rng)
        k_w = _choice(column["weights"], WEIGHT_SETS)
        run_weights = {node: w[k_w] for node, w in sets.items()}
    else:
        run_weights = nominal_weights(fw, total)

    normalised = [normalise_all(fw, nom.treated, spec) for spec in norm_options]
    index = np.empty((total, kept_units))
    rescaled_pairs = []
    for a in range(len(norm_options)):
        for b in range(len(agg_options)):
            rows = np.flatnonzero((k_norm == a) & (k_agg == b))
            if rows.size == 0:
                continue
            x = normalised[a]
            # The nominal configuration is left exactly as the framework says (its zeros are warned
            # about in the report); an alternative run never lets a normalisation's zero decide.
            if (a, b) != (0, 0) and _needs_positive(fw, agg_options[b]) and np.nanmin(x) <= 0:
                x = _positive_all(x, _indicator_bounds(fw, norm_options[a]))
                rescaled_pairs.append((a, b))
            x = np.broadcast_to(x, (rows.size, *x.shape))
            w = {node: v[rows] for node, v in run_weights.items()}
            index[rows] = aggregate_tree(fw, x, w, agg_options[b])[fw.index]

    ranks = rank_desc(index, fw.rank_decimals)
    nominal_rank = nom.ranks[fw.index]
    shift = np.abs(ranks - nominal_rank[None, :])
    per_run = np.nan_to_num(np.nanmean(shift, axis=1)) if shift.size else np.zeros(total)
    # The statistics are over the design's runs and the nominal run (the framework as written).
    all_ranks = np.vstack([nominal_rank[None, :], ranks])
    all_index = np.vstack([nom.scores[fw.index][None, :], index])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p05, p50, p95 = np.nanpercentile(all_ranks, QUANTILES, axis=0, method="inverted_cdf")
        r_min, r_max = np.nanmin(all_ranks, axis=0), np.nanmax(all_ranks, axis=0)
        # a unit without an index score has no shift: NaN, without numpy's warning on the terminal
        mean_shift = np.nanmean(shift, axis=0) if total else np.zeros(kept_units)
    units = {
        "median_rank": p50,
        "rank_p05": p05,
        "rank_p95": p95,
        "rank_min": r_min,
        "rank_max": r_max,
        "mean_abs_rank_shift": mean_shift,
    }
    not_comparable = _comparable_scores(fw, norm_options, agg_options, bool(rescaled_pairs))
    if not_comparable is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            s05, s50, s95 = np.nanpercentile(all_index, QUANTILES, axis=0)
        units.update(score_p05=s05, score_median=s50, score_p95=s95)
    return {
        "runs": int(total),
        "base_samples": int(n_base),
        "seed": int(seed),
        "includes_nominal": True,
        "factors": _describe_factors(fw, names, norm_options, agg_options),
        "mean_abs_rank_shift": float(np.nanmean(shift)) if np.isfinite(shift).any() else 0.0,
        "scores_summarised": not_comparable is None,
        "scores_not_summarised_because": not_comparable and not_comparable[1],
        "scores_not_summarised_code": not_comparable and not_comparable[0],
        "positive_rescale": [
            {"normalisation": _label(norm_options[a]), "aggregation": _label(agg_options[b]), "onto": list(POSITIVE_RANGE)}
            for a, b in rescaled_pairs
        ],
        "sobol": _sobol(problem, per_run, seed),
        "units": units,
    }


def _label(spec):
    return "nominal" if spec is None else spec.describe()


def _describe_factors(fw, names, norm_options, agg_options):
    out = {}
    for name in names:
        if name == "weights":
            out[name] = {"noise": fw.uncertainty.weight_noise, "sets": WEIGHT_SETS}
        elif name == "normalisation":
            out[name] = {"choices": ["nominal"] + [s.describe() for s in norm_options[1:]]}
        else:
            out[name] = {"choices": ["nominal"] + [s.describe() for s in agg_options[1:]]}
    return out


def _sobol(problem, y, seed) -> dict:
    """First-order and total indices with SALib's bootstrap 95 % confidence half-widths and the
    intervals they give, clipped to [0, 1] (a variance share cannot leave it; an estimate can)."""
    if np.var(y) == 0:
        # Nothing moves the ranking: no variance to apportion.
        zero = {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0, "S1_interval": [0.0, 0.0], "ST_interval": [0.0, 0.0]}
        return {n: dict(zero) for n in problem["names"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=SOBOL_RESAMPLES, conf_level=0.95, seed=seed)
    out = {}
    for i, n in enumerate(problem["names"]):
        entry = {}
        for key in ("S1", "ST"):
            value, conf = float(res[key][i]), float(res[f"{key}_conf"][i])
            conf = conf if math.isfinite(conf) else 0.0
            entry[key], entry[f"{key}_conf"] = value, conf
            entry[f"{key}_interval"] = [min(1.0, max(0.0, value - conf)), min(1.0, max(0.0, value + conf))]
        out[n] = entry
    return out


def sobol_display(value, conf, digits: int = 2) -> str:
    """A Sobol index for people: '≈ 0' when the estimate is negative or its confidence interval
    reaches 0 below 0.01 — a variance share below zero is estimation noise, not a finding."""
    if value is None:
        return "–"
    if value < 0 or (value - (conf or 0.0) <= 0 and value < 10**-digits):
        return "≈ 0"
    return f"{value:.{digits}f}"
