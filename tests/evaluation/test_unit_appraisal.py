"""The unit appraisal end to end (issue 16): the simulated Shandong network served over HTTP, its
catalogue and 2012 service statistics harvested into a real store, and `hub evaluate
units-shandong-2012 --period 2012` printing the seed document's totals and an award table that adds
up to the budget."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub import PROJECT_ROOT
from hub.config import Registry, Settings
from hub.evaluation.awards import load_awards
from hub.harvest.pipeline import Harvester
from hub.simulate import SimulatorServer
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from tests.evaluation.invariants import assert_uncertainty_invariants

HUB = str(Path(sys.executable).with_name("hub"))
SHANDONG = "370000"


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    """Shandong at scale 1 (4,117 instruments; the seed's figures are for the real network)."""
    with SimulatorServer(networks=[SHANDONG], scale=1.0, port=0) as sim, pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUB_SIMULATOR_URL", sim.url)
        registry = Registry.load()
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('appraisal')}/hub.sqlite")
        upgrade(store)
        sync_networks(store, registry)
        results = Harvester(store, Settings.load()).harvest(registry.get(SHANDONG), full=True, year=2012)
        assert [r.state for r in results] == ["succeeded", "succeeded"], results
        yield store, sim.url
        store.dispose()


@pytest.mark.slow
def test_hub_evaluate_prints_the_seed_aggregates_and_awards_the_whole_budget(harvested, tmp_path):
    store, sim_url = harvested
    out = tmp_path / "out"
    env = dict(os.environ, HUB_DATABASE_URL=store.url, HUB_SIMULATOR_URL=sim_url)
    done = subprocess.run(
        [HUB, "evaluate", "units-shandong-2012", "--period", "2012", "--runs", "100", "--out", str(out), "--top", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout
    assert "appraisal 2012: 76 units, 342 instruments" in printed
    assert "external services  48,483 (enterprises 27,829 = 57.40 %)" in printed
    assert "samples            2,950,000 (external 1,018,045 = 34.51 %)" in printed
    assert "hours of use       937,700" in printed
    assert "total awarded 2,000,000 yuan = budget 2,000,000 yuan" in printed

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    budget = load_awards(PROJECT_ROOT / "conf" / "evaluation" / "awards" / "shandong-2012.yaml").budget
    awards = report["awards"]
    assert sum(u["award"] for u in awards["units"]) == awards["total"] == budget
    assert all(u["award"] <= awards["rule"]["cap"] for u in awards["units"])
    printed_rows = [line for line in printed.splitlines() if re.match(r"\s*\d+\s+\S{9,18}\s", line)]
    assert printed_rows  # the award table is printed, not only summed
    assert report["counts"]["ranked"] == 76 and report["aggregates"]["units"] == 76
    assert assert_uncertainty_invariants(report) == 76 and report["audit"]["units"] == 76
    # report.html is English: the bands and dimensions by their English names (they read
    # "优秀 excellent", "运行使用 Operation and use" in every language before)
    from hub.evaluation.html import to_html_bytes

    english = (out / "report.html").read_text(encoding="utf-8")
    assert "<td class=l>excellent</td>" in english and "<th>Operation and use</th>" in english
    assert "优秀" not in english and "运行使用" not in english
    chinese = to_html_bytes(report, "zh").decode("utf-8")
    assert "<td class=l>优秀</td>" in chinese and "<th>运行使用</th>" in chinese and "excellent" not in chinese
