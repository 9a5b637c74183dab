"""The hostile corpus (tests/hostile/corpus.py) through every query parameter of the API and the pages,
every OAI-PMH argument and every admin form field, on SQLite and PostgreSQL.

The invariant: no 5xx, and no traceback or SQL in any answer (LEAK_MARKERS). The app runs with
TESTING off, so an unexpected exception is a real 500. Query parameters are read from the app itself
(the OpenAPI document and the page's search parameters), so a new parameter is covered without
editing this file.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from hub.auth.tokens import create_token
from hub.config import Registry
from hub.oaipmh import VERBS
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from hub.web import create_app
from hub.web.ui.facets import SEARCH_PARAMS
from tests.conftest import BACKENDS, make_store
from tests.factories import make_instruments
from tests.hostile.corpus import LEAK_MARKERS, NUMBERS, TEXT

#: 10 MB through every parameter would parse gigabytes of URL for nothing new: it goes through one
#: search, one OAI identifier and the sign-in form (each a real 10 MB request).
HUGE_SEARCH = "/api/v1/instruments"
#: The entries that differ in how they can break a parameter (the rest of the corpus repeats these
#: classes): bytes no database or XML holds, header injection, SQL/FTS/HTML syntax, out-of-range numbers.
VALUES = {
    f"text:{k}": TEXT[k]
    for k in ("nul", "control_chars", "xml_illegal", "lone_surrogate", "cr_lf", "sql_quote", "fts_syntax", "zero_width")
}
VALUES |= {f"number:{k}": NUMBERS[k] for k in ("huge_int", "int64_overflow", "beyond_decimal_precision", "exponent", "nan")}


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory):
    store, cleanup = make_store(request.param, tmp_path_factory.mktemp("hostile-web"))
    upgrade(store)
    registry = Registry.load()
    sync_networks(store, registry)
    make_instruments(store, 3)
    app = create_app({"STORE": store, "TESTING": False, "SECRET_KEY": "hostile-tests-key", "REGISTRY": registry, "FEED_WORKER": False})
    yield app, create_token(store, "admin")[1]
    cleanup()


def qs(params: dict) -> str:
    """A query string (or form body) as a client sends it: UTF-8, percent-encoded; a lone surrogate as
    the bytes a careless encoder produces (surrogatepass), since no correct one can send it."""
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in params.items())


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def check(r) -> str | None:
    body = r.get_data(as_text=True)
    if r.status_code >= 500:
        return f"{r.request.method} {r.request.path}: {r.status_code}"
    leaks = [m for m in LEAK_MARKERS if m in body]
    return f"{r.request.method} {r.request.path}: leaks {leaks}" if leaks else None


def query_parameters(app) -> list[tuple[str, str]]:
    """(GET path, parameter) for every query parameter the API documents and the search page reads."""
    spec = app.test_client().get("/api/openapi.json").get_json()
    out = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        concrete = re.sub(r"\{[^}]+\}", lambda m: {"{code}": "370000", "{eid}": "1", "{hold_id}": "1"}.get(m.group(0), "x"), path)
        out += [(concrete, p["name"]) for p in get.get("parameters", []) if p["in"] == "query"]
    out += [("/", name) for name in SEARCH_PARAMS]
    out += [("/admin/networks/370000", "page"), ("/admin/login", "next")]
    return out


def test_every_query_parameter(served):
    app, admin = served
    client = app.test_client()
    targets = query_parameters(app)
    assert len(targets) >= 40, targets
    problems = []
    for path, name in targets:
        for label, value in VALUES.items():
            problems.append(check(client.get(f"{path}?{qs({name: value})}", headers={"Authorization": f"Bearer {admin}"})))
    problems.append(check(client.get(f"{HUGE_SEARCH}?{qs({'q': TEXT['long_10mb']})}")))
    assert [p for p in problems if p] == []


def test_every_oai_argument(served):
    app, _ = served
    client = app.test_client()
    problems = []
    for verb, arguments in VERBS.items():
        for argument in sorted(arguments):
            for label, value in VALUES.items():
                base = {"verb": verb, "metadataPrefix": "oai_dc"} if argument != "resumptionToken" else {"verb": verb}
                for method in ("get", "post"):
                    query = qs({**base, argument: value})
                    r = client.get(f"/oai?{query}") if method == "get" else client.post("/oai", data=query, headers=FORM)
                    problems.append(check(r))
                    if r.status_code == 200:
                        assert b"<error" in r.data or argument in ("from", "until", "set", "metadataPrefix", "identifier"), (
                            verb,
                            argument,
                            label,
                        )
    problems.append(check(client.get("/oai?" + qs({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": TEXT["long_10mb"]}))))
    assert [p for p in problems if p] == []


def test_every_admin_form(served):
    app, admin = served
    problems = []
    signed_in = app.test_client()
    assert signed_in.post("/admin/login", data={"token": admin}).status_code == 303
    page = signed_in.get("/admin/networks/420000").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', page).group(1)
    problems.append(check(app.test_client().post("/admin/login", data=qs({"token": TEXT["long_10mb"]}), headers=FORM)))
    for label, value in VALUES.items():
        client = app.test_client()
        problems.append(check(client.post("/admin/login", data=qs({"token": value}), headers=FORM)))
        problems.append(check(client.post(f"/admin/login?{qs({'next': value})}", data=qs({"token": admin}), headers=FORM)))
        problems.append(check(signed_in.post("/admin/networks/420000/harvest", data=qs({"csrf": csrf, "full": value}), headers=FORM)))
        problems.append(check(signed_in.post("/admin/networks/420000/harvest", data=qs({"csrf": value}), headers=FORM)))
        problems.append(check(signed_in.post("/admin/holds/1/confirm", data=qs({"csrf": csrf, "extra": value}), headers=FORM)))
        problems.append(check(client.post("/admin/logout", data=qs({"x": value}), headers=FORM)))
    assert [p for p in problems if p] == []
