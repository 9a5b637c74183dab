"""Answers computed from the search index, kept until a network's documents change.

Facet counts over the whole catalogue, the ranked page of a broad query and the national statistics
take seconds at a million instruments, and every visitor asks the same few. `cached(conn, clauses,
compute)` keys an answer on its SQL (text and bound values) and on every network's index version
(`hub.search.versions`): a writer bumps the versions of the networks it changed in its own
transaction, so a reader never gets an answer older than the documents it can see, and nothing has to
expire by time. Per process, least recently used first out.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import make_url

from hub.search import versions
from hub.search.shelf import Shelf
from hub.store.models import StoreIdentity


def cached(conn, clauses, compute, state: tuple | None = None):
    """`compute()`, or what it gave for the same `clauses` (SQL expressions and plain values) when no
    network's documents have changed since. The database is part of the key: one process may serve
    several (tests do, one per test). `state`: the index versions, when the caller has read them."""
    key = (*question_key(conn, clauses), versions.current(conn) if state is None else state)
    hit = _CACHE.get(key)
    return hit if hit is not None else _CACHE.put(key, compute())


def question_key(conn, clauses) -> tuple:
    """The store and the question, whatever the index versions: the key of what is kept across
    changes (hub.search.facets keeps counts by network under it)."""
    return (conn.engine.url.render_as_string(hide_password=False), store_identity(conn), _sql_key(conn, clauses))


_IDENTITIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def store_identity(conn) -> str | None:
    """Which store `conn` reads: the random id migration 0017 wrote. The index versions start over in
    a store created again at the same URL, so whatever is kept by question must know which store
    answered it (the old store's totals and pages were served from memory). Read once per checkout
    of a connection (`conn`), not once per key."""
    identity = _IDENTITIES.get(conn)
    if identity is None:
        identity = _IDENTITIES[conn] = conn.execute(select(StoreIdentity.id)).scalar()
    return identity


def _sql_key(conn, clauses) -> tuple:
    """Expressions as SQL text with their bound values: equal keys select and order equal rows."""
    out = []
    for clause in clauses:
        if not hasattr(clause, "compile"):
            out.append(repr(clause))
            continue
        compiled = clause.compile(dialect=conn.dialect)
        out.append((str(compiled), tuple(sorted((k, repr(v)) for k, v in compiled.params.items()))))
    return tuple(out)


class Lru:
    """A small LRU, shared by the threads of one process: at most `size` values and, when `weigh`
    gives each value's bytes, at most `budget` bytes (the newest value is kept whatever it weighs)."""

    def __init__(self, size: int, weigh: Callable[[Any], int] | None = None, budget: int | None = None):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()
        self._weigh, self._budget, self._weights, self.weight = weigh, budget, {}, 0

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if self._weigh is not None:
                weight = self._weigh(value)
                self.weight += weight - self._weights.get(key, 0)
                self._weights[key] = weight
            while len(self._items) > 1 and (len(self._items) > self.size or (self._budget is not None and self.weight > self._budget)):
                old, _ = self._items.popitem(last=False)
                self.weight -= self._weights.pop(old, 0)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weights.clear()
            self.weight = 0


#: Facets, result pages and statistics of up to 512 distinct questions (a few KB each) per process.
_CACHE = Lru(512)


class Kept:
    """What is kept across catalogue changes, network by network (hub.search.facets, hub.search.pages):
    this process's most recent values in memory, and — when `share` gave the store a directory — on
    the host's shelf, so that a question one gunicorn worker counted is recounted by the next only in
    the networks that changed since. Each value carries the index versions it was computed at; the
    callers use only what still holds."""

    def __init__(self, size: int):
        self._memory = Lru(size)

    def get(self, conn, key):
        # The shelf first: another worker may have kept newer parts since this one's memory was
        # filled — above all where this one noted only "asked once", which would rank every network
        # again. Memory answers when the shelf does not (none, busy, evicted).
        shared = _shelf(conn)
        if shared is not None:
            value = shared.shelf.get(_shelf_key(conn, shared.salt, key))
            if value is not None:
                return self._memory.put(key, value)
        return self._memory.get(key)

    def put(self, conn, key, value):
        self._memory.put(key, value)
        shared = _shelf(conn)
        if shared is not None:
            shared.shelf.set(_shelf_key(conn, shared.salt, key), value)
        return value

    def mark(self, conn, key, value) -> None:
        """Put `value` unless the shelf holds something under `key` already: a marker must never
        replace what another process kept there (this one may only have failed to read it)."""
        self._memory.put(key, value)
        shared = _shelf(conn)
        if shared is not None:
            shared.shelf.add(_shelf_key(conn, shared.salt, key), value)


class _Shared(NamedTuple):
    shelf: Shelf
    salt: str  # what else shapes the values kept (`share`)


#: The shelf of each store whose `Kept` values are shared (`share`), by its URL: set per store, not
#: for the whole process, so that a process serving another store (a test, a command run beside an
#: app) never reads or fills it.
_SHELVES: dict[str, _Shared] = {}
#: Kept parts are small (a network's facet rows, a page's 20–200 rows).
SHELF_BYTES = 64 * 2**20
#: A part lost to a busy shelf costs a recount of every network (seconds at a million): worth a wait.
SHELF_BUSY_SECONDS = 1.0


def share(store_url: str, directory: str | Path | None, salt: str = "") -> None:
    """Keep the `Kept` values of the store at `store_url` on a shelf in `directory` (None: in each
    process's memory only). `salt`: what else shapes them (the code's and configuration's
    fingerprint), so that a shelf left by an older deployment is never read as this one's."""
    url = make_url(store_url).render_as_string(hide_password=False)
    if directory:
        _SHELVES[url] = _Shared(Shelf(directory, SHELF_BYTES, SHELF_BUSY_SECONDS), salt)
    else:
        _SHELVES.pop(url, None)


def _shelf(conn) -> _Shared | None:
    return _SHELVES.get(conn.engine.url.render_as_string(hide_password=False)) if _SHELVES else None


def _shelf_key(conn, salt: str, key) -> str:
    # `key` holds the store's identity (question_key): versions start over in a store created again.
    return hashlib.blake2b(repr((salt, key)).encode("utf-8"), digest_size=16).hexdigest()
