"""Faults a simulated network can be told to show, switchable at run time.

Each kind is a small class registered by name; `make_fault(kind, **params)` builds one and rejects
unknown kinds and parameters with a message naming them. Every fault shares the same trigger
parameters:

* ``path``  – only requests whose path (after ``/{code}``) contains this text (default: all);
* ``page``  – only requests whose ``page``/``pageNo`` query parameter equals this;
* ``nth``   – start firing at the n-th matching request (1-based; default: the first);
* ``count`` – fire at most this many times (default: every matching request until cleared);
* ``rate``  – fire on this share of matching requests, chosen deterministically from the URL and how
  often it was asked (so a retry of the same URL usually passes).
"""

from __future__ import annotations

import hashlib
import threading

FAULTS: dict[str, type["Fault"]] = {}


def register(kind):
    def wrap(cls):
        cls.kind = kind
        FAULTS[kind] = cls
        return cls

    return wrap


class Fault:
    kind = ""
    params: dict = {}  # the kind's own parameters with their defaults

    def __init__(self, path=None, page=None, nth=None, count=None, rate=None, **params):
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError(
                f"fault {self.kind!r}: unknown parameter(s) {sorted(unknown)}; "
                f"expected {sorted(self.params) + ['count', 'nth', 'page', 'path', 'rate']}"
            )
        self.path, self.page, self.nth, self.count, self.rate = path, page, nth, count, rate
        self.options = {**self.params, **params}
        self.seen = 0
        self.fired = 0
        self._lock = threading.Lock()

    def triggers(self, path: str, page: str | None, url: str, attempt: int) -> bool:
        if self.path is not None and self.path not in path:
            return False
        if self.page is not None and str(self.page) != (page or ""):
            return False
        with self._lock:
            self.seen += 1
            if self.nth is not None and self.seen < self.nth:
                return False
            if self.count is not None and self.fired >= self.count:
                return False
            if self.rate is not None and not deterministic_roll(url, attempt, self.rate):
                return False
            self.fired += 1
            return True

    def describe(self) -> dict:
        return {
            "kind": self.kind,
            **self.options,
            "path": self.path,
            "page": self.page,
            "nth": self.nth,
            "count": self.count,
            "rate": self.rate,
            "fired": self.fired,
        }


def deterministic_roll(url: str, attempt: int, rate: float) -> bool:
    digest = hashlib.blake2b(f"{url}#{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < rate


@register("slow")
class Slow(Fault):
    """Answer after ``delay`` seconds."""

    params = {"delay": 1.0}


@register("http_error")
class HttpError(Fault):
    """Answer with ``status`` (default 500) in the family's own error style."""

    params = {"status": 500}


@register("unavailable")
class Unavailable(Fault):
    """503 with ``Retry-After: retry_after`` (the export is being regenerated, maintenance)."""

    params = {"retry_after": 5}


@register("rate_limit")
class RateLimit(Fault):
    """More than ``per_second`` requests in a second get 429 with ``Retry-After: retry_after``.
    ``per_second=None`` lifts the network's own limit."""

    params = {"per_second": 10, "retry_after": 1}


@register("token_expiry")
class TokenExpiry(Fault):
    """hbkx-json tokens expire after ``seconds`` or after ``requests`` uses; tokens issued before the
    fault was set are expired at once (``expire_now``)."""

    params = {"seconds": None, "requests": None, "expire_now": True}


@register("truncate")
class Truncate(Fault):
    """Cut the body after ``at`` (a share of it, 0–1); the XML export is cut inside an element.
    ``boundary``: cut instead at the last record boundary before that point (after a listing row's
    ``</tr>``, an ``</Instrument>``, an OAI ``</record>``), so what is left parses as far as it goes."""

    params = {"at": 0.5, "boundary": False}


@register("short_page")
class ShortPage(Fault):
    """A listing page keeps only its first ``keep`` share of rows and stays well-formed, its totals
    unchanged (a page served from a half-filled cache): hbkx-json's ``list``, yqlm-html's table,
    an OAI-PMH page's records (its resumption token and ``completeListSize`` kept)."""

    params = {"keep": 0.5}


@register("drop_token")
class DropToken(Fault):
    """oai-pmh: the page loses its ``<resumptionToken>`` element and stays well-formed, as if it were
    the last page of the list."""

    params = {}


@register("empty")
class Empty(Fault):
    """Listings answer with zero records (a successful-looking empty harvest)."""

    params = {}


@register("hostile_value")
class HostileValue(Fault):
    """Record ``index`` (0-based, in generation order) carries ``value`` in ``field`` (an attribute of
    `hub.simulate.generator.Instrument`: name, model, specs, address, fee, contact, phone …), rendered
    by the family as it renders that field. Standing while set; the trigger parameters do not apply."""

    params = {"index": 0, "field": "specs", "value": ""}


@register("repeat")
class Repeat(Fault):
    """Record ``index`` is served as a copy of record ``of``, its id included: a listing that names
    one id twice (a vendor's join gone wrong). Standing while set; the trigger parameters do not apply."""

    params = {"index": 1, "of": 0}


#: Faults that change what a record is, not how a request is answered.
RECORD_FAULTS = ("hostile_value", "repeat")


def make_fault(kind: str, **params) -> Fault:
    if kind not in FAULTS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULTS)}")
    return FAULTS[kind](**params)
