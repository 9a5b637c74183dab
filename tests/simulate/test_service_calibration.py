"""The simulator's Shandong 2012 service statistics add up exactly to the seed document's appraisal
totals (issue 16), and no other year or network moves."""

from __future__ import annotations

from hub.simulate.generator import network_data
from hub.simulate.network_table import spec_for


def totals(data, year):
    rows = [s for s in (data.stats(i, year) for i in range(data.n)) if s]
    return {
        "instruments": len(rows),
        "units": len({data.record(s.index).unit.number for s in rows}),
        "hours": sum(s.hours for s in rows),
        "external_services": sum(s.external_services for s in rows),
        "enterprise_services": sum(s.enterprise_services for s in rows),
        "samples": sum(s.samples for s in rows),
        "external_samples": sum(s.external_samples for s in rows),
    }, rows


def test_shandong_2012_hits_the_seed_figures_exactly():
    got, rows = totals(network_data(spec_for("370000")), 2012)
    assert got == {
        "instruments": 342,
        "units": 76,
        "hours": 937_700,
        "external_services": 48_483,
        "enterprise_services": 27_829,
        "samples": 2_950_000,
        "external_samples": 1_018_045,
    }
    assert round(got["enterprise_services"] / got["external_services"] * 100, 1) == 57.4
    assert round(got["external_samples"] / got["samples"] * 100, 2) == 34.51
    # each row is a plausible year of one instrument
    for s in rows:
        assert 0 < s.hours <= 8000 and 0 <= s.external_hours <= s.hours
        assert 0 <= s.enterprise_services <= s.external_services and 0 <= s.external_samples <= s.samples


def test_other_years_and_networks_are_drawn_as_before():
    """2011 is not calibrated: its rows come from the per-instrument draw (used share, commissioning)."""
    data = network_data(spec_for("370000"))
    got, _ = totals(data, 2011)
    assert got["instruments"] > 1000  # about used_share of the instruments bought by then, not 342
    hubei, _ = totals(network_data(spec_for("420000")), 2012)
    assert hubei["instruments"] > 500
