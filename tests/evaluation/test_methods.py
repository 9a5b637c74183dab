"""The registered methods as pure functions, table-driven."""

from __future__ import annotations

import numpy as np
import pytest

from hub.evaluation.aggregate import AGGREGATIONS, AggregationDomainError
from hub.evaluation.impute import IMPUTATIONS, MissingData
from hub.evaluation.normalise import NORMALISATIONS
from hub.evaluation.outliers import coinr, skew_kurt
from hub.evaluation.transforms import TRANSFORMS

nan = np.nan
X = np.array([1.0, 2.0, 3.0, nan, 5.0])


@pytest.mark.parametrize(
    "method, direction, params, expected",
    [
        pytest.param("none", -1, {}, [-1, -2, -3, nan, -5], id="none keeps values, times direction"),
        pytest.param("minmax", 1, {"range": (0, 100)}, [0, 25, 50, nan, 100], id="minmax 0-100"),
        pytest.param("minmax", -1, {"range": (0, 1)}, [1, 0.75, 0.5, nan, 0], id="minmax less is better"),
        pytest.param("zscore", 1, {"mean": 0, "sd": 1}, (X - np.nanmean(X)) / np.nanstd(X, ddof=1), id="zscore sample sd"),
        pytest.param("goalposts", 1, {"low": 2, "high": 4, "clip": True, "scale": 1}, [0, 0, 0.5, nan, 1], id="goalposts clipped"),
        pytest.param("goalposts", 1, {"low": 2, "high": 4, "clip": False, "scale": 1}, [-0.5, 0, 0.5, nan, 1.5], id="goalposts unclipped"),
        pytest.param(
            "goalposts", -1, {"low": 1, "high": 5, "clip": True, "scale": 100}, [100, 75, 50, nan, 0], id="goalposts less is better"
        ),
        pytest.param("rank", 1, {}, [1, 2, 3, nan, 4], id="rank"),
        pytest.param("percentile", -1, {"scale": 100}, [100, 200 / 3, 100 / 3, nan, 0], id="percentile reversed"),
        pytest.param("target", 1, {"target": 3, "cap": True, "scale": 100}, [0, 50, 100, nan, 100], id="distance to target, capped"),
        pytest.param("reference", 1, {"value": 2, "scale": 1}, [0.5, 1, 1.5, nan, 2.5], id="distance to reference"),
    ],
)
def test_normalisation(method, direction, params, expected):
    got = NORMALISATIONS.get(method).fn(X.copy(), direction, **params)
    np.testing.assert_allclose(got, expected, equal_nan=True)


W = np.array([[1.0, 3.0]])


@pytest.mark.parametrize(
    "method, values, expected",
    [
        pytest.param("arithmetic", [[10, 20], [nan, 20], [nan, nan]], [17.5, 20, nan], id="arithmetic, drop and rescale"),
        pytest.param("geometric", [[1, 16], [0, 5], [4, nan]], [8, 0, 4], id="geometric"),
        pytest.param("harmonic", [[1, 2], [0, 2]], [4 / (1 + 1.5), 0], id="harmonic"),
        pytest.param("copeland", [[3, 1], [1, 3], [2, 2]], [-2, 2, 0], id="copeland: weights decide pairwise"),
    ],
)
def test_aggregation(method, values, expected):
    x = np.array(values, dtype=float)[None]
    np.testing.assert_allclose(AGGREGATIONS.get(method).fn(x, W)[0], expected, equal_nan=True)


def test_aggregation_is_vectorised_over_runs():
    x = np.random.default_rng(1).uniform(1, 2, size=(5, 4, 3))
    w = np.random.default_rng(2).uniform(0.5, 1.5, size=(5, 3))
    for name in AGGREGATIONS:
        batch = AGGREGATIONS.get(name).fn(x, w)
        single = np.stack([AGGREGATIONS.get(name).fn(x[r : r + 1], w[r : r + 1])[0] for r in range(5)])
        np.testing.assert_allclose(batch, single)


def test_geometric_refuses_negative_values():
    with pytest.raises(AggregationDomainError):
        AGGREGATIONS.get("geometric").fn(np.array([[[-1.0, 2.0]]]), W)


@pytest.mark.parametrize(
    "name, values, expected",
    [
        pytest.param("ln", [np.e, 0, -1], [1, nan, nan], id="ln, non-positive missing"),
        pytest.param("log10", [100, 1], [2, 0], id="log10"),
        pytest.param("log1p", [0, np.e - 1], [0, 1], id="log1p"),
        pytest.param("sqrt", [4, -4], [2, nan], id="sqrt"),
        pytest.param("inverse", [4, 0], [0.25, nan], id="inverse"),
        pytest.param("square", [3], [9], id="square"),
    ],
)
def test_transforms(name, values, expected):
    np.testing.assert_allclose(TRANSFORMS.get(name).fn(np.array(values, dtype=float)), expected, equal_nan=True)


@pytest.mark.parametrize(
    "name, values, expected, imputed",
    [
        pytest.param("drop", [1, nan, 3], [1, nan, 3], [0, 0, 0], id="drop leaves the gap"),
        pytest.param("mean", [1, nan, 5], [1, 3, 5], [0, 1, 0], id="mean"),
        pytest.param("median", [1, nan, 2, 9], [1, 2, 2, 9], [0, 1, 0, 0], id="median"),
    ],
)
def test_imputation(name, values, expected, imputed):
    got, mask = IMPUTATIONS.get(name).fn(np.array(values, dtype=float))
    np.testing.assert_allclose(got, expected, equal_nan=True)
    assert mask.tolist() == [bool(v) for v in imputed]


def test_fail_policy_names_the_positions():
    with pytest.raises(MissingData) as info:
        IMPUTATIONS.get("fail").fn(np.array([1, nan, 2, nan]))
    assert info.value.args[0] == [1, 3]


def test_skew_and_kurtosis_match_excel():
    x = np.array([1, 2, 3, 4, 10.0, 7, 2])
    n, z = len(x), (x - x.mean()) / x.std(ddof=1)
    excel_skew = n / ((n - 1) * (n - 2)) * (z**3).sum()  # SKEW()
    excel_kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * (z**4).sum() - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))  # KURT()
    assert skew_kurt(x) == pytest.approx((excel_skew, excel_kurt))


def test_coinr_winsorises_ties_together_then_stops():
    x = np.array(list(range(1, 21)) + [200.0, 200.0])
    treated, rec = coinr(x, skew=2, kurtosis=3.5, winmax=5)
    assert rec["winsorised_high"] == 1 and not rec["log"]
    assert (treated[-2:] == 20).all()


def test_coinr_falls_back_to_log_of_the_original():
    x = np.array([1.0] * 30 + [2, 3, 5, 1e3, 1e4, 1e5, 1e6, 1e7])
    treated, rec = coinr(x, skew=2, kurtosis=3.5, winmax=2)
    assert rec["log"]
    np.testing.assert_allclose(treated, np.log(x - x.min() + 0.01 * (x.max() - x.min())))
