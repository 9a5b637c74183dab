"""Uncertainty and sensitivity analysis: a seeded Monte Carlo over the framework's uncertain choices.

Uncertain choices (factors), each switched on by the framework's `uncertainty` section:
- `weights`: every weight multiplied by an independent uniform factor in [1 − noise, 1 + noise];
  a run picks one of `WEIGHT_SETS` such perturbed sets drawn from the seed;
- `normalisation`: the nominal methods, or one alternative applied to all indicators;
- `aggregation`: the nominal methods, or one alternative applied at every aggregate node.
Runs are a Saltelli design (SALib's Sobol sampler, seeded): N base samples give N·(D + 2) runs for D
factors, each factor's uniform value mapped onto its choices, so the same runs give the rank
statistics and the first-order and total Sobol indices. The output whose variance is decomposed is
each run's mean absolute rank shift against the nominal ranking (COINr's and the Handbook's choice).
All runs of one (normalisation, aggregation) pair are scored at once, vectorised over runs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from hub.evaluation.engine import Nominal, aggregate_tree, nominal_weights, normalise_all, rank_desc
from hub.evaluation.framework import Framework

WEIGHT_SETS = 256
SOBOL_RESAMPLES = 100


def _choice(u, k):
    return np.minimum((u * k).astype(int), k - 1)


def factors(fw: Framework) -> list[str]:
    u = fw.uncertainty
    return [name for name, on in (("weights", u.weight_noise > 0), ("normalisation", bool(u.normalise)), ("aggregation", bool(u.aggregate))) if on]


def weight_sets(fw: Framework, noise: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """WEIGHT_SETS perturbed weight vectors per aggregate node, shape (sets, children)."""
    base = nominal_weights(fw, WEIGHT_SETS)
    return {node: w * rng.uniform(1 - noise, 1 + noise, size=w.shape) for node, w in base.items()}


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
    for a in range(len(norm_options)):
        for b in range(len(agg_options)):
            rows = np.flatnonzero((k_norm == a) & (k_agg == b))
            if rows.size == 0:
                continue
            x = np.broadcast_to(normalised[a], (rows.size, *normalised[a].shape))
            w = {node: v[rows] for node, v in run_weights.items()}
            index[rows] = aggregate_tree(fw, x, w, agg_options[b])[fw.index]

    ranks = rank_desc(index)
    nominal_rank = nom.ranks[fw.index]
    shift = np.abs(ranks - nominal_rank[None, :])
    per_run = np.nanmean(np.where(np.isnan(shift), np.nan, shift), axis=1) if shift.size else np.zeros(total)
    per_run = np.nan_to_num(per_run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p05, p50, p95 = np.nanpercentile(ranks, [5, 50, 95], axis=0)
        s05, s50, s95 = np.nanpercentile(index, [5, 50, 95], axis=0)
    return {
        "runs": int(total),
        "base_samples": int(n_base),
        "seed": int(seed),
        "factors": _describe_factors(fw, names, norm_options, agg_options),
        "mean_abs_rank_shift": float(np.nanmean(shift)) if np.isfinite(shift).any() else 0.0,
        "sobol": _sobol(problem, per_run, seed),
        "units": {
            "median_rank": p50, "rank_p05": p05, "rank_p95": p95,
            "score_p05": s05, "score_median": s50, "score_p95": s95,
            "mean_abs_rank_shift": np.nanmean(shift, axis=0) if total else np.zeros(kept_units),
        },
    }


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
    if np.var(y) == 0:
        # Nothing moves the ranking: no variance to apportion.
        return {n: {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0} for n in problem["names"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=SOBOL_RESAMPLES, seed=seed)
    return {
        n: {"S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]), "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i])}
        for i, n in enumerate(problem["names"])
    }
