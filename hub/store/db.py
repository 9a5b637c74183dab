"""Engines for the store: SQLite (default, under `var/`) or any SQLAlchemy URL.

SQLite runs in WAL mode (readers never block the writer) with a busy timeout, and write transactions
start with BEGIN IMMEDIATE: a deferred transaction that later needs the write lock fails at once with
"database is locked" when another writer holds it, whereas IMMEDIATE takes the lock up front and waits
out the busy timeout. Use `store.write()` for any transaction that writes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

BUSY_TIMEOUT_MS = 60_000
#: Seconds a PostgreSQL connection may take to open (libpq's connect_timeout; the URL may set its own).
CONNECT_TIMEOUT_S = 10
#: How both ends of a PostgreSQL session find that the other stopped answering (seconds idle before
#: the first keepalive probe, between probes, unanswered probes): within 30 + 3 × 10 = 60 s, and
#: data sent and not acknowledged for as long is given up too (TCP_USER_TIMEOUT; a host lost right
#: after the server answered leaves the answer unacknowledged, and retransmission outlasts keepalive:
#: ~15 min). A host lost mid-transaction (power, network) cannot close its sessions; PostgreSQL would
#: keep them open with their locks — a network's counts, the one duplicate resolution at a time,
#: the rows the transaction wrote — for as long as the kernel's defaults take (keepalive: 2 h 11 min),
#: while the queue retries the lost host's jobs after 30 s and those wait on the locks. The client
#: end does the same for a server that vanished. The URL may set its own values.
KEEPALIVE_S = {"idle": 30, "interval": 10, "count": 3}


def sqlite_file(url) -> str | None:
    """The file a SQLite URL (text or URL) names; None for an in-memory database or another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return parsed.database


def _use_wal(cur) -> None:
    """Switch the database to WAL (a no-op once it is), waiting out other connections doing the same.

    Two connections opening a fresh database at once both switch it, and one of them gets "database
    is locked" at once: SQLite does not call the busy handler there (37 pairs of threads in 300;
    tests/store/test_sqlite_locking.py). Two `hub` processes started together on a new database meet
    it (the scheduler's unit running `hub init` while a web process opens the store). So the switch is
    tried again, as long as a writer would wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            # The extended code's low byte: SQLITE_BUSY_RECOVERY and the like are busy too.
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _keep_interrupted_sqlite_connection(ctx) -> None:
    """A signal's exception (SIGTERM's `Terminated`, Ctrl-C) raised as a statement returns is no
    broken connection on SQLite: the library call ended before Python ran the handler.

    SQLAlchemy treats such an exception as a disconnect and closes the connection without closing
    the statement's cursor, which the exception's traceback still holds. SQLite then keeps the
    connection open as a "zombie" until that statement is finalized, with its transaction and the
    write lock: the interrupted harvest's own "failed" write waited out the busy timeout behind it,
    failed with "database is locked", and left its job running and its lease held
    (tests/harvest/test_sigterm.py). Kept as a live connection, the cursor is closed and the
    transaction block rolls back as for any other error."""
    if not isinstance(ctx.original_exception, Exception):  # SystemExit, KeyboardInterrupt
        ctx.is_disconnect = False


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
            _use_wal(cur)
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

        event.listen(engine, "handle_error", _keep_interrupted_sqlite_connection)

        return engine
    postgresql = make_url(url).get_backend_name() == "postgresql"
    connect = libpq_parameters(url) if postgresql else {}
    engine = create_engine(url, pool_pre_ping=True, pool_size=int(os.environ.get("HUB_POOL_SIZE", 5)), connect_args=connect)
    if postgresql:

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


def _given_up_ms() -> int:
    return 1000 * (KEEPALIVE_S["idle"] + KEEPALIVE_S["interval"] * KEEPALIVE_S["count"])


def libpq_parameters(url) -> dict:
    """The libpq connection parameters every hub connection to PostgreSQL adds to its URL's own
    (which win, parameter by parameter): the connect timeout and both ends' keepalive."""
    query = make_url(url).query
    # A server that accepts and never answers (hung, or a partition that drops packets) must fail a
    # connection in seconds, not hang the process that asked (a web process's start, its /readyz).
    client = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_S["idle"],
        "keepalives_interval": KEEPALIVE_S["interval"],
        "keepalives_count": KEEPALIVE_S["count"],
        "tcp_user_timeout": _given_up_ms(),
    }
    out: dict = {name: value for name, value in client.items() if name not in query}
    # The server's end: session settings, sent at connection start as `options` (user-settable).
    options = query.get("options") or ""
    if isinstance(options, tuple):  # given twice in the URL
        options = " ".join(options)
    server = {f"tcp_keepalives_{name}": value for name, value in KEEPALIVE_S.items()} | {"tcp_user_timeout": _given_up_ms()}
    missing = [f"-c {name}={value}" for name, value in server.items() if name not in options]
    if missing:
        out["options"] = " ".join(filter(None, [options, *missing]))
    return out


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
