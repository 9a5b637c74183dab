"""Browser sessions: what the /admin cookie carries instead of the API token itself.

A browser signs in once with an admin token — or a publisher token, whose data steward then reads their
own network's pages (hub.web.steward) — at POST /admin/login. The hub then stores a session row and
gives the browser a cookie holding only a random session secret (`hubs_<43 characters>`), never the
token: a stolen cookie is worth at most `LIFETIME`, ends at logout, and reveals no credential that
works on the API. Only SHA-256 of the secret is stored (the secret has 256 bits, as a token's has).

A session is live while it has not ended (logout), not passed `expires_at`, and its token is neither
revoked nor expired: revoking the token ends every browser signed in with it. A session carries its
token's role and network: what it may open is decided by the route guard (hub.auth.web) exactly as for
the token sent as a bearer header, so a publisher's session opens only the pages its token could.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import insert, select, update

from hub.auth.models import AdminSession
from hub.auth.tokens import TOKENS, Principal, expired
from hub.clock import now

SESSIONS = AdminSession.__table__
#: Absolute lifetime of a sign-in; an operator signs in again after a working day.
LIFETIME = timedelta(hours=8)
_COOKIE = re.compile(r"^hubs_[A-Za-z0-9_\-]{43}$")
#: The roles that may sign in in a browser: admins (the dashboard) and publishers (their network's
#: batches and holds). Evaluators have no pages behind a sign-in.
BROWSER_ROLES = ("admin", "publisher")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def start(store, principal: Principal) -> str:
    """A new session for `principal`; returns the cookie value (shown to the browser only)."""
    secret = f"hubs_{secrets.token_urlsafe(32)}"
    at = now()
    with store.write() as conn:
        conn.execute(
            insert(SESSIONS).values(id=_hash(secret), token_id=principal.token_id, created_at=at, expires_at=at + LIFETIME, ended_at=None)
        )
    return secret


def resolve(conn, cookie: str | None) -> Principal | None:
    """The principal of a live session, or None (unknown, ended, expired, token revoked or expired, or
    a role that may not sign in)."""
    if not cookie or not _COOKIE.match(cookie):
        return None
    row = conn.execute(
        select(
            SESSIONS.c.expires_at,
            SESSIONS.c.ended_at,
            TOKENS.c.id,
            TOKENS.c.role,
            TOKENS.c.network,
            TOKENS.c.revoked_at,
            TOKENS.c.expires_at.label("token_expires_at"),
        )
        .join(TOKENS, TOKENS.c.id == SESSIONS.c.token_id)
        .where(SESSIONS.c.id == _hash(cookie))
    ).first()
    if row is None or row.ended_at is not None or expired(row.expires_at):
        return None
    if row.revoked_at is not None or expired(row.token_expires_at) or row.role not in BROWSER_ROLES:
        return None
    return Principal(row.id, row.role, row.network)


def end(store, cookie: str | None) -> bool:
    """End the session of `cookie` (logout); False when there was no live one."""
    if not cookie or not _COOKIE.match(cookie):
        return False
    with store.write() as conn:
        done = conn.execute(update(SESSIONS).where(SESSIONS.c.id == _hash(cookie), SESSIONS.c.ended_at.is_(None)).values(ended_at=now()))
    return done.rowcount == 1


def csrf_for(cookie: str) -> str:
    """The form token of a session: derived from its secret, so another site can neither read nor
    compute it (double submit without a second cookie)."""
    return hashlib.sha256(f"hub-admin-form:{cookie}".encode()).hexdigest()[:32]
