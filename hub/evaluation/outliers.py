"""Outlier treatment for one indicator, applied to the screened (and imputed) values.

Each treatment is a pure function `(x, **params) -> (treated x, record)`, where the record says what
was done (for the report). `coinr` is COINr's default rule (`Treat()` with winsorisation then log):
an indicator fails when |skew| ≥ skew **and** kurtosis ≥ kurtosis (sample skew and excess kurtosis as
Excel computes them); one distinct point at a time is winsorised from the side the skew points to (all
points tied at the extreme take the next value), at most `winmax` distinct points, stopping as soon as
the check passes; if it still fails, the *original* values are transformed with
log(x − min + 0.01·(max − min)).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import kurtosis, skew

from hub.evaluation.registry import MethodRegistry, Param, is_int_at_least, is_positive

OUTLIERS = MethodRegistry("outlier treatment")


@OUTLIERS.register("none")
def none(x):
    """No treatment."""
    return x, {"method": "none"}


def skew_kurt(x):
    """Sample skewness and excess kurtosis with Excel's small-sample corrections (SKEW, KURT)."""
    v = x[~np.isnan(x)]
    if v.size < 4 or np.ptp(v) == 0:
        return 0.0, 0.0
    return float(skew(v, bias=False)), float(kurtosis(v, bias=False))


def _fails(x, skew_limit, kurt_limit):
    s, k = skew_kurt(x)
    return abs(s) >= skew_limit and k >= kurt_limit


@OUTLIERS.register(
    "coinr",
    params={
        "skew": Param(2.0, is_positive, "absolute skewness threshold"),
        "kurtosis": Param(3.5, is_positive, "excess kurtosis threshold"),
        "winmax": Param(5, is_int_at_least(0), "most distinct points winsorised"),
    },
)
def coinr(x, skew, kurtosis, winmax):
    """COINr's rule: winsorise up to `winmax` distinct extreme points while |skew| ≥ `skew` and
    kurtosis ≥ `kurtosis`; if that does not pass, log(x − min + 0.01·(max − min)) of the original."""
    s0, k0 = skew_kurt(x)
    record = {"method": "coinr", "skew": s0, "kurtosis": k0, "winsorised_high": 0, "winsorised_low": 0, "log": False}
    if not _fails(x, skew, kurtosis):
        return x, record
    w = x.copy()
    for _ in range(winmax):
        s, _k = skew_kurt(w)
        ok = ~np.isnan(w)
        distinct = np.unique(w[ok])
        if distinct.size < 2:
            break
        if s >= 0:
            w = np.where(ok & (w == distinct[-1]), distinct[-2], w)
            record["winsorised_high"] += 1
        else:
            w = np.where(ok & (w == distinct[0]), distinct[1], w)
            record["winsorised_low"] += 1
        if not _fails(w, skew, kurtosis):
            record["skew_after"], record["kurtosis_after"] = skew_kurt(w)
            return w, record
    finite = x[~np.isnan(x)]
    lo, hi = finite.min(), finite.max()
    record.update(winsorised_high=0, winsorised_low=0, log=True)
    treated = np.log(x - lo + 0.01 * (hi - lo))
    record["skew_after"], record["kurtosis_after"] = skew_kurt(treated)
    return treated, record


@OUTLIERS.register(
    "winsorise",
    params={
        "lower": Param(0.0, lambda v: None if isinstance(v, (int, float)) and 0 <= v < 0.5 else "expected a share in [0, 0.5)"),
        "upper": Param(0.0, lambda v: None if isinstance(v, (int, float)) and 0 <= v < 0.5 else "expected a share in [0, 0.5)"),
    },
)
def winsorise(x, lower, upper):
    """Clamp values to the `lower` and `upper` quantiles (shares, e.g. 0.05) of the indicator."""
    finite = x[~np.isnan(x)]
    if finite.size == 0:
        return x, {"method": "winsorise"}
    lo, hi = np.quantile(finite, lower), np.quantile(finite, 1 - upper)
    return np.clip(x, lo, hi), {"method": "winsorise", "low": float(lo), "high": float(hi)}


def treat(spec, x):
    return OUTLIERS.get(spec.name).fn(np.asarray(x, dtype=float), **spec.params)
