"""Authentication for the Flask app: `require(role, network=...)` guards a view.

    @bp.post("/networks/<code>/batches")
    @require("publisher", network="code")     # the publisher of <code>, or an admin
    def push(code): principal = current_principal() ...

    @bp.get("/audit")
    @require("admin")

Rules (docs/push.md "Tokens and roles"):
* no `Authorization: Bearer …` header, a malformed, unknown or revoked token → 401 (with
  `WWW-Authenticate: Bearer`);
* a valid token whose role is not among those required → 403; an admin passes every check (the
  national centre may act for any network);
* with `network=`, a publisher passes only for the network its token was issued for → 403 otherwise.
`network` names the view argument that holds the network code (`"code"` for `/networks/<code>/…`).

Reading the public catalogue needs no token: only views that write (or show non-public data) use this.
"""

from __future__ import annotations

import functools

from flask import g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from hub.auth.tokens import ROLES, Principal, authenticate


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
        return 401, "a valid bearer token is required (Authorization: Bearer hub_…); this one is missing, unknown or revoked"
    if principal.role == "admin":
        return None
    if principal.role not in roles:
        return 403, f"token {principal.token_id} has role {principal.role}; this needs {' or '.join(roles)}"
    if network is not None and principal.role == "publisher" and principal.network != network:
        return 403, f"token {principal.token_id} may write network {principal.network} only, not {network}"
    return None


def current_principal() -> Principal | None:
    """The request's authenticated principal (looked up once per request), or None."""
    if "hub_principal" not in g:
        token = bearer_token()
        if token is None:
            g.hub_principal = None
        else:
            with _store().read() as conn:
                g.hub_principal = authenticate(conn, token)
    return g.hub_principal


def check(roles: str | tuple[str, ...], network: str | None = None) -> Principal:
    """Raise 401/403 unless the request may act as one of `roles` (for `network`); return the principal."""
    roles = (roles,) if isinstance(roles, str) else tuple(roles)
    principal = current_principal()
    denied = authorise(principal, roles, network)
    if denied is not None:
        status, reason = denied
        raise unauthorized(reason) if status == 401 else Forbidden(description=reason)
    return principal


def require(role: str | tuple[str, ...], network: str | None = None):
    """Decorator: `role` is a role name or a tuple of them; `network` the view argument with the code."""
    roles = (role,) if isinstance(role, str) else tuple(role)
    for r in roles:
        if r not in ROLES:
            raise ValueError(f"unknown role {r!r}, expected one of {ROLES}")

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            check(roles, kwargs.get(network) if network else None)
            return view(*args, **kwargs)

        return wrapped

    return decorate
