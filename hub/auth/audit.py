"""The audit log: every authenticated write leaves an entry — who, when, which batch, what changed."""

from __future__ import annotations

import getpass

from sqlalchemy import insert, select

from hub.auth.models import AuditEntry
from hub.clock import now

AUDIT = AuditEntry.__table__


def cli_actor() -> str:
    """Commands run on the server act as the operating-system user; tokens are for HTTP."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli:unknown"


def record(conn, *, actor: str, role: str | None, action: str, network=None, batch_id=None, target=None, detail=None) -> None:
    """Add an entry inside the caller's transaction, so it is written exactly when the change is."""
    conn.execute(
        insert(AUDIT).values(
            at=now(),
            actor=actor,
            role=role,
            action=action,
            network=network,
            batch_id=batch_id,
            target=None if target is None else str(target),
            detail=detail,
        )
    )


def entries(conn, *, network=None, action=None, batch_id=None, before_id=None, limit=100) -> list[dict]:
    """Newest first; page with `before_id` (the smallest id of the previous page)."""
    query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    for column, value in (("network", network), ("action", action), ("batch_id", batch_id)):
        if value is not None:
            query = query.where(AUDIT.c[column] == value)
    if before_id is not None:
        query = query.where(AUDIT.c.id < before_id)
    return [dict(row._mapping) for row in conn.execute(query)]
