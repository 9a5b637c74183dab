"""The uncertainty invariants every ranking must keep (issue 16), checked on a report.json dict."""

from __future__ import annotations


def assert_uncertainty_invariants(report: dict) -> int:
    """5 % <= median <= 95 % rank for every ranked unit, and the nominal rank within the runs' range
    (the nominal configuration is one of the alternatives: `includes_nominal`). Returns the number of
    units checked, so a caller can assert the check was not vacuous."""
    unc = report["uncertainty"]
    assert unc is not None and unc["includes_nominal"] is True
    checked = 0
    for u in report["units"]:
        if u["rank"] is None:
            assert "uncertainty" not in u
            continue
        x = u["uncertainty"]
        assert x["rank_p05"] <= x["median_rank"] <= x["rank_p95"], (u["id"], x)
        assert x["rank_min"] <= u["rank"] <= x["rank_max"], (u["id"], u["rank"], x)
        assert x["rank_min"] <= x["rank_p05"] and x["rank_p95"] <= x["rank_max"], (u["id"], x)
        for q in ("rank_p05", "median_rank", "rank_p95"):
            assert float(x[q]).is_integer(), (u["id"], q, x[q])  # an observed rank, never "3.5th"
        if unc["scores_summarised"]:
            assert x["score_p05"] <= x["score_median"] <= x["score_p95"], (u["id"], x)
        else:
            assert "score_median" not in x and unc["scores_not_summarised_because"]
        checked += 1
    return checked
