"""The mutable side of one simulated network: mutations (edits, withdrawals, additions), active
faults, issued tokens and request counters. Records themselves are still built on demand."""

from __future__ import annotations

import collections
import dataclasses
import random
import threading
import time
from datetime import datetime, timedelta, timezone

from hub.simulate.faults import RECORD_FAULTS, Fault, make_fault
from hub.simulate.generator import AS_OF, NetworkData, network_data

CST = timezone(timedelta(hours=8))


def local_now() -> datetime:
    """Network-local (UTC+8) wall time, rounded up to the next second so that a change made now is
    strictly after any `since` a client computed before making the change."""
    now = datetime.now(CST).replace(tzinfo=None)
    return now.replace(microsecond=0) + timedelta(seconds=1)


class LRU:
    def __init__(self, size: int):
        self.size, self._data, self._lock = size, collections.OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value):
        if self.size <= 0:
            return
        with self._lock:
            self._data[key] = value
            if len(self._data) > self.size:
                self._data.popitem(last=False)


class NetworkState:
    def __init__(self, spec, seed: int = 1, scale: float = 1.0, realistic: bool = False, cache_size: int = 12_000):
        self.spec = spec
        self.code = spec.code
        self.data: NetworkData = network_data(spec, seed, scale)
        self.seed = seed
        self.realistic = realistic
        self.lock = threading.RLock()
        self.versions: dict[int, tuple[int, datetime]] = {}
        self.deleted: dict[int, datetime] = {}
        self.added = 0
        self.mutations = 0
        self.last_change: datetime | None = None
        self.faults: list[Fault] = []
        self.tokens: dict[str, list] = {}  # token -> [issued monotonic, uses, lifetime, max uses]
        self.url_attempts: collections.Counter = collections.Counter()
        self.request_times: collections.deque = collections.deque()
        self.requests = 0
        #: rendered records by (index, version), bounded so a 10x export keeps flat memory
        self.cache = LRU(cache_size)
        self._listing_cache: dict = {}
        #: index -> record as first generated, when `warm()` built them all beforehand
        self._built: dict | None = None

    # -- records -------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return self.data.n + self.added

    @property
    def as_of(self) -> datetime:
        return max(AS_OF, self.last_change) if self.last_change else AS_OF

    def version(self, i: int) -> int:
        return self.versions.get(i, (0, None))[0]

    def updated(self, i: int) -> datetime:
        entry = self.versions.get(i)
        return entry[1] if entry else self.data.updated_at(i)

    def record(self, i: int):
        if self._record_faults:
            return self._faulty_record(i)
        version, updated = self.versions.get(i, (0, None))
        if version == 0 and updated is None and self._built is not None and i in self._built:
            return self._built[i]
        return self.data.record(i, version, updated)

    def warm(self) -> None:
        """Build every record now and keep them, with room in the rendered-record cache for all.

        A record is otherwise generated (0.07–0.15 ms) each time a page or export holds it, on the
        same cores as the client; a benchmark measuring the client wants a server that does no such
        work while it runs, as a real network's server is on another machine. Memory for speed:
        about 3 KB a record (+250 MB and 9 s to start for the three reference networks at scale 10),
        and the rendered ones as they are served. Edited records are generated as before."""
        self._built = {i: self.data.record(i, 0, None) for i in range(self.data.n)}
        # Twice the records: an edited record is cached under its new version beside the old one.
        self.cache = LRU(max(self.cache.size, 2 * self.total))

    def _faulty_record(self, i: int):
        repeat = next((f for f in self._record_faults if f.kind == "repeat" and int(f.options["index"]) == i), None)
        source = int(repeat.options["of"]) if repeat else i
        version, updated = self.versions.get(source, (0, None))
        rec = self.data.record(source, version, updated)
        for fault in self._record_faults:
            if fault.kind == "hostile_value" and int(fault.options["index"]) == i:
                field = fault.options["field"]
                if field not in {f.name for f in dataclasses.fields(rec)} or field in ("index", "version", "q"):
                    raise ValueError(f"fault hostile_value: no text field {field!r} in a simulated record")
                rec = dataclasses.replace(rec, **{field: fault.options["value"]})
        return rec

    @property
    def _record_faults(self) -> list:
        return [f for f in self.faults if f.kind in RECORD_FAULTS]

    def live(self) -> list[int]:
        """Indices listed now, in listing order."""
        key = ("live", self.mutations)
        cached = self._listing_cache.get(key)
        if cached is None:
            cached = [i for i in range(self.total) if i not in self.deleted]
            self._listing_cache = {key: cached}
        return cached

    def changed_since(self, since: datetime) -> tuple[list[int], list[tuple[int, datetime]]]:
        """(live indices updated after `since`, [(index, deleted at)] withdrawn after `since`)."""
        key = ("since", since, self.mutations)
        cached = self._listing_cache.get(key)
        if cached is None:
            changed = [i for i in range(self.total) if i not in self.deleted and self.updated(i) > since]
            gone = sorted((i, at) for i, at in self.deleted.items() if at > since)
            cached = (changed, gone)
            self._listing_cache[key] = cached
        return cached

    def mutate(self, update: int = 0, delete: int = 0, add: int = 0) -> dict:
        """Edit, withdraw and add records, deterministically in the order of calls."""
        with self.lock:
            self.mutations += 1
            now = local_now()
            rng = random.Random(f"{self.seed}:{self.code}:mutation:{self.mutations}")
            live = [i for i in range(self.total) if i not in self.deleted]
            chosen = rng.sample(live, min(len(live), update + delete))
            updated, deleted = sorted(chosen[:update]), sorted(chosen[update:])
            for i in updated:
                self.versions[i] = (self.version(i) + 1, now)
            for i in deleted:
                self.deleted[i] = now
            added = list(range(self.total, self.total + add))
            for i in added:
                self.versions[i] = (0, now)
            self.added += add
            self.last_change = now
            self._listing_cache = {}
            return {"updated": updated, "deleted": deleted, "added": added, "at": now.isoformat(sep=" ")}

    # -- faults --------------------------------------------------------------------------------
    def set_fault(self, kind: str, **params) -> Fault:
        fault = make_fault(kind, **params)
        with self.lock:
            if kind == "token_expiry" and fault.options["expire_now"]:
                self.tokens.clear()
            if kind in RECORD_FAULTS:
                self.cache = LRU(self.cache.size)  # rendered records would hide the change
            self.faults.append(fault)
        return fault

    def clear_faults(self):
        with self.lock:
            if any(f.kind in RECORD_FAULTS for f in self.faults):
                self.cache = LRU(self.cache.size)
            self.faults = []

    def active(self, kind: str, path: str, page, url: str, attempt: int):
        for fault in list(self.faults):
            if fault.kind == kind and fault.triggers(path, page, url, attempt):
                return fault
        return None

    def standing(self, kind: str):
        """A fault that changes a setting rather than firing per request (rate_limit, token_expiry)."""
        for fault in reversed(self.faults):
            if fault.kind == kind:
                return fault
        return None

    def rate_limited(self, limit: int | None) -> bool:
        if not limit:
            return False
        now = time.monotonic()
        with self.lock:
            while self.request_times and now - self.request_times[0] >= 1.0:
                self.request_times.popleft()
            if len(self.request_times) >= limit:
                return True
            self.request_times.append(now)
            return False
