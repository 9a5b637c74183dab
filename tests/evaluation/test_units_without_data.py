"""A unit that has no data for a node is unranked there, and takes no place from the units that have.

Reproduced on the CLI: a table of five units, one with every cell empty and the framework's default
screening (`min_availability` 0, so it is kept): the best unit came out 2nd — the empty unit held the
1st place without being shown — and the terminal table then crashed printing its rank interval.
"""

from __future__ import annotations

from click.testing import CliRunner

from hub.evaluation.service import run_evaluation

TABLE = "id,a,b\nA,1,1\nB,1,1\nC,2,2\nD,0,NA\nE,NA,NA\n"
FRAMEWORK = """\
title: ties and an empty unit
units: inputs
inputs: [t.csv]
uncertainty: {runs: 50, weights: {noise: 0.2}, normalise: [{method: rank}]}
index: idx
nodes:
  idx: {children: [da, db]}
  da: {children: [a]}
  db: {children: [b]}
  a: {source: {column: a}}
  b: {source: {column: b}}
"""


def _framework(tmp_path):
    (tmp_path / "t.csv").write_text(TABLE, encoding="utf-8")
    path = tmp_path / "fw.yaml"
    path.write_text(FRAMEWORK, encoding="utf-8")
    return path


def test_the_best_unit_ranks_first_beside_a_unit_without_data(tmp_path):
    report, _ = run_evaluation(None, _framework(tmp_path), seed=1)
    ranks = {u["id"]: u["rank"] for u in report["units"]}
    assert ranks == {"C": 1, "A": 2, "B": 2, "D": 4, "E": None}
    # a dimension D has no value for: D is unranked there, the others keep 1, 2, 2
    assert {u["id"]: u["ranks"]["db"] for u in report["units"]} == {"C": 1, "A": 2, "B": 2, "D": None, "E": None}
    # every run of the Monte Carlo ranks the same way: nobody's interval reaches above the 1st place
    intervals = {u["id"]: (u["uncertainty"]["rank_min"], u["uncertainty"]["rank_max"]) for u in report["units"]}
    assert intervals["C"][0] == 1 and all(lo >= 1 for lo, _hi in [v for k, v in intervals.items() if k != "E"])


def test_the_terminal_ranking_lists_a_unit_without_data(tmp_path):
    from hub.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["evaluate", str(_framework(tmp_path)), "--out", str(out), "--seed", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2].split()[:2] == ["1", "C"]
    assert [line.split()[:2] for line in lines if line.split()[1:2] == ["E"]] == [["-", "E"]]
