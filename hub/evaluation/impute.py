"""Missing-data policies for one indicator, applied after screening and before outlier treatment.

Each policy is a pure function `(x) -> (x, imputed mask)`. `drop` leaves the gap: the aggregation then
drops the missing value and rescales the remaining weights (Handbook: case deletion at the node).
`fail` refuses to score with missing data; the engine turns it into an error naming the indicator and
the units.
"""

from __future__ import annotations

import numpy as np

from hub.evaluation.registry import MethodRegistry

IMPUTATIONS = MethodRegistry("missing-data")


class MissingData(Exception):
    """Raised by the `fail` policy; the engine adds the indicator and the units."""


@IMPUTATIONS.register("drop")
def drop(x):
    """Leave missing values missing; aggregation drops them and rescales the other weights."""
    return x, np.zeros(x.shape, dtype=bool)


def _fill(x, value):
    gap = np.isnan(x)
    if gap.all():
        return x, np.zeros(x.shape, dtype=bool)
    return np.where(gap, value, x), gap


@IMPUTATIONS.register("mean")
def mean(x):
    """Replace a missing value by the mean of the indicator over the (screened) units."""
    return _fill(x, np.nanmean(x) if (~np.isnan(x)).any() else np.nan)


@IMPUTATIONS.register("median")
def median(x):
    """Replace a missing value by the median of the indicator over the (screened) units."""
    return _fill(x, np.nanmedian(x) if (~np.isnan(x)).any() else np.nan)


@IMPUTATIONS.register("fail")
def fail(x):
    """Refuse: any missing value stops the evaluation with an error naming the indicator and units."""
    if np.isnan(x).any():
        raise MissingData(np.flatnonzero(np.isnan(x)).tolist())
    return x, np.zeros(x.shape, dtype=bool)


def impute(spec, x):
    return IMPUTATIONS.get(spec.name).fn(np.asarray(x, dtype=float), **spec.params)
