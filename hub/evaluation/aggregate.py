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

from hub.evaluation.registry import MethodRegistry, Param

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
        xs, ws = x[start : start + _COPELAND_CHUNK], w[start : start + _COPELAND_CHUNK]
        diff = np.sign(xs[:, :, None, :] - xs[:, None, :, :])  # (r, a, b, c)
        margin = np.nan_to_num(diff) @ ws[:, None, :, None]  # weight of children a wins − b wins
        margin = margin[..., 0]
        out[start : start + _COPELAND_CHUNK] = (margin > 0).sum(axis=-1) - (margin < 0).sum(axis=-1)
    no_data = np.isnan(x).all(axis=-1)
    return np.where(no_data, np.nan, out)


def aggregate(spec, x, w):
    return AGGREGATIONS.get(spec.name).fn(x, w, **spec.params)


# ---------------------------------------------------------------- weights from the data
# Both ignore the framework's weights for the node. Docs: docs/evaluation.md "Weights from data".


def _first_component_weights(x2d):
    """Squared loadings of the first principal component of the children's correlation matrix over
    the units that have every child (they sum to 1)."""
    complete = x2d[np.isfinite(x2d).all(axis=1)]
    if complete.shape[0] < 3 or (complete.std(axis=0) == 0).any():
        raise AggregationDomainError("PCA weights need at least 3 units with every child present and no constant child")
    values, vectors = np.linalg.eigh(np.corrcoef(complete, rowvar=False))
    return vectors[:, np.argmax(values)] ** 2


@AGGREGATIONS.register("pca", compensatory=True, mean=True)
def pca(x, w):
    """Weighted arithmetic mean with weights from the data: the squared loadings of the children's
    first principal component (Handbook §6.1 'principal components'), one set per run. Suits children
    that measure one latent dimension; do not use it when the children are meant to count for
    different things (the first component rewards what correlates, not what matters), with fewer
    than about ten units, or when the first component explains little of the variance (see the
    audit's PCA)."""
    weights = np.stack([_first_component_weights(x[r]) for r in range(x.shape[0])])
    return arithmetic(x, weights)


@AGGREGATIONS.register(
    "bod",
    params={
        "min_share": Param(
            0.0,
            lambda v: (
                None if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1 else f"expected a share in [0, 1), got {v!r}"
            ),
            "least share of an average unit's score each child must carry",
        )
    },
    compensatory=True,
    positive=False,
)
def bod(x, w, min_share=0.0):
    """Benefit of the doubt (Handbook §6.1, Cherchye et al. 2007): each unit gets the weights that
    make its own score best, subject to no unit scoring above 1 with them; the score is that best
    value × 100 (100 = on the frontier). A linear programme per unit and run (scipy's HiGHS); a
    missing child counts 0. `min_share` stops a unit from resting its score on one child. Do not use
    it to compare units' priorities (every unit is judged by its own weights), with negative values
    (normalise onto a non-negative range), or as an uncertainty alternative with many runs (it
    solves runs × units programmes)."""
    from scipy.optimize import linprog

    if (x < 0).any():
        raise AggregationDomainError("benefit of the doubt needs values >= 0")
    runs, units, k = x.shape
    out = np.full((runs, units), np.nan)
    for r in range(runs):
        data = np.nan_to_num(x[r])
        mean = data.mean(axis=0)
        rows = [data]
        if min_share > 0:
            # min_share · Σ_j w_j x̄_j − w_i x̄_i <= 0 for each child i
            rows.append(min_share * np.tile(mean, (k, 1)) - np.diag(mean))
        a_ub = np.vstack(rows)
        b_ub = np.concatenate([np.ones(units), np.zeros(a_ub.shape[0] - units)])
        for u in range(units):
            if np.isnan(x[r, u]).all():
                continue
            if not data[u].any():
                out[r, u] = 0.0
                continue
            res = linprog(-data[u], A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * k, method="highs")
            if res.status != 0:
                raise AggregationDomainError(f"benefit of the doubt: the programme of unit {u + 1} has no solution ({res.message})")
            out[r, u] = -res.fun * 100
    return out
