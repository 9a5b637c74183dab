"""One question's independent index reads spread over more than one connection of the same index.

A nation-wide question with a query reads the text index several times: the matches, then each
(field, clause) probe of the score (`hub.search.backends`). On SQLite each read is one FTS5 statement
that spends its time inside SQLite, where Python's sqlite3 module releases the GIL, so reads on two
connections run on two cores at once. At a million instruments HPLC's six reads took 110 ms one after
the other and 58 ms spread over three connections (2 cores); `tests/bench/bench_catalogue.py`
measures whole questions (docs/catalogue.md).

Exact, not approximately current: a helper connection reads only when its snapshot holds the very
index versions the question's own transaction read (`hub.search.versions`: every write of documents
bumps its networks' versions in the same transaction, so equal versions mean the same documents).
A helper that sees other versions reads nothing, and one still waiting for a connection when the
question's own connection has read the rest takes nothing; that connection reads whatever no helper
took, and never waits for a helper that has not started a read. An in-memory database, whose every
connection is a database of its own, is never spread.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hub.search import versions
from hub.store.db import sqlite_file

log = logging.getLogger(__name__)

#: Connections reading at once for one question, its own included: one more than the cores, at most
#: 4 (none on one core). At a million on 2 cores HPLC's reads took 110 ms on one connection, 78 ms
#: on two, 58 on three and 61 on four: the reads are of unequal size, and each lane also parses its
#: answer in Python, holding the GIL, while the others read.
_CORES = os.cpu_count() or 1
LANES = 1 if _CORES < 2 else min(4, _CORES + 1)

_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The process's helper threads, made anew in a forked child (a gunicorn worker): threads do not
    survive a fork."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=LANES - 1, thread_name_prefix="search-lane")
            _pool_pid = os.getpid()
        return _pool


def _spreadable(conn) -> bool:
    # A SQLite file only: there each read runs outside the GIL, and every connection opens the same
    # database. (PostgreSQL's `hits` is one statement, its probes tested on each match's row.)
    return LANES > 1 and sqlite_file(conn.engine.url) is not None


class _Work:
    """The reads not yet taken, their results, and who is still reading."""

    def __init__(self, reads: Sequence[Callable[[Any], Any]]):
        self.todo = deque(enumerate(reads))
        self.results: dict[int, Any] = {}
        self.taken: dict[int, threading.Event] = {}
        self.lock = threading.Lock()
        self.closed = False

    def take(self, from_front: bool):
        """(index, read) of a read no one has taken, or None when there is none or the work is closed."""
        with self.lock:
            if self.closed or not self.todo:
                return None
            index, read = self.todo.popleft() if from_front else self.todo.pop()
            self.taken[index] = threading.Event()
            return index, read

    def done(self, index: int, result) -> None:
        self.results[index] = result
        self.taken[index].set()

    def close(self) -> None:
        """No read is taken from now on: what is left is dropped."""
        with self.lock:
            self.closed = True
            self.todo.clear()


def _help(engine, state: tuple, work: _Work) -> None:
    """A helper lane: reads from the back of the work while its snapshot holds `state`."""
    if work.closed:
        return
    try:
        with engine.connect() as conn:
            if versions.current(conn) != state:
                return  # another snapshot: its answers would not be the question's
            while (item := work.take(from_front=False)) is not None:
                index, read = item
                try:
                    work.done(index, read(conn))
                except Exception:
                    work.taken[index].set()  # no result: the question's own connection reads it again
                    raise
    except Exception:
        log.warning("a search lane failed; its reads are made on the question's own connection", exc_info=True)


def spread(conn, state: tuple | None, reads: Sequence[Callable[[Any], Any]], enough: Callable[[int, Any], bool] | None = None) -> list:
    """The result of each `read(connection)`, in order, each run on `conn` or on a helper connection
    whose snapshot holds the index versions `state` (read on `conn`; None: all on `conn`). `conn`
    takes the reads from the front; `enough(index, result)`, asked for each result `conn` reads, True
    when the remaining reads are not needed (their results are then None)."""
    work = _Work(reads)
    if state is not None and len(reads) > 1 and _spreadable(conn):
        pool = _executor()
        for _ in range(min(LANES - 1, len(reads) - 1)):
            pool.submit(_help, conn.engine, state, work)
    try:
        while (item := work.take(from_front=True)) is not None:
            index, read = item
            result = read(conn)
            work.done(index, result)
            if enough is not None and enough(index, result):
                work.close()
    finally:
        work.close()  # a helper still waiting for a connection takes nothing; nor after a failure here
    for index, taken in list(work.taken.items()):
        taken.wait()
        if index not in work.results:
            work.results[index] = reads[index](conn)
    return [work.results.get(i) for i in range(len(reads))]
