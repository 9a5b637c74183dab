"""A stop a signal asked for, kept until work that can stop cleanly looks at it.

A signal handler runs in the main thread at the next bytecode, whatever runs there. When that is a
finalizer (a `weakref.finalize` callback, a `__del__`, run as the garbage collector frees something),
Python prints "Exception ignored" for the exception the handler raised and goes on: `hub harvest`,
sent SIGTERM mid-listing, finished the harvest and exited 0, and the handler had already set a second
SIGTERM to be ignored. So a handler also records the stop here (`ask`), and the loops that can stop
between two units of work — each batch of a harvest — call `check`, which raises it if it never
arrived. Where a stop does arrive (a job ended as interrupted by it), `arrived` forgets it, so a
process that goes on — a test, a long-running caller — is not stopped a second time.
"""

from __future__ import annotations

_asked: type[BaseException] | None = None


def ask(stop: type[BaseException]) -> None:
    """Record that the process is to stop by raising `stop()` (a signal handler calls this, then raises)."""
    global _asked
    _asked = stop


def check() -> None:
    """Raise the stop asked for, once, if there is one: a loop calls it between units of work. Once
    raised it is forgotten, so the bookkeeping on the way out (a job marked interrupted, a lease
    released) is never cut short by it."""
    global _asked
    stop, _asked = _asked, None
    if stop is not None:
        raise stop()


def arrived(exc: BaseException) -> None:
    """`exc` interrupted the work: if it is the stop asked for, that stop reached it; forget it."""
    global _asked
    if _asked is not None and isinstance(exc, _asked):
        _asked = None
