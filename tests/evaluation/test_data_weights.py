"""Weights from data (issue 16): PCA weights and benefit-of-the-doubt weights, as aggregation options."""

from __future__ import annotations

import numpy as np
import pytest

from hub.evaluation.aggregate import AGGREGATIONS, AggregationDomainError
from hub.evaluation.service import run_evaluation


def test_pca_weights_are_the_squared_first_loadings():
    rng = np.random.default_rng(4)
    latent = rng.normal(size=40)
    x = np.column_stack([latent + rng.normal(scale=s, size=40) for s in (0.2, 0.5, 3.0)]) * 10 + 50
    got = AGGREGATIONS.get("pca").fn(x[None], np.ones((1, 3)))[0]
    # independently: the first right-singular vector of the standardised data
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    v = np.linalg.svd(z, full_matrices=False)[2][0]
    w = v**2
    assert got == pytest.approx(x @ w / w.sum(), abs=1e-9)
    assert w[2] < w[1] < w[0]  # the noisy child weighs least


def test_pca_weights_refuse_too_few_units():
    with pytest.raises(AggregationDomainError, match="at least 3 units"):
        AGGREGATIONS.get("pca").fn(np.array([[[1.0, 2.0], [2.0, 1.0]]]), np.ones((1, 2)))


@pytest.mark.parametrize(
    "x, expected, min_share",
    [
        pytest.param([[1, 0], [0, 1], [0.4, 0.4]], [100, 100, 80], 0.0, id="each specialist is on the frontier"),
        pytest.param([[1, 1], [0.5, 0.5], [0, 0]], [100, 50, 0], 0.0, id="dominated units scale down"),
        pytest.param([[1, 0], [0, 1], [0.8, 0.8]], [100, 100, 100], 0.0, id="specialists rest on one child"),
        pytest.param([[1, 0], [0, 1], [0.8, 0.8]], [62.5, 62.5, 100], 0.5, id="min_share stops resting on one child"),
    ],
)
def test_benefit_of_the_doubt(x, expected, min_share):
    got = AGGREGATIONS.get("bod").fn(np.array([x], float), np.ones((1, 2)), min_share=min_share)[0]
    assert got == pytest.approx(expected, abs=1e-6)


def test_a_framework_can_ask_for_data_weights(tmp_path):
    (tmp_path / "t.csv").write_text("id,a,b,c\n" + "".join(f"u{i},{i},{(i * 7) % 11},{(i * 3) % 5}\n" for i in range(12)), encoding="utf-8")
    (tmp_path / "f.yaml").write_text(
        "units: inputs\ninputs: [t.csv]\nindex: i\nnodes:\n  i: {children: [d, c], aggregate: bod}\n"
        "  d: {children: [a, b], aggregate: pca}\n  a: {source: {column: a}}\n  b: {source: {column: b}}\n  c: {source: {column: c}}\n",
        encoding="utf-8",
    )
    report = run_evaluation(None, tmp_path / "f.yaml", runs=0)[0]
    scores = [u["score"] for u in report["units"]]
    assert max(scores) == pytest.approx(100) and min(scores) >= 0
    assert [n["aggregate"]["method"] for n in report["nodes"] if "children" in n] == ["bod", "pca"]
