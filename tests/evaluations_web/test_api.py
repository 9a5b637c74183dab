"""POST/GET /api/v1/evaluations: who may do what, what is stored, byte-identical reports, and the
problem documents that name the file and key at fault."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from sqlalchemy import select

from hub.auth.audit import AUDIT
from hub.evaluation.report import to_csv_bytes
from hub.evaluation.requests import REQUESTS
from hub.evaluation.service import run_evaluation, write_outputs
from hub.store.models import Evaluation
from tests.evaluations_web.conftest import CONF, SAMPLE, auth, finished

SAMPLE_TEXT = (CONF / SAMPLE).read_text(encoding="utf-8")


def small(**extra):
    """A fast request: the test framework, 40 Monte Carlo runs."""
    return {"framework": "provinces", "runs": 40, "seed": 7, **extra}


def stored(store):
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(Evaluation).order_by(Evaluation.id))]


def audit_entries(store, action):
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(AUDIT).where(AUDIT.c.action == action))]


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize(
    "token, status",
    [
        pytest.param(None, 401, id="no token"),
        pytest.param("hub_0000abcd_" + "x" * 43, 401, id="unknown token"),
        pytest.param("revoked", 401, id="revoked evaluator token"),
        pytest.param("publisher", 403, id="a publisher may not evaluate"),
        pytest.param("evaluator", 202, id="evaluator"),
        pytest.param("admin", 202, id="admin"),
    ],
)
def test_who_may_create_an_evaluation(client, post, store, tokens, token, status):
    r = post(small(), token=token)
    assert r.status_code == status, r.get_data(as_text=True)
    if status == 202:
        assert finished(client, r, tokens[token])["state"] == "succeeded"
    rows = stored(store)
    if status == 202:
        assert len(rows) == 1 and rows[0]["created_by"] == tokens[token].split("_")[1]
        [entry] = audit_entries(store, "evaluation.created")
        assert (entry["actor"], entry["role"], entry["target"]) == (tokens[token].split("_")[1], token, str(rows[0]["id"]))
        assert entry["detail"]["report_sha256"] == rows[0]["report_sha256"]
    else:
        assert r.content_type == "application/problem+json" and r.get_json()["status"] == status
        assert rows == [] and audit_entries(store, "evaluation.created") == []  # a refusal leaves nothing behind
        if status == 401:
            assert "WWW-Authenticate" in r.headers


@pytest.mark.parametrize("token, status", [(None, 401), ("revoked", 401), ("publisher", 403)])
def test_who_may_publish(client, created, tokens, token, status):
    eid = created(small())["id"]
    r = client.post(f"/api/v1/evaluations/{eid}/publish", headers=auth(tokens.get(token)))
    assert r.status_code == status
    assert client.get("/api/v1/evaluations").get_json() == []


# --------------------------------------------------------------------------- stored and served as computed


def test_created_evaluation_is_stored_and_served_byte_identical(client, post, store, tokens, frameworks, tmp_path):
    r = post(small(title="机制与体验 2013", inputs=[{"name": "survey.csv", "csv": SAMPLE_TEXT}]))
    assert r.status_code == 202 and r.get_json()["state"] in ("queued", "running", "succeeded"), r.get_json()
    rid = r.get_json()["id"]
    assert r.headers["Location"] == f"/api/v1/evaluations/requests/{rid}"
    status = finished(client, r, tokens["evaluator"])
    assert status["state"] == "succeeded", status
    body = status["evaluation"]
    eid = body["id"]
    assert status["links"]["evaluation"] == f"/api/v1/evaluations/{eid}"
    assert client.get(r.headers["Location"]).status_code == 401  # a request's state is the evaluators'
    assert body["title"] == "机制与体验 2013" and body["published"] is False and body["framework"] == "provinces.yaml"
    assert body["seed"] == 7 and body["runs"] == 40
    assert [t["file"] for t in body["inputs"]] == ["survey.csv"]
    assert body["inputs"][0]["sha256"] == hashlib.sha256(SAMPLE_TEXT.encode()).hexdigest()
    with store.read() as conn:  # the uploaded table served its run: the report keeps its name and hash
        assert conn.execute(select(REQUESTS.c.inputs).where(REQUESTS.c.id == rid)).scalar_one() == []
    assert len(body["ranking"]) == 30 and [u["rank"] for u in body["ranking"]] == list(range(1, 31))
    assert all(u["rank_p05"] <= u["median_rank"] <= u["rank_p95"] for u in body["ranking"])

    # What `hub evaluate provinces.yaml --inputs survey.csv --seed 7 --runs 40` writes, file by file.
    (tmp_path / "survey.csv").write_text(SAMPLE_TEXT, encoding="utf-8")
    report, expected = run_evaluation(None, frameworks / "provinces.yaml", inputs=[tmp_path / "survey.csv"], seed=7, runs=40)
    files = {"json": expected, "csv": to_csv_bytes(report)}  # write_outputs' bytes; report.html: test_report_html_is_the_clis
    assert client.get(f"/api/v1/evaluations/{eid}").status_code == 404  # a draft is not public
    evaluator = auth(tokens["evaluator"])
    got = client.get(f"/api/v1/evaluations/{eid}", headers=evaluator)
    assert got.status_code == 200 and got.content_type.startswith("application/json")
    assert got.data == expected == files["json"]
    assert body["report_sha256"] == hashlib.sha256(expected).hexdigest() == got.headers["ETag"].strip('"')
    assert stored(store)[0]["report"].encode("utf-8") == expected
    assert client.get(f"/api/v1/evaluations/{eid}/report.csv", headers=evaluator).data == files["csv"]
    again = client.get(f"/api/v1/evaluations/{eid}", headers={**evaluator, "If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.slow
def test_report_html_is_the_clis(client, created, frameworks, tmp_path):
    """report.html is drawn from the stored report.json. The CLI draws it from the in-memory report,
    whose Sobol table keeps the engine's order where report.json sorts keys: the two agree byte for
    byte up to that table, which lists the same rows (hub/evaluation/html.py could sort them)."""
    eid = created(small(publish=True))["id"]
    report, expected = run_evaluation(None, frameworks / "provinces.yaml", seed=7, runs=40)
    cli_page = write_outputs(report, expected, tmp_path)["html"].read_bytes()
    r = client.get(f"/api/v1/evaluations/{eid}/report.html")
    assert r.status_code == 200 and r.content_type == "text/html; charset=utf-8"

    def parts(page):
        head, rest = page.split(b"<h2>Uncertainty and sensitivity</h2>")
        sobol, tail = rest.split(b"<h2>Breakdown per unit</h2>")
        return head, sorted(sobol.replace(b"</table>", b"").split(b"<tr>")), tail

    assert parts(r.data) == parts(cli_page)
    assert b"<script" not in r.data and not re.search(rb"""(src|href)=["']?(https?:)?//""", r.data)  # nothing from elsewhere


def test_multipart_upload_hashes_the_bytes_sent(client, tokens, frameworks, tmp_path):
    import io

    raw = "\ufeff".encode() + SAMPLE_TEXT.replace("\n", "\r\n").encode("utf-8")  # as Excel saves it
    r = client.post(
        "/api/v1/evaluations",
        headers=auth(tokens["admin"]),
        content_type="multipart/form-data",
        data={"framework": "provinces", "runs": "0", "seed": "3", "publish": "true", "inputs": [(io.BytesIO(raw), "调查 2013.csv")]},
    )
    status = finished(client, r, tokens["admin"])
    assert status["state"] == "succeeded", status
    (tmp_path / "调查 2013.csv").write_bytes(raw)
    _, expected = run_evaluation(None, frameworks / "provinces.yaml", inputs=[tmp_path / "调查 2013.csv"], seed=3, runs=0)
    assert client.get(status["links"]["evaluation"]).data == expected  # published: public


def test_built_in_framework_over_the_store(created, client, store):
    from tests.evaluation.evaluation_factories import AS_OF, populate

    populate(store)
    body = created({"framework": "networks-2013", "period": 2012, "seed": 5, "runs": 30, "as_of": AS_OF.isoformat(), "publish": True})
    assert [u["id"] for u in body["ranking"]] == ["370000", "420000", "130000"]
    _, expected = run_evaluation(store, CONF / "networks-2013.yaml", 2012, seed=5, runs=30, as_of=AS_OF)
    assert client.get(f"/api/v1/evaluations/{body['id']}").data == expected
    report = json.loads(expected)
    assert report["units"][0]["trace"]  # the metrics' provenance travels with the stored report


# --------------------------------------------------------------------------- refusals that name the culprit

BAD_FRAMEWORK = """\
title: broken
units: inputs
inputs: [inputs-2013-sample.csv]
index: overall
nodes:
  overall: {children: [policies]}
  policies: {source: {column: policies_issued}, normalise: {method: minmaxx}}
"""


@pytest.mark.parametrize(
    "request_body, names",
    [
        pytest.param({"framework": "nope"}, ["framework", "nope", "provinces"], id="unknown framework lists the known ones"),
        pytest.param({"framework": "../../conf/settings"}, ["framework"], id="no path outside the framework directory"),
        pytest.param({"framework": "broken"}, ["broken.yaml", "nodes.policies", "minmaxx"], id="framework with an unknown method"),
        pytest.param(
            {"inputs": [{"name": "survey.csv", "csv": SAMPLE_TEXT.replace("86.9", "good")}]},
            ["survey.csv", "unit 110000, column survey_score", "expected a number"],
            id="text in a numeric column",
        ),
        pytest.param(
            {"inputs": [{"name": "survey.csv", "csv": SAMPLE_TEXT.replace("120000,天津市,4,", "120000,天津市,")}]},
            ["survey.csv", "row 3", "expected 7 cells"],
            id="short row",
        ),
        pytest.param(
            {"inputs": [{"name": "survey.csv", "csv": "network,province,policies_issued\n110000,北京市,3\n"}]},
            ["provinces.yaml", "nodes.funds", "incentive_funds_wanyuan", "survey.csv"],
            id="missing input column",
        ),
        pytest.param(
            {"inputs": [{"name": "a.csv", "csv": SAMPLE_TEXT}, {"name": "b.csv", "csv": SAMPLE_TEXT}]},
            ["b.csv", "also given by a.csv"],
            id="a column in two tables",
        ),
    ],
)
def test_bad_framework_or_inputs_are_422_naming_file_and_key(post, store, frameworks, request_body, names):
    (frameworks / "broken.yaml").write_text(BAD_FRAMEWORK, encoding="utf-8")
    r = post(small(**request_body))
    assert r.status_code == 422, r.get_json()
    doc = r.get_json()
    text = json.dumps(doc, ensure_ascii=False)
    for name in names:
        assert name in text, (name, doc)
    assert str(frameworks) not in text and "hub-evaluation-" not in text  # no server paths
    assert doc["errors"][0]["parameter"] in ("framework", "inputs")
    assert stored(store) == []


@pytest.mark.parametrize(
    "request_body, parameter",
    [
        pytest.param(small(runs=5001), "runs", id="runs beyond the cap"),
        pytest.param(small(runs=-1), "runs", id="negative runs"),
        pytest.param(small(colour="red"), "colour", id="unknown key"),
        pytest.param(small(inputs=[{"name": "../x.csv", "csv": "a\n"}]), "inputs", id="a path as input name"),
        pytest.param(small(inputs=[{"name": ".env", "csv": "a\n"}]), "inputs", id="a hidden file name"),
        pytest.param(
            small(inputs=[{"name": "a.csv", "csv": "a\n"}, {"name": "a.csv", "csv": "a\n"}]), "inputs", id="two inputs with one name"
        ),
        pytest.param(small(period="last year"), "period", id="period not a year"),
        pytest.param(["not", "an", "object"], "(request)", id="not a JSON object"),
    ],
)
def test_bad_parameters_are_400(post, store, request_body, parameter):
    r = post(request_body)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["errors"][0]["parameter"] == parameter
    assert r.get_json()["errors"][0]["in"] == "body"
    assert stored(store) == []


def test_a_framework_asking_for_too_many_runs_needs_runs_given(post, frameworks):
    text = (frameworks / "provinces.yaml").read_text(encoding="utf-8").replace("runs: 120", "runs: 9000")
    (frameworks / "greedy.yaml").write_text(text, encoding="utf-8")
    r = post({"framework": "greedy"})
    assert r.status_code == 400 and "9000" in r.get_json()["detail"]
    assert post({"framework": "greedy", "runs": 10}).status_code == 202


# --------------------------------------------------------------------------- listing and publishing


def test_drafts_are_visible_to_evaluators_only_until_published(client, created, store, tokens):
    published = created(small(title="public", publish=True))["id"]
    draft = created(small(title="draft"))["id"]

    def listed(token=None):
        r = client.get("/api/v1/evaluations", headers=auth(tokens.get(token, token)))
        return r.status_code, [e["title"] for e in r.get_json()] if r.status_code == 200 else None

    assert listed() == (200, ["public"])
    assert listed("publisher") == (200, ["public"])
    assert listed("evaluator") == (200, ["draft", "public"])  # newest first
    assert listed("admin") == (200, ["draft", "public"])
    assert listed("revoked")[0] == 401
    entry = client.get("/api/v1/evaluations").get_json()[0]
    assert set(entry) >= {"id", "title", "framework", "period", "created_at", "published", "report_sha256"}
    assert entry["created_at"].endswith("Z")

    for suffix in ("", "/report.csv", "/report.html"):
        assert client.get(f"/api/v1/evaluations/{draft}{suffix}").status_code == 404
    for suffix in ("", "/report.csv"):  # (report.html is drawn, seconds; test_report_html_is_the_clis)
        assert client.get(f"/api/v1/evaluations/{draft}{suffix}", headers=auth(tokens["evaluator"])).status_code == 200
        assert client.get(f"/api/v1/evaluations/{published}{suffix}").status_code == 200
    assert client.get(f"/evaluations/{draft}").status_code == 404
    assert client.get("/api/v1/evaluations/999").status_code == 404

    for _ in range(2):  # publishing twice is harmless and audited once
        r = client.post(f"/api/v1/evaluations/{draft}/publish", headers=auth(tokens["evaluator"]))
        assert r.status_code == 200 and r.get_json()["published"] is True
    assert len(audit_entries(store, "evaluation.published")) == 1
    assert listed() == (200, ["draft", "public"])
    assert client.get(f"/evaluations/{draft}").status_code == 200
    assert client.post("/api/v1/evaluations/999/publish", headers=auth(tokens["admin"])).status_code == 404


def test_openapi_describes_the_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {
        "/api/v1/evaluations",
        "/api/v1/evaluations/{eid}",
        "/api/v1/evaluations/{eid}/report.csv",
        "/api/v1/evaluations/{eid}/report.html",
        "/api/v1/evaluations/{eid}/publish",
        "/api/v1/evaluations/requests/{rid}",
    } <= set(paths)
    create = paths["/api/v1/evaluations"]["post"]
    assert {"202", "401", "403", "422"} <= set(create["responses"])
    assert {"application/json", "multipart/form-data"} <= set(create["requestBody"]["content"])
    assert not any(p.startswith("/evaluations") for p in paths)  # the pages are not API


def test_a_body_beyond_the_limit_is_refused_before_it_is_read(client, tokens):
    from hub.web.api.evaluations import MAX_BODY_BYTES

    r = client.post(
        "/api/v1/evaluations", data=b"x" * (MAX_BODY_BYTES + 1), content_type="application/json", headers=auth(tokens["evaluator"])
    )
    assert r.status_code == 413 and r.get_json()["limit"] == MAX_BODY_BYTES


@pytest.mark.parametrize(
    "name, csv, parameter",
    [
        pytest.param("survey.csv", SAMPLE_TEXT + SAMPLE_TEXT.splitlines()[1] + "\n", "inputs", id="duplicate unit: inputs"),
        pytest.param("survey.yaml", SAMPLE_TEXT.replace("86.9", "good"), "inputs", id="a table named .yaml is still an input"),
        pytest.param("survey.csv", "network,province\n110000,北京市\n", "framework", id="a column the framework needs is missing"),
    ],
)
def test_422_says_which_parameter_is_at_fault(post, name, csv, parameter):
    r = post(small(inputs=[{"name": name, "csv": csv}]))
    doc = r.get_json()
    assert r.status_code == 422 and doc["errors"][0]["parameter"] == parameter
    assert doc["source"] == (name if parameter == "inputs" else "provinces.yaml")


def test_periods_of_a_framework_over_input_tables_are_refused_at_once(post, store):
    """Found by the check before queuing (it was the run's refusal): nothing is queued or stored."""
    r = post(small(periods=[2011, 2012]))
    assert r.status_code == 422 and "periods need a framework over the store" in r.get_json()["detail"], r.get_json()
    assert r.get_json()["type"].endswith("evaluation-failed") and "provinces.yaml" in r.get_json()["detail"]
    assert stored(store) == []
