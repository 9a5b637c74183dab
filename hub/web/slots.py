"""How many long downloads one web process sends at once.

An export streams its rows from a server-side cursor, so it holds one of the process's database
connections until its last byte has left — for as long as the client takes to read it. Without a
bound, one client starting downloads and never reading them took every connection of the pool, and
every other request then waited `pool_timeout` (30 s) and failed with a 500. With a bound, the
download that would pass it is answered 503 with Retry-After at once, and searches and pages keep
the rest of the pool (and, under gunicorn, the rest of the worker's threads).

The slot is given back once the last byte is produced, and in any case when the WSGI server closes
the response: when the client goes away mid-download, and also when the body was never iterated (a HEAD, a client gone
before the first byte) — which is why the body is wrapped in an object with `close()`, not in a
generator, whose `finally` never runs if it never started.
"""

from __future__ import annotations

import os
import threading
from typing import Iterable, Iterator

from hub.errors import ConfigError

#: Exports a web process sends at once unless the app's EXPORT_SLOTS says otherwise. Below
#: gunicorn's `--threads 4` of conf/deploy, and a fifth of the default pool (5 + 10 overflow).
DEFAULT_EXPORT_SLOTS = 3
#: Seconds a refused download is told to wait before trying again.
RETRY_AFTER = 30


class Slots:
    """A fixed number of slots, taken without waiting (a request never queues for one)."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"EXPORT_SLOTS must be at least 1, got {size}")
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    def take(self) -> bool:
        return self._free.acquire(blocking=False)

    def give(self) -> None:
        self._free.release()

    def holding(self, body: Iterable[bytes]) -> "_Holding":
        """`body`, giving the (already taken) slot back when the server closes it."""
        return _Holding(body, self)


class _Holding:
    def __init__(self, body: Iterable[bytes], slots: Slots):
        self._body, self._slots, self._held = body, slots, True

    def __iter__(self) -> Iterator[bytes]:
        yield from self._body
        self.close()  # the last byte is out: free the slot now, whenever the server gets round to close()

    def close(self) -> None:
        if not self._held:
            return
        self._held = False
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()  # a generator's finally (its cursor, its temporary file) runs now
        finally:
            self._slots.give()


def init_app(app) -> None:
    """The app's export slots: its EXPORT_SLOTS, else HUB_EXPORT_SLOTS (set beside HUB_POOL_SIZE when
    the pool grows), else DEFAULT_EXPORT_SLOTS. Made with the app, so threads never race to make two."""
    size = app.config.get("EXPORT_SLOTS") or os.environ.get("HUB_EXPORT_SLOTS") or DEFAULT_EXPORT_SLOTS
    try:
        app.extensions["hub_export_slots"] = Slots(int(size))
    except ValueError as exc:
        raise ConfigError("HUB_EXPORT_SLOTS", None, f"expected a whole number of at least 1, got {size!r} ({exc})") from None


def export_slots(app) -> Slots:
    return app.extensions["hub_export_slots"]
