"""The OpenAPI document is valid OpenAPI 3 (checked by openapi-spec-validator), describes every /api
route of the app with its methods, and documents errors as what is really sent:
application/problem+json (issue 12, defect 10)."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from hub.config import Registry
from hub.web import create_app
from hub.web.errors import PROBLEM_JSON


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from hub.store.migrate import upgrade
    from tests.conftest import make_store

    store, cleanup = make_store("sqlite", tmp_path_factory.mktemp("openapi"))
    upgrade(store)
    yield create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False})
    cleanup()


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises with the offending path when not


def test_every_api_route_is_described(app, spec):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []
    for path in (
        "/api/v1/networks/{code}/batches",
        "/api/v1/holds/{hold_id}",
        "/api/v1/audit",
        "/api/v1/admin/networks",
        "/api/v1/evaluations/{eid}",
    ):
        assert path in spec["paths"], path


def test_every_error_response_is_a_problem_document(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "default" not in operation["responses"], f"{method} {path}: a catch-all hides undocumented statuses"
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response.get("content", {})) == [PROBLEM_JSON], f"{method} {path} {status}"
    assert spec["components"]["schemas"]["Problem"]["properties"]["status"]["type"] == "integer"


def test_what_is_documented_is_what_is_sent(app):
    r = app.test_client().get("/api/v1/networks/999999")
    assert r.status_code == 404 and r.content_type == PROBLEM_JSON


def test_number_bounds_are_numbers(spec):
    for operations in spec["paths"].values():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if method != "parameters" else []:
                for bound in ("minimum", "maximum"):
                    value = parameter.get("schema", {}).get(bound)
                    assert value is None or isinstance(value, (int, float)), (parameter["name"], bound, value)
