"""Transforms applied to an indicator's value (after its denominator, before anything else).

Pure `array -> array` functions; a value outside the domain (the logarithm of zero or of a negative
number) becomes missing and the engine reports it, rather than a silent −inf.
"""

from __future__ import annotations

import numpy as np

from hub.evaluation.registry import MethodRegistry

TRANSFORMS = MethodRegistry("transform")


def _where_positive(x, fn):
    out = np.full(np.shape(x), np.nan)
    ok = x > 0
    out[ok] = fn(x[ok])
    return out


@TRANSFORMS.register("ln")
def ln(x):
    """Natural logarithm; values ≤ 0 become missing."""
    return _where_positive(x, np.log)


@TRANSFORMS.register("log10")
def log10(x):
    """Base-10 logarithm; values ≤ 0 become missing."""
    return _where_positive(x, np.log10)


@TRANSFORMS.register("log1p")
def log1p(x):
    """ln(1 + x), for counts that may be zero; values ≤ −1 become missing."""
    out = np.full(np.shape(x), np.nan)
    ok = x > -1
    out[ok] = np.log1p(x[ok])
    return out


@TRANSFORMS.register("sqrt")
def sqrt(x):
    """Square root; negative values become missing."""
    out = np.full(np.shape(x), np.nan)
    ok = x >= 0
    out[ok] = np.sqrt(x[ok])
    return out


@TRANSFORMS.register("square")
def square(x):
    """x²."""
    return x * x


@TRANSFORMS.register("inverse")
def inverse(x):
    """1 / x; zero becomes missing."""
    out = np.full(np.shape(x), np.nan)
    ok = x != 0
    out[ok] = 1.0 / x[ok]
    return out


def apply_transform(name, x):
    x = np.asarray(x, dtype=float)
    return x if name is None else TRANSFORMS.get(name).fn(x)
