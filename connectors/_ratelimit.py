"""Client-side request pacing: stay under a network's requests-per-second limit instead of
collecting 429s (the server still may send them; `HttpClient` then honours `Retry-After`)."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Spaces request starts at least `1 / per_second` apart. Thread-safe.

    `clock` and `sleep` are injectable so tests can check the pacing without waiting.
    """

    def __init__(self, per_second: float, *, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = None

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            if self._next is not None and now < self._next:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval
