"""The only way connectors talk HTTP (design rule 5).

Every request has a connect and read timeout, bounded retries with exponential back-off that honour
`Retry-After` (seconds or an HTTP date), a total deadline for the status line and headers
(`hub.http_deadline`), a cap on the body size and a floor on its rate enforced while streaming, and
lands in the job's `Telemetry`. Redirects are followed (at most `MAX_REDIRECTS`; a loop is a `redirect`
failure); one that leaves the network's host carries none of the request's own headers (a token).
Bodies are handed out as streams so large exports are never held whole.
"""

from __future__ import annotations

import email.utils
import http.client
import os
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
import urllib3
from requests.utils import get_environ_proxies

from hub.errors import ConnectorError
from hub.http_deadline import DeadlineAdapter
from hub.telemetry import Telemetry

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 10
#: Bytes a second a body must average once it has been waited for longer than the read timeout.
MIN_BODY_RATE = 1024
#: What reading a body that breaks off can raise: urllib3's own errors (protocol, read timeout, bad
#: gzip), http.client's (incomplete read), the socket's, and requests' wrappers. Anything else is a
#: bug and must surface as one, not as a "truncated" network.
_BROKEN_BODY = (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, requests.RequestException)


class BodyTooLarge(ConnectorError):
    pass


class CappedStream:
    """A read-only file object over a response body that fails once more than `cap` bytes arrive,
    or once the body arrives slower than `min_rate` bytes a second.

    The body is decompressed (gzip/deflate) as it is read; the cap applies to decompressed bytes, so
    a gzip bomb is stopped too. The read timeout bounds each wait for the socket, not the body: a
    server that sends a byte every second never trips it and holds a harvest for days. So the time
    spent waiting for the body (not the harvest's own time between reads) is summed, and once it
    passes `grace` seconds the body must have come at `min_rate` on average.
    """

    def __init__(self, response, cap: int, network: str, telemetry: Telemetry, *, min_rate: float = 0, grace: float = 0):
        self._raw = response.raw
        self._raw.decode_content = True
        self._cap, self._network, self._telemetry = cap, network, telemetry
        self._min_rate, self._grace = min_rate, grace
        self._url = _short(getattr(response, "url", None) or "?")
        self._waited = 0.0
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        want = size if size and size > 0 else 64 * 1024
        parts: list[bytes] = []
        got = 0
        while got < want:
            # read1 returns what has arrived instead of blocking until `want` bytes have: a
            # trickle is then seen byte by byte, not after 64 KiB of it.
            started = time.monotonic()
            try:
                chunk = self._raw.read1(want - got)
            except _BROKEN_BODY as exc:
                raise ConnectorError(self._network, f"body broken off while reading: {exc}", "truncated") from exc
            self._waited += time.monotonic() - started
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
            self.read_bytes += len(chunk)
            self._telemetry.add_bytes(len(chunk))
            if self.read_bytes > self._cap:
                raise BodyTooLarge(self._network, f"body exceeds the {self._cap}-byte cap", "too_large")
            if self._waited > self._grace and self.read_bytes < self._min_rate * self._waited:
                raise ConnectorError(
                    self._network,
                    f"body of {self._url} arrives at {self.read_bytes / self._waited:.0f} bytes a second ({self.read_bytes} bytes in "
                    f"{self._waited:.0f} s of waiting), below the {self._min_rate:.0f} of http.min_body_rate: "
                    "the server trickles it",
                    "timeout",
                )
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def close(self):
        self._raw.close()


class _Session(requests.Session):
    """A session that hands a network's own request headers (a token, cache validators) to no other
    host. requests drops `Authorization` when a redirect leaves the host, but not a header such as
    hbkx's `X-Auth-Token`: a server redirecting elsewhere would receive the network's token."""

    def rebuild_auth(self, prepared_request, response):
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            # Only the client's own headers and those describing the body go along.
            for name in [n for n in prepared_request.headers if n not in self.headers and n.lower() not in _BODY_HEADERS]:
                del prepared_request.headers[name]


_BODY_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})


class HttpClient:
    """HTTP for one network's job. `settings` is the `http` section of `conf/settings.yaml`."""

    def __init__(self, network: str, settings: dict, telemetry: Telemetry | None = None, *, sleep=time.sleep):
        self.network = network
        self.settings = settings
        self.telemetry = telemetry or Telemetry()
        self.session = _Session()
        # A server redirecting in a circle is the network's fault, reported after this many hops.
        self.session.max_redirects = MAX_REDIRECTS
        # The read timeout bounds each wait for the socket, not the wait for the headers: these must be
        # complete within connect + read timeout, or a server trickling them holds the harvest forever.
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, DeadlineAdapter())
        self.session.headers["User-Agent"] = settings["user_agent"]
        # requests re-reads the environment (proxies, no_proxy, CA bundle, ~/.netrc) on every request
        # when trust_env is on: half a millisecond a request, a third of the client's cost for a site
        # read page by page. The environment is read once per host here instead; credentials come from
        # the network's configuration, never from ~/.netrc.
        self.session.trust_env = False
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self._proxies: dict[str, dict] = {}
        self._sleep = sleep

    def close(self):
        self.session.close()

    def request(self, method: str, url: str, *, retry_statuses=RETRY_STATUSES, ok_statuses=None, **kwargs) -> requests.Response:
        """Send a request, retrying transient failures; return the response with its body unread.

        Raises `ConnectorError` (kind `http_<status>`, `timeout`, `connection`) once retries are spent.
        Statuses outside 2xx that are not retried raise at once unless listed in `ok_statuses`.
        """
        s = self.settings
        kwargs.setdefault("timeout", (s["connect_timeout"], s["read_timeout"]))
        kwargs.setdefault("stream", True)
        kwargs.setdefault("proxies", self._proxies_for(url))
        attempts = s["max_retries"] + 1
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.TooManyRedirects:
                # Not transient: asking again walks the same circle.
                raise ConnectorError(
                    self.network, f"{_short(url)} redirected more than {MAX_REDIRECTS} times (a redirect loop)", "redirect"
                ) from None
            except requests.Timeout as exc:
                failure, message, wait = "timeout", f"timed out: {exc}", None
            except requests.ConnectionError as exc:
                failure, message, wait = "connection", f"connection failed: {exc}", None
            else:
                latency = (time.perf_counter() - started) * 1000
                status = response.status_code
                if status < 400 or (ok_statuses and status in ok_statuses):
                    self.telemetry.record(latency)
                    return response
                self.telemetry.record(latency, f"http_{status}")
                failure = f"http_{status}"
                message = f"HTTP {status} from {_short(url)}"
                wait = retry_after(response.headers.get("Retry-After"))
                response.close()
                if status not in retry_statuses:
                    raise ConnectorError(self.network, message, failure)
                if wait is not None and wait > s["max_retry_after"]:
                    raise ConnectorError(
                        self.network, f"{message}: Retry-After {wait:.0f}s exceeds the {s['max_retry_after']:.0f}s limit", failure
                    )
            if failure in ("timeout", "connection"):
                self.telemetry.record((time.perf_counter() - started) * 1000, failure)
            if attempt == attempts:
                raise ConnectorError(self.network, f"{message} (gave up after {attempts} attempts)", failure)
            self._sleep(wait if wait is not None else s["backoff"] * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # Loop always returns or raises

    def _proxies_for(self, url: str) -> dict:
        """The environment's proxies for `url`'s scheme and host (honouring no_proxy), read once."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            self._proxies[key] = get_environ_proxies(key)
        return self._proxies[key]

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def stream(self, response: requests.Response) -> CappedStream:
        """The response body as a capped, decompressing file object (for iterparse and csv)."""
        return self._capped(response, self.settings["max_body_bytes"])

    def _capped(self, response: requests.Response, cap: int) -> CappedStream:
        s = self.settings
        # Settings built by hand (probes, tests) may predate the floor: the configured default then.
        floor = s.get("min_body_rate", MIN_BODY_RATE)
        return CappedStream(response, cap, self.network, self.telemetry, min_rate=floor, grace=s["read_timeout"])

    def read(self, response: requests.Response, cap: int | None = None) -> bytes:
        """The whole body, for small documents (a JSON page, an HTML page), under a cap."""
        stream = self._capped(response, cap or self.settings["max_body_bytes"])
        parts = []
        try:
            while chunk := stream.read(64 * 1024):
                parts.append(chunk)
        finally:
            stream.close()
        body = b"".join(parts)
        expected = response.headers.get("Content-Length")
        if expected and response.headers.get("Content-Encoding") in (None, "identity") and len(body) < int(expected):
            raise ConnectorError(self.network, f"body of {_short(response.url)} truncated: {len(body)} of {expected} bytes", "truncated")
        return body


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    # delay-seconds is ASCII digits (RFC 9110); str.isdigit alone also passes '²', which float()
    # refuses, and that escaped as a crash of the harvest.
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "…"
