"""Health probes: real requests to the simulator, recorded under the times we choose; an outage shows
in availability for its period and lowers the network-environment score of the evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub import PROJECT_ROOT
from hub.evaluation.service import run_evaluation
from hub.harvest.pipeline import Harvester
from hub.ops import probes
from hub.store.networks import sync_networks
from tests.ops.conftest import pulled

FRAMEWORK = PROJECT_ROOT / "conf" / "evaluation" / "networks-2013.yaml"


def P(ok, latency=None, minute=0):
    return {
        "network": "370000",
        "at": datetime(2030, 1, 1, 0, minute, tzinfo=timezone.utc),
        "ok": ok,
        "latency_ms": latency,
        "kind": "ok" if ok else "http_503",
    }


@pytest.mark.parametrize(
    "rows, availability, p50, p95",
    [
        pytest.param([], None, None, None, id="no probes: no figure"),
        pytest.param([P(True, 10), P(True, 30), P(False), P(True, 20)], 0.75, 20.0, 30.0, id="a failure lowers availability, not latency"),
        pytest.param([P(False), P(False)], 0.0, None, None, id="all down: no latency"),
        pytest.param([P(True, v) for v in range(1, 101)], 1.0, 50.0, 95.0, id="nearest-rank percentiles"),
    ],
)
def test_availability_and_latency_of_a_period(rows, availability, p50, p95):
    assert probes.availability(rows) == availability
    assert probes.latency(rows, 50) == p50 and probes.latency(rows, 95) == p95


@pytest.mark.parametrize(
    "fault, kind",
    [
        pytest.param({"kind": "unavailable", "retry_after": 1}, "http_503", id="503 with Retry-After"),
        pytest.param({"kind": "http_error", "status": 500}, "http_500", id="500"),
    ],
)
def test_a_probe_records_reachability_and_latency_per_network(registry, settings, sim, store, fault, kind):
    sim.set_fault("370000", **fault)
    results = {r.network: r for r in probes.probe_all(store, pulled(registry), settings)}
    assert results["370000"].ok is False and results["370000"].kind.startswith(kind[:5]), results["370000"]
    assert "370000" in results["370000"].message
    for code in ("420000", "130000"):
        assert results[code].ok and results[code].kind == "ok" and 0 < results[code].latency_ms < 5000
    with store.read() as conn:
        stored = probes.load(conn, None, datetime.now(timezone.utc) - timedelta(minutes=1), datetime.now(timezone.utc))
    assert sorted((p["network"], p["ok"]) for p in stored) == [("130000", True), ("370000", False), ("420000", True)]


def _env(report, code):
    unit = next(u for u in report["units"] if u["id"] == code)
    return unit["indicators"]["availability"]["raw"], unit["scores"]["environment"], unit["trace"]["availability"]


@pytest.mark.slow
def test_an_hour_of_outage_shows_in_availability_and_lowers_the_environment_score(registry, settings, sim, sqlite_store):
    store = sqlite_store
    sync_networks(store, registry)
    harvester = Harvester(store, settings)
    for network in pulled(registry):
        # with 2012's service statistics: an evaluation over a period without them fails (issue 16)
        for run in harvester.harvest(network, year=2012):
            assert run.state == "succeeded", run.message
    # Two days of probes every 30 minutes, in the future of the harvest so the evaluation dates are
    # after it. On day 2, 420000 answers 503 from 10:00 to 11:00.
    day1 = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    outage = (day1 + timedelta(days=1, hours=10), day1 + timedelta(days=1, hours=11))
    at = day1
    while at < day1 + timedelta(days=2):
        down = outage[0] <= at < outage[1]
        if down:
            sim.set_fault("420000", "unavailable", retry_after=1)
        results = probes.probe_all(store, pulled(registry), settings, at=at)
        if down:
            sim.clear_faults("420000")
            sim.set_fault("420000", "rate_limit", per_second=None)
        assert [r.ok for r in results if r.network == "420000"] == [not down]
        at += timedelta(minutes=30)

    with store.read() as conn:
        during = probes.load(conn, "420000", outage[0] - timedelta(seconds=1), outage[1])
        day2 = probes.load(conn, "420000", day1 + timedelta(days=1) - timedelta(seconds=1), day1 + timedelta(days=2))
    assert [p["ok"] for p in during] == [False, False, True], "10:00 and 10:30 down, 11:00 back"
    assert probes.availability(day2) == pytest.approx(46 / 48)

    before, _ = run_evaluation(store, FRAMEWORK, runs=0, as_of=day1 + timedelta(days=1) - timedelta(seconds=1))
    after, _ = run_evaluation(store, FRAMEWORK, runs=0, as_of=day1 + timedelta(days=2))
    avail_before, env_before, trace_before = _env(before, "420000")
    avail_after, env_after, trace_after = _env(after, "420000")
    assert avail_before == 1.0 and trace_before == {
        "uses": "probes",
        "probes": 48,
        "failed": 0,
        "from": trace_before["from"],
        "to": trace_before["to"],
    }
    assert avail_after == pytest.approx(94 / 96) and trace_after["failed"] == 2
    assert env_after < env_before
    for code in ("370000", "130000"):  # the others were up throughout
        assert _env(after, code)[0] == 1.0
