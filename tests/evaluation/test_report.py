"""Uncertainty analysis and the report of an input-table framework (ASEM), through the CLI too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hub.evaluation.service import run_evaluation

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def asem_report():
    return run_evaluation(None, DATA / "asem.yaml", seed=11, runs=300)


def test_same_inputs_and_seed_give_byte_identical_report(asem_report):
    _report, data = asem_report
    assert run_evaluation(None, DATA / "asem.yaml", seed=11, runs=300)[1] == data
    assert run_evaluation(None, DATA / "asem.yaml", seed=12, runs=300)[1] != data


def test_report_carries_checksums_and_every_step(asem_report):
    report, data = asem_report
    assert json.loads(data) == report
    assert b'Z"' not in data.replace(b'Z",\n', b"")  # no timestamps anywhere
    assert len(report["framework"]["sha256"]) == 64 and report["inputs"][0]["file"] == "asem_iData.csv"
    che = report["units"][0]
    assert che["id"] == "CHE" and che["rank"] == 1
    assert set(che["indicators"]["Flights"]) == {"raw", "denominator", "value", "imputed", "treated", "normalised"}
    assert che["indicators"]["Flights"]["value"] == pytest.approx(
        che["indicators"]["Flights"]["raw"] / che["indicators"]["Flights"]["denominator"]
    )
    screened = [u for u in report["units"] if u["screened_out"]]
    assert len(screened) == 5 and all(u["rank"] is None for u in screened)


def test_uncertainty_gives_rank_intervals_and_sobol_indices(asem_report):
    report, _ = asem_report
    unc = report["uncertainty"]
    assert unc["runs"] == 300 and set(unc["sobol"]) == {"weights", "normalisation", "aggregation"}
    assert unc["mean_abs_rank_shift"] > 0
    for s in unc["sobol"].values():
        assert s["ST"] >= s["S1"] - 0.2  # total includes first-order (up to estimation error)
    for u in report["units"]:
        if u["rank"] is not None:
            x = u["uncertainty"]
            assert 1 <= x["rank_p05"] <= x["median_rank"] <= x["rank_p95"] <= 46


def test_no_uncertainty_section_means_no_monte_carlo():
    report, _ = run_evaluation(None, DATA / "hdi2021.yaml", runs=500)
    assert report["uncertainty"] is None


@pytest.mark.slow
def test_cli_writes_the_three_files(tmp_path):
    # The installed `hub` script, as a user runs it (a fresh process: no test-path side effects).
    hub = Path(sys.executable).parent / "hub"
    rows = (DATA / "hdi2021_raw_and_published.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "five.csv").write_text("\n".join(rows[:6]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [
            str(hub),
            "evaluate",
            str(DATA / "hdi2021.yaml"),
            "--inputs",
            str(tmp_path / "five.csv"),
            "--out",
            str(out),
            "--runs",
            "0",
            "--top",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "ARE" in result.stdout and "United Arab Emirates" in result.stdout
    assert {p.name for p in out.iterdir()} == {"report.json", "report.csv", "report.html"}
    csv_rows = (out / "report.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_rows) == 6 and csv_rows[1].startswith("1,ARE,United Arab Emirates,0.91")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["inputs"][0]["file"] == "five.csv"


def test_outputs_are_written_whole_or_not_at_all(asem_report, tmp_path, monkeypatch):
    # A report that cannot be drawn leaves the previous report.json/csv/html as they were, never a
    # new report.json beside an old report.html.
    import hub.evaluation.html
    from hub.evaluation.service import write_outputs

    report, data = asem_report
    files = write_outputs(report, data, tmp_path)
    before = {p.name: p.read_bytes() for p in files.values()}

    def broken(*_a, **_k):
        raise RuntimeError("cannot draw")

    monkeypatch.setattr(hub.evaluation.html, "to_html_bytes", broken)
    other, other_data = run_evaluation(None, DATA / "asem.yaml", seed=12, runs=30)
    with pytest.raises(RuntimeError):
        write_outputs(other, other_data, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
