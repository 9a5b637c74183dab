"""Normalisation methods: put every indicator on a common scale, higher is better.

Each method is a pure function `(x, direction, **params) -> array` over one indicator's values for all
units (NaN = missing, kept missing). `direction` is +1 when more is better and -1 when less is better;
every method returns values where higher is better. Parameters named in `value_params` are in the
indicator's own units and pass through its transform (so HDI's income goalposts are written as 100
and 75,000 dollars, not as their logarithms).

Each method declares `bounds(params)`: the (low, high) of its results, `high` None when it depends on
the number of units, or None when the results are unbounded. The uncertainty analysis reads it to know
whether two methods share a scale and whether results can be zero (see `positive`).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from hub.evaluation.registry import MethodRegistry, Param, is_bool, is_number, is_optional_number, is_positive, is_range

NORMALISATIONS = MethodRegistry("normalisation")

#: Where `positive` puts values for an aggregation that needs them strictly positive (COINr's advice
#: for the geometric mean: min-max onto [1, 100] rather than [0, 100]).
POSITIVE_RANGE = (1.0, 100.0)


def bounds(spec):
    """(low, high) of the results of a chosen method; None when unbounded."""
    return NORMALISATIONS.get(spec.name).meta["bounds"](spec.params)


def positive(values: np.ndarray, spec_bounds) -> np.ndarray:
    """One indicator's normalised values moved onto a strictly positive scale, keeping their order and
    their relative distances: a known scale [low, high] with low <= 0 maps onto POSITIVE_RANGE;
    values already known to be > 0 stay; values of an unbounded method are min-max rescaled onto
    POSITIVE_RANGE over the units."""
    lo1, hi1 = POSITIVE_RANGE
    if spec_bounds is not None and spec_bounds[0] > 0:
        return values
    if spec_bounds is not None and spec_bounds[1] is not None:
        lo, hi = spec_bounds
    else:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return values
        lo, hi = float(finite.min()), float(finite.max())
    if hi == lo:
        return np.where(np.isnan(values), np.nan, (lo1 + hi1) / 2)
    return lo1 + (values - lo) / (hi - lo) * (hi1 - lo1)


def _finite(x):
    return x[~np.isnan(x)]


@NORMALISATIONS.register("none", bounds=lambda p: None)
def none(x, direction):
    """Leave the values as they are, multiplied by the direction (COINr's `n_none` after `Direction`)."""
    return direction * x


@NORMALISATIONS.register(
    "minmax", params={"range": Param((0, 100), is_range, "[low, high] of the result")}, bounds=lambda p: tuple(p["range"])
)
def minmax(x, direction, range):
    """Min-max: (x − min) / (max − min) scaled onto `range` (default [0, 100]); a constant
    indicator gives the middle of the range."""
    low, high = range
    v = direction * x
    finite = _finite(v)
    if finite.size == 0:
        return v
    lo, hi = finite.min(), finite.max()
    if hi == lo:
        return np.where(np.isnan(v), np.nan, (low + high) / 2)
    return (v - lo) / (hi - lo) * (high - low) + low


@NORMALISATIONS.register(
    "zscore",
    params={"mean": Param(0.0, is_number, "mean of the result"), "sd": Param(1.0, is_positive, "standard deviation of the result")},
    bounds=lambda p: None,
)
def zscore(x, direction, mean, sd):
    """z-score with the sample standard deviation (n − 1), rescaled to `mean` and `sd` (default 0, 1);
    a constant indicator gives `mean`."""
    v = direction * x
    finite = _finite(v)
    s = finite.std(ddof=1) if finite.size > 1 else 0.0
    if s == 0:
        return np.where(np.isnan(v), np.nan, float(mean))
    return (v - finite.mean()) / s * sd + mean


@NORMALISATIONS.register(
    "goalposts",
    params={
        "low": Param(None, is_number, "lower goalpost, in the indicator's units"),
        "high": Param(None, is_number, "upper goalpost, in the indicator's units"),
        "clip": Param(True, is_bool, "clip the result to [0, scale]"),
        "scale": Param(1.0, is_positive, "value given to the upper goalpost"),
    },
    value_params=("low", "high"),
    required=("low", "high"),
    bounds=lambda p: (0.0, p["scale"]) if p["clip"] else None,
)
def goalposts(x, direction, low, high, clip, scale):
    """Goalposts (UNDP): (x − low) / (high − low) × scale, or (high − x) / (high − low) × scale when less
    is better; `clip` keeps results within [0, scale]."""
    r = (x - low) / (high - low) if direction > 0 else (high - x) / (high - low)
    if clip:
        r = np.clip(r, 0.0, 1.0)
    return r * scale


@NORMALISATIONS.register("rank", bounds=lambda p: (1.0, None))
def rank(x, direction):
    """Rank among units, 1 for the worst; ties share their average rank."""
    v = direction * x
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    out[ok] = rankdata(v[ok], method="average")
    return out


@NORMALISATIONS.register(
    "percentile", params={"scale": Param(100.0, is_positive, "value of the best unit")}, bounds=lambda p: (0.0, p["scale"])
)
def percentile(x, direction, scale):
    """Percentile rank: (rank − 1) / (n − 1) × scale, 0 for the worst unit and `scale` for the best."""
    r = rank(x, direction)
    n = int((~np.isnan(r)).sum())
    if n <= 1:
        return np.where(np.isnan(r), np.nan, scale)
    return (r - 1) / (n - 1) * scale


@NORMALISATIONS.register(
    "target",
    params={
        "target": Param(None, is_number, "the target, in the indicator's units"),
        "cap": Param(True, is_bool, "units beyond the target score 1 × scale"),
        "scale": Param(100.0, is_positive, "score of a unit on the target"),
    },
    value_params=("target",),
    required=("target",),
    bounds=lambda p: (0.0, p["scale"]) if p["cap"] else None,
)
def target(x, direction, target, cap, scale):
    """Distance to a target (COINr `n_dist2targ`): (x − worst) / (target − worst) × scale, where worst
    is the lowest value (the highest when less is better); capped at the target unless `cap` is false."""
    v, t = direction * x, direction * target
    finite = _finite(v)
    if finite.size == 0:
        return v
    worst = finite.min()
    if t == worst:
        return np.where(np.isnan(v), np.nan, scale)
    r = (v - worst) / (t - worst)
    if cap:
        r = np.minimum(r, 1.0)
    return r * scale


@NORMALISATIONS.register(
    "reference",
    params={
        "value": Param(None, is_optional_number, "the reference value, in the indicator's units; default the mean"),
        "scale": Param(100.0, is_positive, "score of a unit equal to the reference"),
    },
    value_params=("value",),
    bounds=lambda p: None,
)
def reference(x, direction, value, scale):
    """Distance to a reference (Handbook 'distance to a reference'): x / reference × scale, or
    reference / x × scale when less is better; the reference defaults to the mean of the units."""
    ref = float(np.nanmean(x)) if value is None else value
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x / ref if direction > 0 else ref / x
    return np.where(np.isfinite(r), r * scale, np.nan)


def normalise(spec, x, direction):
    return NORMALISATIONS.get(spec.name).fn(np.asarray(x, dtype=float), direction, **spec.params)
