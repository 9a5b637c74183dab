"""Engines for the store: SQLite (default, under `var/`) or any SQLAlchemy URL.

SQLite runs in WAL mode (readers never block the writer) with a busy timeout, and write transactions
start with BEGIN IMMEDIATE: a deferred transaction that later needs the write lock fails at once with
"database is locked" when another writer holds it, whereas IMMEDIATE takes the lock up front and waits
out the busy timeout. Use `store.write()` for any transaction that writes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

BUSY_TIMEOUT_MS = 60_000
#: Seconds a PostgreSQL connection may take to open (libpq's connect_timeout; the URL may set its own).
CONNECT_TIMEOUT_S = 10


def sqlite_file(url) -> str | None:
    """The file a SQLite URL (text or URL) names; None for an in-memory database or another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return parsed.database


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy's begin event, not the driver, decide how transactions start.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Checkpoint every ~64 MB of WAL rather than every 4 MB: a harvest writes megabytes per
            # batch, and each checkpoint costs an fsync of the database file.
            cur.execute("PRAGMA wal_autocheckpoint=16000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("hub_write") else "BEGIN")

        return engine
    # A server that accepts and never answers (hung, or a partition that drops packets) must fail a
    # connection in seconds, not hang the process that asked (a web process's start, its /readyz).
    parsed = make_url(url)
    timeout = parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query
    connect = {"connect_timeout": CONNECT_TIMEOUT_S} if timeout else {}
    engine = create_engine(url, pool_pre_ping=True, pool_size=int(os.environ.get("HUB_POOL_SIZE", 5)), connect_args=connect)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _session_settings(dbapi_conn, _record):
            # psycopg prepares a statement once it has run five times, and PostgreSQL may then switch
            # to a generic plan. For our chunked `id IN (…5,000 ids…)` statements the generic plan
            # filters every row of a network against the whole list: 25 s a chunk instead of 0.1 s
            # (tests/feed/test_large_withdrawal.py). Custom plans keep the savings of preparing.
            with dbapi_conn.cursor() as cur:
                cur.execute("SET plan_cache_mode = force_custom_plan")
                # No JIT compilation: a statement whose estimated cost passes jit_above_cost (a facet
                # count over a large estimate, say) spent ~500 ms compiling before reading a row, on
                # every run — the cold home page took 0.9 s at a million for a count that reads nothing.
                cur.execute("SET jit = off")
            dbapi_conn.commit()

    return engine


class Store:
    """The database of one deployment."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(hub_write=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._writer.begin() as conn:
            yield conn

    def dispose(self):
        self.engine.dispose()


def open_store(url: str | None = None) -> Store:
    from hub.config import settings

    return Store(url or settings().database_url)


def failure_message(exc: BaseException) -> str:
    """What a report, a job row or a response may say about an exception: never the SQL statement
    or its parameters, which a store error carries in its text (and which quote the records that
    were being written). The whole exception goes to the server log instead."""
    if isinstance(exc, DBAPIError):
        return (
            f"the store refused the write ({type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__}); "
            "nothing of this transaction was kept; the server log has the details"
        )
    if isinstance(exc, SQLAlchemyError):
        return f"the store failed ({type(exc).__name__}); the server log has the details"
    return f"{type(exc).__name__}: {exc}"
