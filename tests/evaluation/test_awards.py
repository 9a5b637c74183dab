"""Award tables (issue 16): checked where loaded, and awards that always add up to the budget."""

from __future__ import annotations

import pytest

from hub.apportion import apportion
from hub.errors import ConfigError
from hub.evaluation.awards import AwardError, allocate, load_awards

GOOD = """budget: 10000
step: 100
cap: 3000
bands:
  - {name: A, up_to_share: 0.25, weight: 3}
  - {name: B, up_to_share: 0.75, weight: 1}
  - {name: C, up_to_share: 1.0, weight: 0}
"""


def table(tmp_path, text):
    path = tmp_path / "awards.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def units(*scores):
    return [{"id": f"u{i}", "label": None, "rank": i + 1, "score": s} for i, s in enumerate(scores)]


@pytest.mark.parametrize(
    "change, key, problem",
    [
        pytest.param(("budget: 10000", "budget: -5"), "budget", "whole number of yuan > 0", id="negative budget"),
        pytest.param(("step: 100", "step: 300"), "step", "divides the budget 10000", id="step not dividing"),
        pytest.param(("cap: 3000", "cap: 50"), "cap", ">= the step 100", id="cap below step"),
        pytest.param(("up_to_share: 0.75", "up_to_share: 0.2"), "bands[1].up_to_share", "growing band by band", id="shares shrink"),
        pytest.param(("up_to_share: 1.0", "up_to_share: 0.9"), "bands[2].up_to_share", "must reach 1", id="last below 1"),
        pytest.param(("weight: 3}", "weight: -3}"), "bands[0].weight", "number >= 0", id="negative weight"),
        pytest.param(("weight: 3}", "weight: .inf}"), "bands[0].weight", "finite number >= 0", id="infinite weight"),
        pytest.param(("name: A,", "name: {zh: 甲, de: A},"), "bands[0].name", "unknown language 'de'", id="name in an unknown language"),
        pytest.param(("name: A,", "name: [A],"), "bands[0].name", "expected the band's name", id="name as a list"),
        pytest.param(("cap: 3000", "cap: 3000\nbonus: 1"), "bonus", "unknown key", id="typo"),
    ],
)
def test_a_bad_table_fails_at_load_naming_the_key(tmp_path, change, key, problem):
    with pytest.raises(ConfigError) as info:
        load_awards(table(tmp_path, GOOD.replace(*change)))
    assert info.value.key == key and problem in info.value.problem


def test_a_band_named_per_language_keeps_one_name_and_both_texts(tmp_path):
    rule = load_awards(table(tmp_path, GOOD.replace("name: A,", "name: {zh: 优秀, en: excellent},")))
    assert rule.bands[0].name == "优秀"
    assert rule.describe()["bands"][0] == {
        "name": "优秀",
        "up_to_share": 0.25,
        "weight": 3.0,
        "texts": {"name": {"zh": "优秀", "en": "excellent"}},
    }
    assert "texts" not in rule.describe()["bands"][1]


def test_awards_add_up_to_the_budget_with_bands_and_caps(tmp_path):
    rule = load_awards(table(tmp_path, GOOD))
    result = allocate(rule, units(90, 80, 70, 60, 50, 40, 30, 20))
    awards = {u["id"]: u for u in result["units"]}
    assert result["total"] == sum(u["award"] for u in result["units"]) == 10000
    assert all(u["award"] % 100 == 0 for u in result["units"])
    assert [awards[f"u{i}"]["band"] for i in range(8)] == ["A", "A", "B", "B", "B", "B", "C", "C"]
    assert awards["u0"]["award"] == awards["u1"]["award"] == 3000 and awards["u0"]["capped"]  # 3 × 90 and 3 × 80 claim more than the cap
    assert awards["u6"]["award"] == awards["u7"]["award"] == 0  # band C has weight 0
    assert awards["u2"]["award"] > awards["u5"]["award"]  # within a band, by score


def test_caps_too_tight_for_the_budget_fail_saying_so(tmp_path):
    rule = load_awards(table(tmp_path, GOOD.replace("cap: 3000", "cap: 1000")))
    with pytest.raises(AwardError, match="caps allow at most 6,000 of 10,000"):
        allocate(rule, units(90, 80, 70, 60, 50, 40, 30, 20))


@pytest.mark.parametrize(
    "total, weights, caps, step, expected",
    [
        pytest.param(10, [1, 1, 1], None, 1, [4, 3, 3], id="largest remainder, first on ties"),
        pytest.param(100, [5, 1, 1], [50, None, None], 1, [50, 25, 25], id="cap passes the excess on"),
        pytest.param(48483, [0.3, 2.2, 7.1, 0.001], None, 1, None, id="exact sum, odd weights"),
        pytest.param(1000, [1, 2], None, 100, [300, 700], id="steps"),
    ],
)
def test_apportion(total, weights, caps, step, expected):
    got = apportion(total, weights, caps, step)
    assert sum(got) == total and all(v % step == 0 for v in got)
    if caps:
        assert all(c is None or v <= c for v, c in zip(got, caps))
    if expected is not None:
        assert got == expected
