"""The built-in framework ranks the networks in a real store, and every metric traces to its records
and jobs."""

from __future__ import annotations

import json

import pytest

from hub import PROJECT_ROOT
from hub.evaluation.framework import load_framework
from hub.evaluation.service import load_evaluation, run_evaluation, save_evaluation, write_outputs
from tests.evaluation.evaluation_factories import populate

BUILTIN = PROJECT_ROOT / "conf" / "evaluation" / "networks-2013.yaml"


@pytest.fixture
def evaluated(store):
    populate(store)
    report, data = run_evaluation(store, BUILTIN, period=2012, seed=7, runs=200)
    return store, report, data


def by_id(report):
    return {u["id"]: u for u in report["units"]}


def test_builtin_framework_ranks_the_networks_in_the_store(evaluated):
    _store, report, _ = evaluated
    assert [u["id"] for u in report["units"]] == ["370000", "420000", "130000"]
    assert [u["rank"] for u in report["units"]] == [1, 2, 3]
    assert report["units"][0]["label"] == "山东省大型科学仪器设备协作共用网"
    dims = set(report["units"][0]["scores"])
    assert {"performance", "mechanism", "experience", "environment"} <= dims
    # every weight of the built-in framework says why
    assert all(n["rationale"] for n in report["nodes"] if n["parent"] is not None)
    # input rows for the other 27 networks were ignored, and the report says so
    assert any("ignored" in w for w in report["warnings"])


# (network, indicator, expected raw value, why)
METRIC_TABLE = [
    ("370000", "instruments", 6, "withdrawn instrument not listed"),
    ("370000", "utilisation", 1.0, "1600 h is full utilisation"),
    ("420000", "external_hours_share", 0.3, "sharing rate"),
    ("420000", "enterprise_share", 0.2, "enterprise share"),
    ("130000", "external_services_per_100", 75.0, "3 services per 4 instruments"),
    ("130000", "availability", 0.6, "old failing job outside the window"),
    ("420000", "rejected_share", 0.2, "rejected share: 1 of the 5 records offered, the run's 15 deletions none"),
    ("130000", "contact_share", 0.25, "contact share"),
    ("420000", "fee_share", 0.6, "fee share"),
    ("420000", "freshness", 90.0 - 4 + 5 / 1440, "freshness: days from update to the latest job's end"),
    ("130000", "latency_p95", 3000.0, "p95 latency"),
]


def test_metric_values_in_the_report(evaluated):
    """One evaluation, a table of expectations (the store is rebuilt per test, so they share it)."""
    _store, report, _ = evaluated
    got = {why: by_id(report)[network]["indicators"][metric]["raw"] for network, metric, _e, why in METRIC_TABLE}
    assert got == {why: pytest.approx(expected) for _n, _m, expected, why in METRIC_TABLE}


def test_every_metric_traces_to_its_records_and_jobs(evaluated):
    _store, report, _ = evaluated
    framework_metrics = {n["source"]["metric"] for n in report["nodes"] if "source" in n and "metric" in n["source"]}
    for unit in report["units"]:
        assert set(unit["trace"]) == framework_metrics
    sd = by_id(report)["370000"]["trace"]
    assert sd["instruments"] == {"uses": "instruments", "records": 6, "jobs": [1], "batches": []}
    assert sd["utilisation"] == {"uses": "service_stats", "records": 6, "jobs": [2]}
    assert sd["availability"]["jobs"] == [1, 2] and sd["availability"]["requests"] == 200
    hb = by_id(report)["130000"]["trace"]
    assert hb["availability"]["jobs"] == [4]  # job 5 is 800 days old
    assert report["window"]["jobs_to"] == "2013-06-26T12:05:00Z"
    assert report["window"]["service_year"] == 2012


def test_same_store_and_seed_give_byte_identical_report(evaluated):
    store, _report, data = evaluated
    _again, data2 = run_evaluation(store, BUILTIN, period=2012, seed=7, runs=200)
    assert data == data2
    _other, data3 = run_evaluation(store, BUILTIN, period=2012, seed=8, runs=200)
    assert data3 != data2


def test_outputs_and_stored_evaluation(evaluated, tmp_path):
    store, report, data = evaluated
    files = write_outputs(report, data, tmp_path)
    html = files["html"].read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "http://cdn" not in html and "https://" not in html
    assert "<th>Performance</th>" in html and "山东省" in html  # report.html is English by default: the English dimension names
    csv_head = files["csv"].read_text(encoding="utf-8").splitlines()[0]
    assert csv_head.startswith("rank,unit,label,score,median_rank,rank_p05,rank_p95")
    eid = save_evaluation(store, report, data, created_by="evaluator@test")
    row = load_evaluation(store, eid)
    assert row["report"].encode("utf-8") == data and row["period"] == "2012"
    assert json.loads(row["report"])["framework"]["sha256"] == load_framework(BUILTIN).sha256


def test_report_html_written_is_the_one_the_api_serves(evaluated, tmp_path):
    # Reproduced on `hub demo`: the report.html of `hub evaluate --save` and the one the API drew from
    # the stored evaluation differed in 46,000 bytes, each unit's provenance being a Python dict
    # ("{'jobs': [54], 'records': 881, …}") in the order of the moment.
    from hub.evaluation.html import to_html_bytes

    _store, report, data = evaluated
    files = write_outputs(report, data, tmp_path)
    html = files["html"].read_bytes()
    assert html == to_html_bytes(json.loads(data))  # what GET /api/v1/evaluations/{id}/report.html draws
    shandong = by_id(report)["370000"]["trace"]["utilisation"]
    assert f"jobs: {', '.join(map(str, shandong['jobs']))}; records: {shandong['records']}; uses: service_stats" in html.decode()
    assert "{&#x27;" not in html.decode()
