"""Evaluations asked for through the API run in the job queue, never in the web request: a request
waits until a worker runs it; a run that died is run again without a second evaluation; a run that
keeps dying, or fails, ends `failed` with its problem."""

from __future__ import annotations


import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text, update

from hub.auth.tokens import create_token
from hub.evaluation.requests import MAX_ATTEMPTS, REQUESTS
from hub.evaluation.service import run_evaluation
from hub.queue.tasks import Context, evaluate
from hub.store.models import Evaluation
from hub.web import create_app
from tests.conftest import auth


@pytest.fixture
def web(store, frameworks, jobs):
    """A web process as deployed for tests: no in-process runner (FEED_WORKER off), so on SQLite too
    nothing runs until the queue is asked to."""
    app = create_app({"STORE": store, "TESTING": True, "FEED_WORKER": False, "EVALUATION_FRAMEWORKS": str(frameworks)})
    app.extensions["hub_jobs"] = jobs  # the test's queue, so that it can be stopped
    return app.test_client(), auth(create_token(store, "evaluator")[1])


def evaluations(store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(Evaluation.__table__)).scalar_one()


def test_the_web_process_queues_and_a_worker_computes(store, web, jobs, frameworks):
    client, headers = web
    r = client.post("/api/v1/evaluations", json={"framework": "provinces", "runs": 40, "seed": 7}, headers=headers)
    assert r.status_code == 202, r.get_json()
    location = r.headers["Location"]
    # No worker has run: the request waits and nothing was computed, however often it is asked for.
    for _ in range(3):
        assert client.get(location, headers=headers).get_json()["state"] == "queued"
    assert evaluations(store) == 0
    if jobs.runs_elsewhere:  # PostgreSQL: the web process deferred a job for `hub worker`
        with store.read() as conn:
            assert conn.execute(text("SELECT task_name, status FROM procrastinate_jobs")).all() == [("hub.evaluate", "todo")]
    assert jobs.run_pending() >= 1  # what a `hub worker` does
    doc = client.get(location, headers=headers).get_json()
    assert doc["state"] == "succeeded" and doc["finished_at"], doc
    _, expected = run_evaluation(None, frameworks / "provinces.yaml", seed=7, runs=40)
    assert client.get(doc["links"]["evaluation"], headers=headers).data == expected
    assert evaluations(store) == 1
    # Its run time is the job's, read from the store by any web process's /metrics.
    scraped = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))
        for s in family.samples
    }
    assert scraped[("hub_evaluation_duration_seconds_count", (("state", "succeeded"),))] == 1


def _queued(store, web, body=None) -> int:
    client, headers = web
    r = client.post("/api/v1/evaluations", json=body or {"framework": "provinces", "runs": 0, "seed": 1}, headers=headers)
    assert r.status_code == 202, r.get_json()
    return r.get_json()["id"]


def _state(store, rid):
    with store.read() as conn:
        return conn.execute(select(REQUESTS.c.state, REQUESTS.c.evaluation_id, REQUESTS.c.problem).where(REQUESTS.c.id == rid)).first()


def test_a_run_whose_worker_died_runs_again_and_stores_one_evaluation(store, web, jobs):
    rid = _queued(store, web)
    with store.write() as conn:  # an attempt started, then its worker was killed
        conn.execute(update(REQUESTS).where(REQUESTS.c.id == rid).values(state="running", attempts=1))
    ctx = Context(store, jobs.settings, jobs.registry)
    assert "evaluation" in evaluate(ctx, rid)
    assert "nothing to do" in evaluate(ctx, rid)  # a second job of the same request (the sweep's)
    assert _state(store, rid).state == "succeeded" and evaluations(store) == 1


def test_a_run_that_keeps_dying_fails(store, web, jobs):
    rid = _queued(store, web)
    with store.write() as conn:
        conn.execute(update(REQUESTS).where(REQUESTS.c.id == rid).values(state="running", attempts=MAX_ATTEMPTS))
    evaluate(Context(store, jobs.settings, jobs.registry), rid)
    row = _state(store, rid)
    assert row.state == "failed" and "died" in row.problem["detail"] and evaluations(store) == 0


def test_a_failure_only_the_run_finds_is_the_requests_problem(store, web, jobs):
    """The built-in framework over an empty store: no service statistics, found by the run."""
    client, headers = web
    rid = _queued(store, web, {"framework": "networks-2013", "period": 2012, "runs": 0})
    jobs.run_pending()
    doc = client.get(f"/api/v1/evaluations/requests/{rid}", headers=headers).get_json()
    assert doc["state"] == "failed" and doc["problem"]["type"] == "evaluation-failed", doc
    assert "no service statistics for period 2012" in doc["problem"]["detail"] and "evaluation" not in doc
    assert evaluations(store) == 0


def test_an_unknown_request_is_404_and_a_publisher_may_not_see_one(store, web):
    client, headers = web
    rid = _queued(store, web)
    assert client.get("/api/v1/evaluations/requests/999", headers=headers).status_code == 404
    publisher = auth(create_token(store, "publisher", "440000")[1])
    assert client.get(f"/api/v1/evaluations/requests/{rid}", headers=publisher).status_code == 403


@pytest.mark.parametrize("stale_attempt_ends", ["with a report", "with an error"])
def test_an_attempt_given_up_for_dead_that_comes_back_changes_nothing(store, web, jobs, monkeypatch, stale_attempt_ends):
    """A worker frozen mid-run (SIGSTOP, a paused VM, a partition) is taken for dead and the request
    run again by another; when the first one wakes up and ends, the request keeps the later attempt's
    one evaluation and outcome."""
    from hub.evaluation import requests as evaluation_requests

    rid = _queued(store, web)
    ctx = Context(store, jobs.settings, jobs.registry)
    real, calls, later = evaluation_requests.run_evaluation, [], []

    def frozen_then_woken(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # attempt 1, frozen here while attempt 2 runs to the end
            later.append(evaluate(ctx, rid))
            if stale_attempt_ends == "with an error":
                raise RuntimeError("the stale attempt's own failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation_requests, "run_evaluation", frozen_then_woken)
    try:
        outcome = evaluate(ctx, rid)
    except RuntimeError:
        outcome = "raised"
    assert "evaluation" in later[0] and "superseded" not in later[0]
    assert outcome == "raised" if stale_attempt_ends == "with an error" else "superseded" in outcome
    row = _state(store, rid)
    assert row.state == "succeeded" and row.evaluation_id is not None and row.problem is None
    assert evaluations(store) == 1


def test_a_request_nobody_takes_says_so(store, web):
    """No `hub worker` runs: the evaluator polling the request is told after two minutes, instead
    of reading `queued` for ever."""
    from datetime import timedelta

    from hub.clock import now

    client, headers = web
    rid = _queued(store, web)
    doc = client.get(f"/api/v1/evaluations/requests/{rid}", headers=headers).get_json()
    assert doc["state"] == "queued" and doc["attempts"] == 0 and "note" not in doc
    with store.write() as conn:
        conn.execute(update(REQUESTS).where(REQUESTS.c.id == rid).values(created_at=now() - timedelta(minutes=3)))
    doc = client.get(f"/api/v1/evaluations/requests/{rid}", headers=headers).get_json()
    assert "no worker has started this request in 2 minutes" in doc["note"]
