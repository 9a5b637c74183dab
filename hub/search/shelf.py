"""A directory the processes serving one store on this host share what they computed in.

Gunicorn's workers are separate processes: what one worker counted or ranked is of no use to the
next unless it is put somewhere both can read. A `Shelf` is that place — a `diskcache.Cache`,
size-bounded, least recently stored out — and nothing else: a shelf that cannot be used (no
directory, another user's directory, busy past its short timeout) answers "not kept", and the
caller computes again. Values are pickled by diskcache.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

#: How long a process waits for another's write before it goes without, by default.
BUSY_SECONDS = 0.1


class Shelf:
    """get / set / add by key in `directory` (None: a shelf that never keeps anything). `busy_seconds`:
    how long to wait for another process's write — longer where what is lost costs more to compute."""

    def __init__(self, directory: str | Path | None, size_bytes: int, busy_seconds: float = BUSY_SECONDS):
        self.directory = Path(directory) if directory else None
        self.size_bytes, self.busy_seconds = size_bytes, busy_seconds
        self._disk, self._pid = None, None

    def get(self, key):
        return self._call("get", key)

    def set(self, key, value) -> None:
        self._call("set", key, value)

    def add(self, key, value) -> None:
        """Set `key` only if the shelf holds nothing under it."""
        self._call("add", key, value)

    def _call(self, method: str, *args):
        disk = self._open()
        if disk is None:
            return None
        try:
            return getattr(disk, method)(*args)
        except Exception as exc:  # busy, full, removed: what is not shared is only computed again
            log.debug("shelf %s: %s %s", self.directory, method, exc)
            return None

    def _open(self):
        # Opened in the process that uses it: gunicorn forks its workers, and an SQLite connection
        # must not cross a fork.
        if self.directory is None:
            return None
        if self._pid != os.getpid():
            self._disk, self._pid = self._opened(), os.getpid()
        return self._disk

    def _opened(self):
        import diskcache

        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.directory.stat().st_uid != os.getuid():
                # Another user's directory (a shared /tmp): what it holds could be anything.
                log.warning("shelf: %s belongs to another user; kept in memory only", self.directory)
                return None
            return diskcache.Cache(str(self.directory), size_limit=self.size_bytes, timeout=self.busy_seconds)
        except Exception as exc:
            log.warning("shelf: cannot use %s (%s); kept in memory only", self.directory, exc)
            return None
