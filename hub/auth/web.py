"""Authentication for the Flask app: one guard in front of every view, and the rules views declare.

Every view declares who may call it, and `guard` (an app-wide `before_request`, installed by
`init_app`) enforces it before the view runs — a view cannot forget to check:

    @bp.post("/networks/<code>/batches")
    @require("publisher", network="code")     # the publisher of <code>, or an admin
    def push(code): principal = current_principal() ...

    @bp.get("/audit")
    @require("admin")

    @bp.get("/admin")
    @require("admin", browser=True)            # an /admin page: the sign-in cookie counts too

    @bp.get("/networks")
    @public                                    # the public catalogue

A view that declares nothing is refused (403) for everyone, and tests/auth/test_route_guard.py walks
the app's URL map so that such a route fails CI before it ships. Endpoints of libraries (static files,
the OpenAPI document and its UI) are public through PUBLIC_ENDPOINTS.

Rules (docs/push.md "Tokens and roles"):
* no `Authorization: Bearer …` header, a malformed, unknown, revoked or expired token → 401 (with
  `WWW-Authenticate: Bearer` and a detail saying which);
* a valid token whose role is not among those required → 403; an admin passes every check (the
  national centre may act for any network);
* with `network=`, a publisher passes only for the network its token was issued for → 403 otherwise.
* `browser=True` (the /admin pages only): a live session cookie (hub.auth.sessions: an admin's, or a
  publisher's, which then passes exactly where its token would) is accepted instead of a bearer
  header; a form posted with it must carry the session's csrf field, or it is 403. The cookie counts
  nowhere else, so no JSON API route can be reached with it.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from flask import current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from hub.auth import sessions
from hub.auth.tokens import ROLES, Principal, TokenRefused, verify

log = logging.getLogger(__name__)

#: The admin sign-in cookie (its value is a session secret, never a token).
COOKIE = "hub_admin"
#: Endpoints whose views are not ours to decorate; everything in them is public.
PUBLIC_ENDPOINTS = frozenset({"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"})
_ATTR = "hub_access"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Access:
    """Who may call a view: `roles` None means anyone."""

    roles: tuple[str, ...] | None
    network: str | None = None
    browser: bool = False


PUBLIC = Access(None)


class SignInRequired(Unauthorized):
    """An /admin page asked for without a live session: the admin blueprint answers with the sign-in form."""


def _store():
    from hub.web import store

    return store()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(description=detail, www_authenticate=WWWAuthenticate("bearer", {"realm": "hub"}))


def authorise(principal: Principal | None, roles: tuple[str, ...], network: str | None) -> tuple[int, str] | None:
    """Pure decision: None when allowed, else (HTTP status, reason)."""
    if principal is None:
        return 401, "a valid bearer token is required (Authorization: Bearer hub_…); this one is missing, unknown, revoked or expired"
    if principal.role == "admin":
        return None
    if principal.role not in roles:
        return 403, f"token {principal.token_id} has role {principal.role}; this needs {' or '.join(roles)}"
    if network is not None and principal.role == "publisher" and principal.network != network:
        return 403, f"token {principal.token_id} may write network {principal.network} only, not {network}"
    return None


def _bearer_principal() -> Principal | None:
    """The principal of the Authorization header (looked up once per request); the reason it was
    refused is kept in g.hub_refusal."""
    if "hub_principal" not in g:
        g.hub_principal, g.hub_refusal = None, None
        token = bearer_token()
        if token is not None:
            try:
                with _store().read() as conn:
                    g.hub_principal = verify(conn, token)
            except TokenRefused as exc:
                g.hub_refusal = str(exc)
    return g.hub_principal


def current_principal() -> Principal | None:
    """The request's authenticated principal (bearer token, or on /admin pages the session), or None."""
    if "hub_principal" not in g:
        _bearer_principal()
    return g.hub_principal


def refusal() -> str | None:
    """Why the bearer token sent with this request was refused (None when none was sent or it is valid)."""
    _bearer_principal()
    return g.get("hub_refusal")


def check(roles: str | tuple[str, ...], network: str | None = None) -> Principal:
    """Raise 401/403 unless the request may act as one of `roles` (for `network`); return the principal."""
    roles = (roles,) if isinstance(roles, str) else tuple(roles)
    principal = current_principal()
    denied = authorise(principal, roles, network)
    if denied is not None:
        status, reason = denied
        if status == 401:
            raise unauthorized(refusal() or reason)
        raise Forbidden(description=reason)
    return principal


# --------------------------------------------------------------------------- declaring access


def public(view):
    """Anyone may call this view (it shows only public data, or checks an optional token itself)."""
    setattr(view, _ATTR, PUBLIC)
    return view


def require(role: str | tuple[str, ...], network: str | None = None, *, browser: bool = False):
    """Declare the roles a view needs; `network` names the view argument holding the network code;
    `browser` lets an /admin page accept the sign-in cookie. The guard enforces it."""
    roles = (role,) if isinstance(role, str) else tuple(role)
    for r in roles:
        if r not in ROLES:
            raise ValueError(f"unknown role {r!r}, expected one of {ROLES}")
    access = Access(roles, network, browser)

    def decorate(view):
        setattr(view, _ATTR, access)
        return view

    return decorate


def access_of(app, endpoint: str) -> Access | None:
    """The declared access of an endpoint, or None when it declares nothing (refused)."""
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, _ATTR, None)


# --------------------------------------------------------------------------- the guard


def _session_principal() -> Principal | None:
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    with _store().read() as conn:
        principal = sessions.resolve(conn, cookie)
    if principal is not None and request.method not in _SAFE_METHODS:
        sent = request.form.get("csrf", "")
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), sessions.csrf_for(cookie).encode()):
            raise Forbidden("the form was not sent from the dashboard (csrf field missing or wrong); reload the page")
    if principal is not None:
        g.hub_session = cookie
    return principal


def guard():
    """before_request: refuse the request unless the endpoint's declared access lets it through."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: Flask answers 404/405 itself
        return None
    access = access_of(current_app, endpoint)
    if access is None:
        log.error("route %s (%s) declares no access rule; refused", request.url_rule, endpoint)
        raise Forbidden("this route declares no access rule, so it is refused")
    if access.roles is None:
        return None
    principal = None
    if bearer_token() is not None:
        principal = _bearer_principal()
    elif access.browser:
        principal = _session_principal()
        g.hub_principal = principal
    if principal is None and access.browser and bearer_token() is None:
        raise SignInRequired("sign in at /admin/login with an admin or a publisher token")
    network = request.view_args.get(access.network) if access.network and request.view_args else None
    denied = authorise(principal, access.roles, network)
    if denied is not None:
        status, reason = denied
        if status == 401:
            raise unauthorized(refusal() or reason)
        raise Forbidden(description=reason)
    return None


def init_app(app) -> None:
    app.before_request(guard)
