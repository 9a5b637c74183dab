"""Every route of the app is either on the explicit public list below or refuses a request without
valid credentials. The test walks the whole URL map, so a route added tomorrow without an access
rule — or with the wrong one — fails here before it ships.

PUBLIC is written out by hand on purpose: making a route public is a decision a reviewer sees.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from hub.auth.tokens import create_token
from hub.auth.web import COOKIE, PUBLIC, access_of
from hub.config import Registry
from hub.web import create_app

#: Endpoints anyone may call: the catalogue, its pages, OAI-PMH, published evaluations, the API
#: document, static files, signing in and out of the dashboard, and the health and metrics probes.
PUBLIC_ENDPOINTS = {
    "static",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "instruments.list_instruments",
    "instruments.get_instrument",
    "exports.export",
    "networks.list_networks",
    "networks.get_network",
    "networks.stats",
    "evaluations.list_evaluations",
    "evaluations.get_evaluation",
    "evaluations.get_report_csv",
    "evaluations.get_report_html",
    "evaluations.get_panel",
    "evaluations.get_audit",
    "evaluation_pages.list_page",
    "evaluation_pages.evaluation_page",
    "evaluation_pages.score_chart",
    "evaluation_pages.unit_chart",
    "ui.search_page",
    "ui.instrument_page",
    "ui.networks_page",
    "ui.network_page",
    "ui.stats_page",
    "ui.stats_chart",
    "oai.oai",
    "admin.login",
    "admin.logout",
    "health.healthz",
    "health.readyz",
    "health.metrics",
}
GARBAGE = {
    "missing": {},
    "garbage bearer": {"Authorization": "Bearer x"},
    "well-formed unknown bearer": {"Authorization": "Bearer hub_0000abcd_" + "x" * 43},
    "garbage cookie": {"Cookie": f"{COOKIE}=x"},
    "well-formed unknown session": {"Cookie": f"{COOKIE}=hubs_" + "A" * 43},
    "api token as cookie": None,  # filled in with a real admin token: the cookie is never the token
}


@pytest.fixture
def app(store):
    return create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False})


def _sample(name: str, converter) -> object:
    if isinstance(converter, IntegerConverter):
        return 1
    return {"code": "370000", "decision": "confirm", "chart": "availability", "instrument_id": "370000:YQ000001"}.get(name, "x")


def routes(app: Flask):
    """(endpoint, method, url) of every rule and method of the app."""
    for rule in app.url_map.iter_rules():
        values = {name: _sample(name, conv) for name, conv in rule._converters.items()}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_the_public_list_is_exactly_what_the_app_declares_public(app):
    declared = {rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) == PUBLIC}
    assert declared == PUBLIC_ENDPOINTS, "a route became public, or stopped being: update PUBLIC_ENDPOINTS only on purpose"


def test_every_route_declares_who_may_call_it(app):
    undeclared = sorted(rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None)
    assert undeclared == [], f"routes without public/require: {undeclared}"


def test_every_protected_route_refuses_missing_and_garbage_credentials(app, store):
    admin_token = create_token(store, "admin")[1]
    client = app.test_client(use_cookies=False)
    protected = [(e, m, u) for e, m, u in routes(app) if e not in PUBLIC_ENDPOINTS]
    assert len(protected) >= 15, "the walk found too few routes to prove anything"
    seen = set()
    for endpoint, method, url in protected:
        for name, headers in GARBAGE.items():
            headers = headers if headers is not None else {"Cookie": f"{COOKIE}={admin_token}"}
            r = client.open(url, method=method, headers=headers, data={"csrf": "x"} if method == "POST" else None)
            assert r.status_code in (401, 403), f"{method} {url} ({endpoint}) with {name}: {r.status_code}"
            assert admin_token not in r.get_data(as_text=True)
        seen.add(endpoint)
    for prefix in ("admin.", "admin_api.", "feed.", "steward."):
        assert any(e.startswith(prefix) for e in seen), f"no {prefix} route was walked"


def test_a_route_that_declares_nothing_is_refused(store):
    app = create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False})
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: {"secret": 1})
    assert access_of(app, "forgotten") is None
    r = app.test_client().get("/api/v1/forgotten")
    assert r.status_code == 403 and "secret" not in r.get_data(as_text=True)
