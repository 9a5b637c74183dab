"""Telemetry of one harvest job: its requests (failures by kind, latency percentiles, bytes) and
where its time went, phase by phase.

Request telemetry is thread-safe, because the HTML family fetches detail pages four at a time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter, defaultdict


def percentile(values, q: float):
    """Nearest-rank percentile of a list of numbers (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


class Telemetry:
    def __init__(self):
        self._lock = threading.Lock()
        self.requests = 0
        self.failures: Counter[str] = Counter()
        self.latencies_ms: list[float] = []
        self.bytes = 0

    def record(self, latency_ms: float, failure: str | None = None):
        with self._lock:
            self.requests += 1
            self.latencies_ms.append(latency_ms)
            if failure:
                self.failures[failure] += 1

    def add_bytes(self, n: int):
        with self._lock:
            self.bytes += n

    def summary(self) -> dict:
        with self._lock:
            lat = list(self.latencies_ms)
            return {
                "requests": self.requests,
                "failed": sum(self.failures.values()),
                "failures": dict(sorted(self.failures.items())),
                "latency_ms": {
                    "p50": _round(percentile(lat, 50)),
                    "p95": _round(percentile(lat, 95)),
                    "max": _round(max(lat) if lat else None),
                },
                "bytes": self.bytes,
            }


def _round(v):
    return None if v is None else round(v, 1)


class Phases:
    """Wall seconds of one harvest by phase, so that an operator (and the harvest benchmark) sees
    whether a slow harvest waits for its source, maps and indexes, queues for the store, or writes:
    `reading` (the connector: fetching and parsing, as far as the harvest waits for it),
    `preparing` (hashing, mapping, validating, tokenising), `write_lock` (waiting for SQLite's one
    write lock; near 0 on PostgreSQL, where writers wait inside their statements), `writing` (the
    writes and commits), `withdrawals` (the withdrawal guard after a full listing), `counting` (the
    network's facet counts, once at the end) and `duplicates` (resolving the blocks it changed).
    Only the harvest's own thread uses it."""

    def __init__(self):
        self.seconds: defaultdict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def timing(self, phase: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] += time.perf_counter() - started

    def since(self, phase: str, started: float) -> None:
        """Count the wall time from `started` (time.perf_counter()) to now to `phase`: for a phase
        that ends where no block of ours does (the counting a `with` statement's exit runs)."""
        self.seconds[phase] += time.perf_counter() - started

    def timed(self, phase: str, items):
        """`items`, the time spent waiting for each one counted to `phase`."""
        it = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                self.seconds[phase] += time.perf_counter() - started
            yield item

    @contextlib.contextmanager
    def writing(self, store):
        """`store.write()`, its wait for the write lock counted apart from the writing (commit included)."""
        asked = time.perf_counter()
        granted = None
        try:
            with store.write() as conn:
                granted = time.perf_counter()
                yield conn
        finally:
            ended = time.perf_counter()
            self.seconds["write_lock"] += (granted or ended) - asked
            if granted is not None:
                self.seconds["writing"] += ended - granted

    def summary(self) -> dict[str, float]:
        return {phase: round(seconds, 2) for phase, seconds in self.seconds.items()}
