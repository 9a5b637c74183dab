"""Issue 16: an uncertainty analysis an evaluator can explain — on the reference cases (HDI 2021,
ASEM); the thirty-network rankings are checked in tests/networks and tests/demo with the same
`assert_uncertainty_invariants`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.evaluation.service import run_evaluation
from hub.evaluation.uncertainty import sobol_display
from tests.evaluation.invariants import assert_uncertainty_invariants

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def asem():
    return run_evaluation(None, DATA / "asem.yaml", seed=11, runs=300)[0]


def hdi_with_uncertainty(tmp_path, **uncertainty) -> Path:
    """HDI 2021 as UNDP computes it, plus an uncertainty section (the shipped file has none)."""
    fw = yaml.safe_load((DATA / "hdi2021.yaml").read_text(encoding="utf-8"))
    fw["inputs"] = [str(DATA / "hdi2021_raw_and_published.csv")]
    fw["uncertainty"] = uncertainty
    path = tmp_path / "hdi.yaml"
    path.write_text(yaml.safe_dump(fw, allow_unicode=True), encoding="utf-8")
    return path


def test_asem_keeps_the_invariants(asem):
    assert assert_uncertainty_invariants(asem) == 46


def test_asem_first_unit_is_not_thrown_to_20th_by_a_zero(asem):
    """Before: the geometric alternative on 0–100 min-max gave 0 to every unit worst on one pillar;
    the ties at 0 put CHE (1st) at a 95 % rank of 20. Now the alternative sees values on [1, 100]."""
    che = next(u for u in asem["units"] if u["id"] == "CHE")
    assert che["rank"] == 1 and che["uncertainty"]["rank_p95"] <= 5
    assert {"normalisation": "nominal", "aggregation": {"method": "geometric"}, "onto": [1.0, 100.0]} in asem["uncertainty"][
        "positive_rescale"
    ]


def test_asem_scores_are_not_summarised_across_scales(asem):
    """Before: nominal 70.46, median 22.87, 5 % quantile 0 — quantiles over ranks, percentiles and
    min-max mixed. Ranks 1..n and 0–100 are not one scale, so no score quantiles are given."""
    unc = asem["uncertainty"]
    assert unc["scores_summarised"] is False and "different scales" in unc["scores_not_summarised_because"]
    assert all("score_median" not in u.get("uncertainty", {}) for u in asem["units"])


def test_hdi_keeps_the_invariants_and_summarises_scores_on_its_one_scale(tmp_path):
    path = hdi_with_uncertainty(tmp_path, runs=200, weights={"noise": 0.2}, aggregate=["arithmetic"])
    report = run_evaluation(None, path, seed=3)[0]
    assert assert_uncertainty_invariants(report) == 191
    unc = report["uncertainty"]
    assert unc["scores_summarised"] is True  # goalposts 0–1 and means only: one scale


def test_hdi_with_a_harmonic_alternative_keeps_the_invariants(tmp_path):
    path = hdi_with_uncertainty(
        tmp_path,
        runs=120,
        weights={"noise": 0.3},
        aggregate=["harmonic", "arithmetic"],
        normalise=[{"method": "minmax", "range": [0, 100]}],
    )
    report = run_evaluation(None, path, seed=5)[0]
    assert assert_uncertainty_invariants(report) == 191
    # min-max puts the worst country at 0: the harmonic runs got [1, 100] instead, and say so
    assert report["uncertainty"]["positive_rescale"]


def test_a_nominal_geometric_mean_over_zeros_is_warned_about(tmp_path):
    (tmp_path / "t.csv").write_text("id,a,b\nx,1,5\ny,2,4\nz,3,1\n", encoding="utf-8")
    (tmp_path / "f.yaml").write_text(
        "units: inputs\ninputs: [t.csv]\ndefaults: {normalise: {method: minmax, range: [0, 100]}}\nindex: i\n"
        "nodes:\n  i: {children: [a, b], aggregate: geometric}\n  a: {source: {column: a}}\n  b: {source: {column: b}}\n",
        encoding="utf-8",
    )
    report = run_evaluation(None, tmp_path / "f.yaml", runs=0)[0]
    assert any("geometric mean with a zero in a for x" in w and "[1, 100]" in w for w in report["warnings"]), report["warnings"]
    assert any("zero in b for z" in w for w in report["warnings"])


def test_warnings_never_print_numpy_reprs(tmp_path):
    (tmp_path / "t.csv").write_text("id,a,d\nx,1,0\ny,2,1\nz,-3,1\n", encoding="utf-8")
    (tmp_path / "f.yaml").write_text(
        "units: inputs\ninputs: [t.csv]\nindex: i\nnodes:\n  i: {children: [a]}\n"
        "  a: {source: {column: a}, denominator: {column: d}, transform: ln}\n",
        encoding="utf-8",
    )
    warnings = run_evaluation(None, tmp_path / "f.yaml", runs=0)[0]["warnings"]
    assert warnings and not any("np." in w or "nan" in w for w in warnings), warnings
    assert any("has denominator 0;" in w for w in warnings) and any("ln of -3 for unit z" in w for w in warnings)


@pytest.mark.parametrize(
    "value, conf, shown",
    [
        pytest.param(-0.002, 0.01, "≈ 0", id="small negative"),
        pytest.param(-0.0234, 0.125, "≈ 0", id="negative within its interval"),
        pytest.param(0.004, 0.02, "≈ 0", id="tiny, interval reaches zero"),
        pytest.param(0.47, 0.17, "0.47", id="clear"),
        pytest.param(0.03, 0.01, "0.03", id="small but clear of zero"),
    ],
)
def test_sobol_indices_are_shown_for_people(value, conf, shown):
    assert sobol_display(value, conf) == shown


@pytest.mark.parametrize("lang, said", [("en", "Not told apart from the unit ranked 2nd"), ("zh", "与第 2 名难分先后")])
def test_a_unit_the_next_one_outranks_in_most_alternatives_is_not_called_a_clear_first(lang, said):
    """Zhejiang ranked 1st with median rank 2, Jiangsu 2nd with median rank 1: the words said only
    "Ranks 1st" (an evaluator's probe)."""
    from hub.evaluation import wording
    from hub.web.ui.i18n import translate

    def _(key, **v):
        return translate(lang, key, **v)

    units = [
        {"id": "330000", "rank": 1, "uncertainty": {"rank_p05": 1, "rank_p95": 3, "median_rank": 2}},
        {"id": "320000", "rank": 2, "uncertainty": {"rank_p05": 1, "rank_p95": 3, "median_rank": 1}},
        {"id": "370000", "rank": 3, "uncertainty": {"rank_p05": 2, "rank_p95": 4, "median_rank": 3}},
    ]
    after = wording.next_ranked(units)
    first, second = (wording.unit_summary(u, _, lang, after.get(u["id"])) for u in units[:2])
    assert said in first
    assert "told apart" not in second and "难分先后" not in second  # the one ranked after it is not told so
