"""A real app around a real store, tokens of every role, and a directory of framework files:

* `provinces.yaml` — a small framework over an input table of the 30 provincial networks (ids are
  network codes, labels the provinces), two dimensions, a seeded Monte Carlo: fast enough for every
  test, and a ranking of 30 like the real one;
* `networks-2013.yaml` — the built-in framework, copied from conf/evaluation/ with its sample table.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub import PROJECT_ROOT
from hub.auth.tokens import create_token, revoke_token
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.web import create_app
from tests.conftest import auth, wait_until

CONF = PROJECT_ROOT / "conf" / "evaluation"
SAMPLE = "inputs-2013-sample.csv"

PROVINCES = """\
title: 省级网络机制与用户体验 (test framework)
units: inputs
unit_label: province
inputs: [inputs-2013-sample.csv]
defaults:
  normalise: {method: minmax, range: [0, 100]}
  aggregate: arithmetic
uncertainty:
  runs: 120
  weights: {noise: 0.25}
  normalise: [{method: percentile}]
  aggregate: [geometric]
index: overall
nodes:
  overall: {name: 综合 Overall, children: [mechanism, experience]}
  mechanism:
    name: 机制建设 Mechanism
    weight: 0.6
    rationale: Policies and money come first.
    children: [policies, funds, voucher]
  experience: {name: 用户体验 Experience, weight: 0.4, children: [survey]}
  policies: {name: 政策 Policies, source: {column: policies_issued}}
  funds: {name: 奖补 Incentive funds, source: {column: incentive_funds_wanyuan}, transform: log1p}
  voucher: {name: 创新券 Voucher, source: {column: voucher_scheme}}
  survey: {name: 满意度 Survey, source: {column: survey_score}}
"""


def make_frameworks(root: Path) -> Path:
    """The evaluation API's frameworks folder for tests: the built-in framework, the sample and
    `provinces` (tests/queue uses it too)."""
    d = root / "frameworks"
    d.mkdir()
    (d / "provinces.yaml").write_text(PROVINCES, encoding="utf-8")
    for name in ("networks-2013.yaml", SAMPLE):
        shutil.copy(CONF / name, d / name)
    return d


@pytest.fixture
def frameworks(tmp_path) -> Path:
    return make_frameworks(tmp_path)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory) -> Path:
    """A migrated SQLite file, built once: each test gets a copy (migrating costs ~0.5 s a test)."""
    path = tmp_path_factory.mktemp("evaluations-web") / "hub.sqlite"
    s = Store(f"sqlite:///{path}")
    upgrade(s)
    s.dispose()
    return path


@pytest.fixture
def store(migrated, tmp_path):
    # The API's rules do not depend on the backend (the store's own tests cover both): SQLite only.
    for f in migrated.parent.glob(migrated.name + "*"):  # with any -wal / -shm beside it
        shutil.copy(f, tmp_path / f.name)
    s = Store(f"sqlite:///{tmp_path / migrated.name}")
    yield s
    s.dispose()


@pytest.fixture
def app(store, frameworks):
    # FEED_WORKER: the app's in-process job queue runs the queued evaluations, as under `hub serve`.
    app = create_app({"STORE": store, "TESTING": True, "EVALUATION_FRAMEWORKS": str(frameworks), "FEED_WORKER": True})
    yield app
    if "hub_jobs" in app.extensions:
        app.extensions["hub_jobs"].stop()


@pytest.fixture
def tokens(store):
    """role name → token: admin, evaluator, publisher (110000), revoked (an evaluator's)."""
    out = {
        "admin": create_token(store, "admin")[1],
        "evaluator": create_token(store, "evaluator")[1],
        "publisher": create_token(store, "publisher", "110000")[1],
    }
    info, out["revoked"] = create_token(store, "evaluator")
    revoke_token(store, info.id)
    return out


@pytest.fixture
def post(client, tokens):
    """post(body, token="evaluator") → response of POST /api/v1/evaluations with a JSON body."""

    def _post(body, token="evaluator", **kw):
        return client.post("/api/v1/evaluations", json=body, headers=auth(tokens.get(token, token)), **kw)

    return _post


def finished(client, response, token: str, *, timeout: float = 120) -> dict:
    """The status document of a 202-queued evaluation request, once it succeeded or failed."""
    assert response.status_code == 202, response.get_data(as_text=True)
    location = response.headers["Location"]

    def done():
        doc = client.get(location, headers=auth(token)).get_json()
        return doc if doc["state"] in ("succeeded", "failed") else None

    return wait_until(done, timeout=timeout, what=f"evaluation request {location} to finish")


@pytest.fixture
def evaluate(client, tokens, post):
    """evaluate(body, token="evaluator") → the finished request's status document (POST, then poll)."""

    def _evaluate(body, token="evaluator", **kw):
        return finished(client, post(body, token=token, **kw), tokens.get(token, token))

    return _evaluate


@pytest.fixture
def created(evaluate):
    """created(body) → the evaluation a request made (its summary and ranking); fails if it failed."""

    def _created(body, token="evaluator", **kw):
        doc = evaluate(body, token=token, **kw)
        assert doc["state"] == "succeeded", doc
        return doc["evaluation"]

    return _created
