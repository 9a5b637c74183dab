"""API tokens: created once, stored as a hash, listed by a public id, revoked.

A token reads `hub_<id>_<secret>`: `id` is 8 hex characters, public (it names the token in lists, the
audit log and batch reports); `secret` is 32 random bytes (secrets.token_urlsafe). Only SHA-256 of the
whole token is stored, so the database cannot give a token away; SHA-256 without salt or stretching is
enough because the secret has 256 bits of entropy (no dictionary to attack, unlike a password).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from hub.auth.models import ApiToken
from hub.errors import HubError
from hub.clock import now

TOKENS = ApiToken.__table__
ROLES = ("admin", "publisher", "evaluator")
_TOKEN = re.compile(r"^hub_([0-9a-f]{8})_([A-Za-z0-9_\-]{20,100})$")
_NETWORK = re.compile(r"^\d{6}$")


class TokenError(HubError):
    """A token cannot be created or changed as asked."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: the token's id, role and (publishers) network."""

    token_id: str
    role: str
    network: str | None = None


@dataclass(frozen=True)
class TokenInfo:
    id: str
    role: str
    network: str | None
    label: str | None
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_grant(role: str, network: str | None) -> None:
    """A publisher writes exactly one network; the other roles are not tied to one."""
    if role not in ROLES:
        raise TokenError(f"unknown role {role!r}, expected one of {', '.join(ROLES)}")
    if role == "publisher":
        if not network or not _NETWORK.match(network):
            raise TokenError("a publisher token needs --network, the 6-digit code of the one network it may write")
    elif network is not None:
        raise TokenError(f"a {role} token is not tied to a network; --network is only for publishers")


def create_token(store, role: str, network: str | None = None, *, label: str | None = None, created_by: str | None = None) -> tuple[TokenInfo, str]:
    """Store a new token; return its info and the token itself (shown once, never stored)."""
    check_grant(role, network)
    with store.write() as conn:
        while True:
            token_id = secrets.token_hex(4)
            if conn.execute(select(TOKENS.c.id).where(TOKENS.c.id == token_id)).first() is None:
                break
        token = f"hub_{token_id}_{secrets.token_urlsafe(32)}"
        values = dict(id=token_id, secret_hash=hash_token(token), role=role, network=network, label=label,
                      created_at=now(), created_by=created_by, revoked_at=None, last_used_at=None)
        conn.execute(insert(TOKENS).values(**values))
    values.pop("secret_hash")
    return TokenInfo(**values), token


def authenticate(conn, token: str | None) -> Principal | None:
    """The principal of a presented token, or None when it is malformed, unknown or revoked."""
    if not token:
        return None
    m = _TOKEN.match(token.strip())
    if not m:
        return None
    row = conn.execute(select(TOKENS.c.id, TOKENS.c.secret_hash, TOKENS.c.role, TOKENS.c.network, TOKENS.c.revoked_at)
                       .where(TOKENS.c.id == m.group(1))).first()
    # Compared in constant time, so response timing says nothing about how much of a guess was right.
    if row is None or not secrets.compare_digest(row.secret_hash, hash_token(token.strip())) or row.revoked_at is not None:
        return None
    return Principal(row.id, row.role, row.network)


def list_tokens(store, *, include_revoked: bool = True) -> list[TokenInfo]:
    cols = [TOKENS.c[name] for name in TokenInfo.__dataclass_fields__]
    query = select(*cols).order_by(TOKENS.c.created_at, TOKENS.c.id)
    if not include_revoked:
        query = query.where(TOKENS.c.revoked_at.is_(None))
    with store.read() as conn:
        return [TokenInfo(**row._mapping) for row in conn.execute(query)]


def revoke_token(store, token_id: str) -> TokenInfo:
    """Revoke at once; revoking a revoked token is an error (it names when it was revoked)."""
    with store.write() as conn:
        row = conn.execute(select(TOKENS.c.revoked_at).where(TOKENS.c.id == token_id)).first()
        if row is None:
            raise TokenError(f"no token with id {token_id!r} (see `hub token list`)")
        if row.revoked_at is not None:
            raise TokenError(f"token {token_id} was already revoked at {row.revoked_at:%Y-%m-%d %H:%M:%S}")
        conn.execute(update(TOKENS).where(TOKENS.c.id == token_id).values(revoked_at=now()))
    return next(t for t in list_tokens(store) if t.id == token_id)
