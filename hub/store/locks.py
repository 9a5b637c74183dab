"""Named locks that serialise one kind of write transaction across processes.

On SQLite every write transaction already holds the database's one write lock (BEGIN IMMEDIATE,
`hub.store.db`), so nothing more is needed. PostgreSQL lets two writers run side by side: two workers
re-resolving overlapping clusters would each delete the other's rows and insert their own, and the
second insert fails on the primary key (CI saw exactly that with two harvest workers). A
transaction-scoped advisory lock makes the second wait for the first to commit, and is released by
the commit or rollback, so a crashed worker never leaves it held.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.engine import Connection


def _postgresql(conn: Connection, name: str) -> None:
    # pg_advisory_xact_lock takes a bigint; crc32 gives a stable one for a name in every process
    # (Python's hash() is salted per process).
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(name.encode())})


_TAKE = {"postgresql": _postgresql}


def hold(conn: Connection, name: str) -> None:
    """Hold the lock `name` until `conn`'s transaction ends; wait while another transaction holds it."""
    take = _TAKE.get(conn.dialect.name)
    if take is not None:
        take(conn, name)
