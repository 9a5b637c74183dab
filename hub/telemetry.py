"""Request telemetry of one harvest job: requests, failures by kind, latency percentiles, bytes.

Thread-safe, because the HTML family fetches detail pages four at a time.
"""

from __future__ import annotations

import threading
from collections import Counter


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
