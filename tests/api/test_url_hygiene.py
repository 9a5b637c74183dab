"""Numbers out of every database's range and control characters in a URL are a 400 or 404, never a 500
(issue 12, defect 4) — on SQLite and PostgreSQL, for path ids, query numbers, OAI arguments and the
sign-in's `next`. The app runs with TESTING off, so an unexpected exception would be a real 500."""

from __future__ import annotations

import pytest

from urllib.parse import quote

from hub.auth.tokens import create_token
from hub.config import Registry
from hub.store.migrate import upgrade
from hub.web import create_app
from tests.conftest import BACKENDS, make_store
from tests.hostile.corpus import LEAK_MARKERS, NUMBERS, PATH_SEGMENTS


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    # One store per backend for the module: these requests read only, and hundreds of them share it.
    s, cleanup = make_store(request.param, tmp_path_factory.mktemp("urls"))
    upgrade(s)
    yield s
    cleanup()


@pytest.fixture(scope="module")
def app(store):
    return create_app(
        {"STORE": store, "TESTING": False, "SECRET_KEY": "hostile-tests-key", "REGISTRY": Registry.load(), "FEED_WORKER": False}
    )


@pytest.fixture(scope="module")
def admin(store):
    return {"Authorization": f"Bearer {create_token(store, 'admin')[1]}"}


def refused(r, allowed=(400, 404)) -> str | None:
    """None when the answer is a refusal without a leak, else what is wrong."""
    body = r.get_data(as_text=True)
    if r.status_code not in allowed:
        return f"{r.request.url}: {r.status_code} {body[:200]}"
    leaks = [m for m in LEAK_MARKERS if m in body]
    return f"{r.request.url}: leaks {leaks}" if leaks else None


def assert_refused(r, allowed=(400, 404)):
    problem = refused(r, allowed)
    assert problem is None, problem


# Each of these answered 500 before the fix, on one backend or both.
REPORTED = [
    "/api/v1/evaluations/10000000000000000001",
    "/api/v1/holds/2147483648",
    "/api/v1/admin/networks/370000/errors?page=10000000000000000001",
    "/api/v1/admin/networks/370000/errors?job=10000000000000000001",
    "/api/v1/audit?before=10000000000000000001",
    "/api/v1/instruments/a%00b",
    "/admin/networks/370000?page=10000000000000000001",
]


@pytest.mark.parametrize("url", REPORTED)
def test_reported_urls(app, admin, url):
    assert_refused(app.test_client().get(url, headers=admin))


INT_PATHS = [
    "/api/v1/evaluations/{}",
    "/api/v1/evaluations/{}/report.csv",
    "/api/v1/holds/{}",
    "/evaluations/{}",
    "/evaluations/1/charts/unit-{}.svg",
]
INT_QUERIES = [
    "/api/v1/admin/networks/370000/errors?page={}",
    "/api/v1/admin/networks/370000/errors?per_page={}",
    "/api/v1/admin/networks/370000/errors?job={}",
    "/api/v1/audit?before={}",
    "/api/v1/audit?limit={}",
    "/api/v1/networks/440000/batches?limit={}",
    "/api/v1/instruments?page={}",
    "/api/v1/instruments?page_size={}",
    "/?page={}",
    "/admin/networks/370000?page={}",
]


@pytest.mark.parametrize("template", INT_PATHS + INT_QUERIES)
def test_numbers_beyond_range_in_any_path_or_query(app, admin, template):
    client = app.test_client()
    numbers = [v for k, v in NUMBERS.items() if k not in ("negative", "empty")]
    problems = [refused(client.get(template.format(quote(n)), headers=admin)) for n in numbers]
    assert [p for p in problems if p] == []


@pytest.mark.parametrize(
    "template",
    [
        "/api/v1/instruments/{}",
        "/api/v1/networks/{}",
        "/instruments/{}",
        "/networks/{}",
        "/api/v1/networks/{}/batches",
        "/api/v1/admin/networks/{}",
        "/admin/networks/{}",
    ],
)
def test_hostile_path_segments(app, admin, template):
    client = app.test_client()
    problems = [refused(client.get(template.format(seg), headers=admin), allowed=(400, 404, 410)) for seg in PATH_SEGMENTS.values()]
    assert [p for p in problems if p] == []


@pytest.mark.parametrize(
    "query",
    [
        "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:hub.nrii.example.cn:370000:a%00b",
        "verb=ListRecords&metadataPrefix=oai_dc&set=network:37%00",
        "verb=ListIdentifiers&metadataPrefix=nrii&from=2020-01-01%0D%0A",
        "verb=Identify%00",
    ],
)
def test_control_characters_in_oai_arguments_are_bad_arguments(app, query):
    r = app.test_client().get(f"/oai?{query}")
    body = r.get_data(as_text=True)
    # OAI-PMH answers errors in its own document (HTTP 200, as the protocol says) — never a 500.
    assert r.status_code in (200, 400) and 'code="badArgument"' in body, body[:400]


def test_cr_lf_in_the_sign_in_next_is_refused_not_a_500(app, admin):
    token = admin["Authorization"].split()[1]
    r = app.test_client().post("/admin/login?next=/admin%0D%0ASet-Cookie:%20x=1", data={"token": token})
    assert_refused(r, allowed=(400,))
    assert "x=1" not in r.headers.get("Set-Cookie", "")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stats?network=110000",
        "/api/v1/networks?x=1",
        "/api/v1/networks/110000?x=1",
        "/api/v1/instruments/110000:BJ001578?x=1",
        "/api/v1/evaluations?x=1",
        "/api/v1/evaluations/1?x=1",
    ],
)
def test_a_parameter_a_view_does_not_take_is_refused_by_name_not_ignored(app, path):
    """`stats?network=110000` answered the national figures, as if filtered: a reader took them for
    Beijing's. Every view refuses what it does not read, as the search does, naming it."""
    r = app.test_client().get(path)
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    name = path.rsplit("?", 1)[1].split("=")[0]
    assert [e["parameter"] for e in r.get_json()["errors"]] == [name]
