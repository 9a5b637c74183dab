"""Periods side by side (issue 16): the panel and the movement, and a period without service
statistics failing with a clear message — through run_evaluation and through `hub evaluate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert

from hub import PROJECT_ROOT
from hub.evaluation.engine import EvaluationError
from hub.evaluation.service import run_evaluation
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.store.models import ServiceStats
from tests.evaluation.evaluation_factories import populate, stats

HUB = str(Path(sys.executable).with_name("hub"))
BUILTIN = PROJECT_ROOT / "conf" / "evaluation" / "networks-2013.yaml"


def add_2011(store):
    """2011: Hubei (420000) and Hebei (130000) used their instruments far more than in 2012, Shandong far less."""
    rows = [dict(stats("370000", i, hours=200, external=20, services=1, enterprise=0, samples=10), year=2011) for i in range(6)]
    rows += [dict(stats("420000", i, hours=3000, external=2400, services=40, enterprise=30, samples=500), year=2011) for i in range(5)]
    rows += [dict(stats("130000", i, hours=3000, external=2400, services=40, enterprise=30, samples=500), year=2011) for i in range(3)]
    with store.write() as conn:
        conn.execute(insert(ServiceStats), rows)


def test_two_periods_give_the_panel_and_the_movement(store):
    populate(store)
    add_2011(store)
    report, _ = run_evaluation(store, BUILTIN, seed=7, runs=60, periods=[2012, 2011])
    panel = report["panel"]
    assert panel["periods"] == [2011, 2012] and (panel["from"], panel["to"]) == (2011, 2012)
    assert report["period"] == 2012 and report["uncertainty"]["runs"] == 60  # the latest, with its uncertainty
    units = {u["id"]: u for u in panel["units"]}
    assert [u["id"] for u in panel["units"]] == [u["id"] for u in report["units"]]  # in the latest ranking's order
    for uid, u in units.items():
        (r11, r12) = (s["rank"] for s in u["series"])
        assert u["rank_change"] == r11 - r12
        assert u["score_change"] == pytest.approx(u["series"][1]["score"] - u["series"][0]["score"])
    assert (units["370000"]["rank_change"], units["420000"]["rank_change"]) == (1, -1)  # Shandong overtakes Hubei
    assert units["130000"]["score_change"] < 0
    # Only 2011's service statistics differ: the catalogue and harvest indicators are read once, for
    # both years (an evaluator read the movement as a comparison of everything).
    nodes = {n["id"]: n for n in report["nodes"]}
    changed = panel["changed_indicators"]
    assert changed and all("source" in nodes[i] for i in changed)
    assert len(changed) < sum("source" in n for n in report["nodes"])


def test_a_period_without_service_statistics_fails_naming_the_years_held(store):
    populate(store)
    with pytest.raises(EvaluationError) as info:
        run_evaluation(store, BUILTIN, period=1999, runs=0)
    message = str(info.value)
    assert "no service statistics for period 1999" in message and "years held: 2012" in message
    assert "hub harvest --all --year 1999" in message


def test_hub_evaluate_with_a_period_without_data_exits_non_zero(tmp_path):
    """The symptom: `--period 1999` exited 0 and ranked 4 networks. The real `hub` command."""
    store = Store(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    upgrade(store)
    populate(store)
    env = dict(os.environ, HUB_DATABASE_URL=store.url)
    out = tmp_path / "out"
    done = subprocess.run(
        [HUB, "evaluate", "networks-2013", "--period", "1999", "--runs", "0", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: no service statistics for period 1999" in done.stderr and "years held: 2012" in done.stderr
    assert not (out / "report.json").exists()
    # and two periods through the CLI print the movement
    add_2011(store)
    done = subprocess.run(
        [HUB, "evaluate", "networks-2013", "--period", "2011", "--period", "2012", "--runs", "0", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "movement 2011 → 2012" in done.stdout
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["panel"]["periods"] == [2011, 2012]
    store.dispose()


def test_an_indicator_missing_in_both_periods_has_not_changed():
    """A pushed network has no harvest latency in either year: the note named latency among the
    indicators that differ between the years (NaN never equals NaN; an evaluator's probe)."""
    from hub.evaluation.periods import _changed_indicators

    def report(hours):
        units = [
            {"id": "110000", "indicators": {"latency_p50": {"raw": float("nan")}, "utilisation": {"raw": hours}}},
            {"id": "370000", "indicators": {"latency_p50": {"raw": 300.0}, "utilisation": {"raw": 0.5}}},
        ]
        return {"units": units}

    assert _changed_indicators(report(0.2), report(0.9)) == ["utilisation"]
    assert _changed_indicators(report(0.2), report(0.2)) == []


def test_a_period_some_networks_did_not_report_says_which(store):
    """2010's statistics from Shandong alone ranked the other networks on their catalogues without a
    word (an evaluator's probe: Beijing's 2010 push, 29 networks ranked in silence)."""
    populate(store)
    with store.write() as conn:
        conn.execute(insert(ServiceStats), [dict(stats("370000", i, hours=900, external=90), year=2010) for i in range(6)])
    report, _ = run_evaluation(store, BUILTIN, period=2010, runs=0)
    (note,) = [w for w in report["warnings"] if w.startswith("no service statistics for period 2010")]
    assert "from 2 of the 3 networks ranked (420000, 130000)" in note or "from 2 of the 3 networks ranked (130000, 420000)" in note
    assert "utilisation" in note
    full, _ = run_evaluation(store, BUILTIN, period=2012, runs=0)
    assert not [w for w in full["warnings"] if w.startswith("no service statistics")]


def test_an_as_of_date_before_anything_was_listed_fails_saying_when_the_store_begins(store):
    """`--as-of 2020-01-01` on a store harvested since ranked nobody, exited 0 and wrote report files
    with 60 warnings (an evaluator's probe)."""
    from datetime import datetime, timezone

    populate(store)
    with pytest.raises(EvaluationError) as info:
        run_evaluation(store, BUILTIN, period=2012, runs=0, as_of=datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert "no network listed any instrument at 2000-01-01T00:00:00Z" in str(info.value)
    assert "first seen from" in str(info.value)


def test_an_evaluation_stored_from_the_command_line_says_who_and_is_audited(store):
    """`hub evaluate --save` stored no creator and wrote no audit entry, where an API run has both."""
    from sqlalchemy import select

    from hub.auth.models import AuditEntry
    from hub.evaluation.service import save_evaluation
    from hub.store.models import Evaluation

    populate(store)
    report, data = run_evaluation(store, BUILTIN, period=2012, runs=0)
    eid = save_evaluation(store, report, data, created_by="cli:evaluator", published=True)
    with store.read() as conn:
        assert conn.execute(select(Evaluation.created_by).where(Evaluation.id == eid)).scalar_one() == "cli:evaluator"
        entries = conn.execute(select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.target == str(eid))).all()
    assert sorted(entries) == [("evaluation.created", "cli:evaluator"), ("evaluation.published", "cli:evaluator")]
