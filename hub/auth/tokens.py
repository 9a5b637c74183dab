"""API tokens: created once, stored as a hash, listed by a public id, revoked.

A token reads `hub_<id>_<secret>`: `id` is 8 hex characters, public (it names the token in lists, the
audit log and batch reports); `secret` is 32 random bytes (secrets.token_urlsafe). Only SHA-256 of the
whole token is stored, so the database cannot give a token away; SHA-256 without salt or stretching is
enough because the secret has 256 bits of entropy (no dictionary to attack, unlike a password).

A token may carry an expiry (`hub token create --expires 90d`): from then on it is refused with a
401 that says it expired and when, as a revoked one is refused saying it was revoked.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, update

from hub.auth.models import ApiToken
from hub.errors import HubError
from hub.clock import now
from hub.network_codes import NETWORK_CODE

TOKENS = ApiToken.__table__
ROLES = ("admin", "publisher", "evaluator")
_TOKEN = re.compile(r"^hub_([0-9a-f]{8})_([A-Za-z0-9_\-]{20,100})$")
_NETWORK = NETWORK_CODE
_DURATION = re.compile(r"^(\d{1,5})([hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class TokenError(HubError):
    """A token cannot be created or changed as asked."""


class TokenRefused(HubError):
    """A presented token does not authenticate; the message says why (for the 401's detail)."""


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
    expires_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not expired(self.expires_at)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; the hub stores UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def expired(expires_at: datetime | None, at: datetime | None = None) -> bool:
    return expires_at is not None and utc(expires_at) <= (at or now())


def parse_expiry(text: str, *, at: datetime | None = None) -> datetime:
    """`90d`, `12h`, `2w` from now, or a date `2027-06-30` (the token ends at its start, UTC)."""
    text = text.strip()
    m = _DURATION.match(text)
    if m:
        if int(m.group(1)) == 0:
            raise TokenError(f"--expires {text}: a token must live longer than that")
        return (at or now()) + int(m.group(1)) * _UNITS[m.group(2)]
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise TokenError(f"--expires {text!r}: expected a duration like 90d, 12h or 2w, or a date YYYY-MM-DD") from None
    if day <= (at or now()):
        raise TokenError(f"--expires {text}: that date has passed")
    return day


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


def create_token(
    store,
    role: str,
    network: str | None = None,
    *,
    label: str | None = None,
    created_by: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[TokenInfo, str]:
    """Store a new token; return its info and the token itself (shown once, never stored)."""
    check_grant(role, network)
    with store.write() as conn:
        while True:
            token_id = secrets.token_hex(4)
            if conn.execute(select(TOKENS.c.id).where(TOKENS.c.id == token_id)).first() is None:
                break
        token = f"hub_{token_id}_{secrets.token_urlsafe(32)}"
        values = dict(
            id=token_id,
            secret_hash=hash_token(token),
            role=role,
            network=network,
            label=label,
            created_at=now(),
            created_by=created_by,
            revoked_at=None,
            last_used_at=None,
            expires_at=expires_at,
        )
        conn.execute(insert(TOKENS).values(**values))
    values.pop("secret_hash")
    return TokenInfo(**values), token


def verify(conn, token: str | None) -> Principal:
    """The principal of a presented token; TokenRefused says why not (missing, malformed, unknown,
    revoked, expired). Only a token whose secret matched learns that it was revoked or expired."""
    if not token:
        raise TokenRefused("a valid bearer token is required (Authorization: Bearer hub_…); none was sent")
    m = _TOKEN.match(token.strip())
    if not m:
        raise TokenRefused("the bearer token is malformed; hub tokens read hub_<8 hex>_<secret>")
    row = conn.execute(
        select(TOKENS.c.id, TOKENS.c.secret_hash, TOKENS.c.role, TOKENS.c.network, TOKENS.c.revoked_at, TOKENS.c.expires_at).where(
            TOKENS.c.id == m.group(1)
        )
    ).first()
    # Compared in constant time, so response timing says nothing about how much of a guess was right.
    if row is None or not secrets.compare_digest(row.secret_hash, hash_token(token.strip())):
        raise TokenRefused("the bearer token is unknown")
    if row.revoked_at is not None:
        raise TokenRefused(f"token {row.id} was revoked at {utc(row.revoked_at):%Y-%m-%d %H:%M:%S} UTC")
    if expired(row.expires_at):
        raise TokenRefused(f"token {row.id} expired at {utc(row.expires_at):%Y-%m-%d %H:%M:%S} UTC; ask for a new one (hub token create)")
    return Principal(row.id, row.role, row.network)


def authenticate(conn, token: str | None) -> Principal | None:
    """The principal of a presented token, or None when it is missing, malformed, unknown, revoked or expired."""
    try:
        return verify(conn, token)
    except TokenRefused:
        return None


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
