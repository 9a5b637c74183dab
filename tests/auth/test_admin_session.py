"""The admin cookie: any cookie opened the admin JSON API (issue 12, defect 1); now the cookie holds a
server-side session that only the /admin pages accept, that logout ends, and that never is the token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from hub.auth.models import AdminSession
from hub.auth.tokens import create_token, revoke_token
from hub.config import Registry
from hub.clock import now
from hub.web import create_app

COOKIE = "hub_admin"
ADMIN_JSON = [
    ("get", "/api/v1/admin/networks"),
    ("get", "/api/v1/admin/networks/370000"),
    ("get", "/api/v1/admin/networks/370000/errors"),
    ("get", "/api/v1/admin/alerts"),
    ("post", "/api/v1/admin/networks/370000/harvest"),
]


@pytest.fixture
def app(store):
    return create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False})


@pytest.fixture
def raw(app):
    """A client that sends exactly the headers given (no cookie jar), as curl does."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def admin(store):
    return create_token(store, "admin", label="ops")


def sign_in(raw, token, *, base_url="http://localhost"):
    r = raw.post("/admin/login", data={"token": token}, base_url=base_url)
    assert r.status_code == 303, r.get_data(as_text=True)
    set_cookie = r.headers["Set-Cookie"]
    return re.match(rf"{COOKIE}=([^;]+)", set_cookie).group(1), set_cookie


@pytest.mark.parametrize("method, path", ADMIN_JSON)
def test_any_cookie_does_not_open_the_admin_api(raw, method, path):
    r = getattr(raw, method)(path, headers={"Cookie": f"{COOKIE}=x"})
    assert r.status_code == 401, (path, r.status_code)
    assert r.content_type == "application/problem+json" and "networks" not in r.get_json()


def test_even_a_live_session_cookie_does_not_open_the_json_api(raw, admin):
    cookie, _ = sign_in(raw, admin[1])
    for method, path in ADMIN_JSON:
        assert getattr(raw, method)(path, headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 401, path


def test_the_cookie_is_a_session_not_the_token(raw, admin):
    cookie, set_cookie = sign_in(raw, admin[1])
    assert admin[1] not in set_cookie and cookie.startswith("hubs_")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="):
        assert attribute in set_cookie
    assert "Secure" not in set_cookie  # plain HTTP: a Secure cookie would never come back
    # The token itself as the cookie opens nothing.
    assert raw.get("/admin", headers={"Cookie": f"{COOKIE}={admin[1]}"}).status_code == 401
    assert raw.get("/admin", headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 200


def test_the_cookie_is_secure_over_https(raw, admin):
    _, set_cookie = sign_in(raw, admin[1], base_url="https://localhost")
    assert "Secure" in set_cookie


def test_logout_ends_the_session_for_a_copied_cookie_too(raw, admin):
    cookie, _ = sign_in(raw, admin[1])
    headers = {"Cookie": f"{COOKIE}={cookie}"}
    assert raw.get("/admin", headers=headers).status_code == 200
    r = raw.post("/admin/logout", headers=headers)
    assert r.status_code == 303 and f"{COOKIE}=;" in r.headers["Set-Cookie"]
    # A copy kept by an attacker (or the browser's back button) is dead on the server.
    r = raw.get("/admin", headers=headers)
    assert r.status_code == 401 and 'name="token"' in r.get_data(as_text=True)


def test_revoking_the_token_ends_its_sessions(raw, store, admin):
    cookie, _ = sign_in(raw, admin[1])
    revoke_token(store, admin[0].id)
    assert raw.get("/admin", headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 401


def test_a_session_expires(raw, store, admin):
    cookie, _ = sign_in(raw, admin[1])
    with store.write() as conn:
        conn.execute(update(AdminSession.__table__).values(expires_at=now() - timedelta(seconds=1)))
    assert raw.get("/admin", headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 401


def test_harvest_now_from_the_dashboard_queues_with_the_session(raw, admin):
    cookie, _ = sign_in(raw, admin[1])
    headers = {"Cookie": f"{COOKIE}={cookie}"}
    page = raw.get("/admin/networks/420000", headers=headers).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', page).group(1)
    assert raw.post("/admin/networks/420000/harvest", headers=headers, data={}).status_code == 403  # no csrf field
    r = raw.post("/admin/networks/420000/harvest", headers=headers, data={"csrf": csrf, "full": "1"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/networks/420000")
    # The JSON twin with an admin bearer token answers 202, never 500.
    r = raw.post("/api/v1/admin/networks/420000/harvest", json={"full": False}, headers={"Authorization": f"Bearer {admin[1]}"})
    assert r.status_code == 202


def test_admin_answers_are_never_cached(raw, admin):
    cookie, _ = sign_in(raw, admin[1])
    for r in (
        raw.get("/admin", headers={"Cookie": f"{COOKIE}={cookie}"}),
        raw.get("/api/v1/admin/networks", headers={"Authorization": f"Bearer {admin[1]}"}),
        raw.get("/admin/login"),
        raw.get("/api/v1/admin/networks"),
    ):
        assert r.headers["Cache-Control"] == "no-store", r.request.path


@pytest.mark.parametrize(
    "next_, expected",
    [
        ("/admin/networks/370000", "/admin/networks/370000"),
        ("//evil.example/", "/admin"),
        ("https://evil.example/admin", "/admin"),
        ("/admin/../../x", "/admin"),
    ],
)
def test_sign_in_sends_the_browser_on_only_within_the_dashboard(raw, admin, next_, expected):
    r = raw.post("/admin/login", query_string={"next": next_}, data={"token": admin[1]})
    assert r.status_code == 303 and r.headers["Location"] == expected


def test_a_sign_in_form_larger_than_any_token_is_refused_unread(raw, admin):
    """/admin/login is the one public route that reads a body: ten 50 MB posts took the server's
    memory up by about 110 MB. A form many times a token's size is refused from its length alone."""
    r = raw.post("/admin/login", data=b"token=" + b"x" * 5_000_000, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert sign_in(raw, admin[1])  # a real sign-in still works


def test_a_head_of_the_sign_in_page_is_the_page_not_a_failed_sign_in(raw):
    """HEAD is answered as GET (a link checker, a monitor): it answered 401 "sign-in failed", having
    looked a token up (found probing the dashboard as a hostile client)."""
    head, get = raw.head("/admin/login"), raw.get("/admin/login")
    assert head.status_code == get.status_code == 200
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


@pytest.mark.parametrize(
    "headers, signed_in",
    [
        pytest.param({"Sec-Fetch-Site": "cross-site"}, False, id="a form on another site"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, False, id="a form on a sibling subdomain"),
        pytest.param({"Origin": "http://evil.example"}, False, id="an older browser: another Origin"),
        pytest.param({"Sec-Fetch-Site": "same-origin"}, True, id="the dashboard's own form"),
        pytest.param({"Origin": "http://localhost"}, True, id="an older browser: our Origin"),
        pytest.param({}, True, id="no browser (curl)"),
    ],
)
def test_a_sign_in_posted_by_another_site_is_refused(raw, admin, headers, signed_in):
    """The sign-in form had no CSRF defence: a page elsewhere could post its own token and sign the
    operator's browser into the poster's session (found probing the dashboard as a hostile client)."""
    r = raw.post("/admin/login", data={"token": admin[1]}, headers=headers)
    assert (r.status_code == 303) == signed_in and (COOKIE in r.headers.get("Set-Cookie", "")) == signed_in, r.status_code
