"""Aggregation methods: combine the children of a node into the node's score.

Each method is a pure, vectorised function `(x, w) -> scores` where `x` has shape (runs, units,
children) and `w` (runs, children): the same code scores the nominal ranking (one run) and all Monte
Carlo runs at once. A missing child value (NaN) is dropped and the remaining weights rescaled; a unit
with no child value left is missing at this node.

Meta flags the uncertainty analysis reads: `mean` (the result stays on the children's scale, so scores
of runs that differ only in such methods can be compared), `positive` (a zero child makes the result
0 whatever the other children say: the method wants strictly positive values).
"""

from __future__ import annotations

import numpy as np

from hub.evaluation.registry import MethodRegistry

AGGREGATIONS = MethodRegistry("aggregation")


class AggregationDomainError(ValueError):
    """A method met values outside its domain (e.g. a negative value in a geometric mean)."""


def _present_weights(x, w):
    present = ~np.isnan(x)
    wb = np.broadcast_to(w[:, None, :], x.shape)
    wsum = np.where(present, wb, 0.0).sum(axis=-1)
    return present, wb, wsum


def _safe_div(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@AGGREGATIONS.register("arithmetic", compensatory=True, mean=True)
def arithmetic(x, w):
    """Weighted arithmetic mean Σ wᵢxᵢ / Σ wᵢ (full compensation)."""
    present, wb, wsum = _present_weights(x, w)
    return _safe_div(np.where(present, wb * np.nan_to_num(x), 0.0).sum(axis=-1), wsum)


@AGGREGATIONS.register("geometric", compensatory=True, nonnegative=True, positive=True, mean=True)
def geometric(x, w):
    """Weighted geometric mean Π xᵢ^(wᵢ/Σw) (partial compensation; needs values ≥ 0; a zero gives 0)."""
    if (x < 0).any():
        raise AggregationDomainError("the geometric mean needs values >= 0")
    present, wb, wsum = _present_weights(x, w)
    with np.errstate(divide="ignore"):
        logs = np.where(present, wb * np.log(np.where(present, x, 1.0)), 0.0).sum(axis=-1)
    return np.exp(_safe_div(logs, wsum))


@AGGREGATIONS.register("harmonic", compensatory=True, nonnegative=True, positive=True, mean=True)
def harmonic(x, w):
    """Weighted harmonic mean Σ wᵢ / Σ (wᵢ/xᵢ) (least compensation of the three; a zero gives 0)."""
    if (x < 0).any():
        raise AggregationDomainError("the harmonic mean needs values >= 0")
    present, wb, wsum = _present_weights(x, w)
    with np.errstate(divide="ignore"):
        inv = np.where(present, wb / np.where(present, x, 1.0), 0.0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(np.isinf(inv), 0.0, wsum / inv)
    return np.where(wsum > 0, out, np.nan)


_COPELAND_CHUNK = 64


@AGGREGATIONS.register("copeland", compensatory=False)
def copeland(x, w):
    """Copeland outranking (Handbook §6.1, non-compensatory): unit a beats unit b when the children on
    which a is better weigh more than those on which b is better (children missing for either are left
    out of that comparison); the score is wins − losses, between −(n−1) and n−1."""
    runs, units, _ = x.shape
    out = np.empty((runs, units))
    for start in range(0, runs, _COPELAND_CHUNK):
        xs, ws = x[start:start + _COPELAND_CHUNK], w[start:start + _COPELAND_CHUNK]
        diff = np.sign(xs[:, :, None, :] - xs[:, None, :, :])  # (r, a, b, c)
        margin = np.nan_to_num(diff) @ ws[:, None, :, None]  # weight of children a wins − b wins
        margin = margin[..., 0]
        out[start:start + _COPELAND_CHUNK] = (margin > 0).sum(axis=-1) - (margin < 0).sum(axis=-1)
    no_data = np.isnan(x).all(axis=-1)
    return np.where(no_data, np.nan, out)


def aggregate(spec, x, w):
    return AGGREGATIONS.get(spec.name).fn(x, w, **spec.params)
