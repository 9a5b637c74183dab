"""A total deadline for a response's status line and headers.

requests' read timeout bounds each wait for the socket, not the wait for the headers: a server that
sends its headers a byte every half second never trips it and holds the request (and the network's
harvest, and its lease) forever. The body has its own bound (`hub.http.CappedStream`); this bounds
what comes before it. The headers must be complete within the connect timeout plus the read timeout
of the request, counted from when the request has been sent.

Mechanism: a watchdog timer. The adapter puts the deadline where the connection can see it (a context
variable, set for the one `send`); the connection, while http.client reads the status line and
headers, registers its socket with one process-wide watchdog thread, which shuts the socket down when
the deadline passes. `shutdown` (not `close`) is what another thread may safely do to a socket a
thread is blocked reading: the read returns at once, and the descriptor stays valid until urllib3
discards the connection, as it does any connection whose response failed. Once the headers are in
the socket is unregistered. One shared thread, not a `threading.Timer` a request: starting and
joining a thread cost ~0.4 ms a request, half again a local request's time; registering costs a few
microseconds (docs/connectors.md has the measurement). The watchdog sleeps while nothing is watched.
The failure is a urllib3 `ReadTimeoutError`, which requests raises as `ReadTimeout`, so `HttpClient`
reports it as the network's `timeout` failure like any other.
"""

from __future__ import annotations

import itertools
import math
import os
import socket
import threading
import time
from contextvars import ContextVar

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ReadTimeoutError

#: Seconds the status line and headers of the request being sent may take; None: no deadline.
_DEADLINE: ContextVar[float | None] = ContextVar("header_deadline", default=None)


class HeadersTooSlow(ReadTimeoutError):
    """The status line and headers were not complete by the deadline."""

    def __init__(self, url: str, seconds: float):
        self.url = url
        message = f"status line and headers of {url} not complete after {seconds:g} s (connect + read timeout): the server trickles them"
        Exception.__init__(self, message)
        self.pool = None


def _cut(sock: socket.socket) -> None:
    try:
        # The plain socket's shutdown, also for TLS: SSLSocket's own would drop its SSL object under
        # the reading thread's feet.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # already closed by the peer or by urllib3: nothing left to cut
        pass


class Watchdog:
    """Shuts down watched sockets whose deadline has passed, from one daemon thread started on first use."""

    def __init__(self):
        self._lock = threading.Condition()
        self._due: dict[int, tuple[float, socket.socket]] = {}
        self._keys = itertools.count()
        self._wake_at = math.inf  # when the thread means to look next; inf: asleep until notified
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, seconds: float) -> int:
        deadline = time.monotonic() + seconds
        key = next(self._keys)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-header-watchdog", daemon=True)
                self._thread.start()
            self._due[key] = (deadline, sock)
            if deadline < self._wake_at:  # usually not: later requests have later deadlines
                self._lock.notify()
        return key

    def release(self, key: int) -> bool:
        """Stop watching; True when the deadline had already passed and the socket was cut."""
        with self._lock:
            return self._due.pop(key, None) is None

    def _run(self):
        with self._lock:
            while True:
                now = time.monotonic()
                for key, (deadline, sock) in list(self._due.items()):
                    if deadline <= now:
                        del self._due[key]
                        _cut(sock)
                self._wake_at = min((deadline for deadline, _ in self._due.values()), default=math.inf)
                self._lock.wait(None if self._wake_at == math.inf else self._wake_at - now)

    def watched(self) -> int:
        with self._lock:
            return len(self._due)


WATCHDOG = Watchdog()


def _after_fork():
    # A forked child has the lock's state but not the thread: it starts its own on first use.
    global WATCHDOG
    WATCHDOG = Watchdog()


os.register_at_fork(after_in_child=_after_fork)


class _HeaderDeadline:
    """Mixed into urllib3's connection classes: `getresponse` reads the headers under the deadline."""

    def getresponse(self):
        seconds = _DEADLINE.get()
        sock = getattr(self, "sock", None)
        if seconds is None or sock is None:
            return super().getresponse()  # type: ignore[misc]
        options = getattr(self, "_response_options", None)
        watchdog = WATCHDOG
        key = watchdog.watch(sock, seconds)
        try:
            response = super().getresponse()  # type: ignore[misc]
        except BaseException as exc:
            if watchdog.release(key) and isinstance(exc, Exception):
                raise HeadersTooSlow(self._url(options), seconds) from exc
            raise
        if watchdog.release(key):  # the headers came in the very moment the socket was cut: its body is gone
            response.close()
            raise HeadersTooSlow(self._url(options), seconds)
        return response

    def _url(self, options) -> str:
        path = getattr(options, "request_url", None) or "/"
        if "://" in path:  # through a proxy the request line carries the whole URL
            return path
        scheme = "https" if isinstance(self, HTTPSConnection) else "http"
        return f"{scheme}://{getattr(self, 'host', '?')}:{getattr(self, 'port', '?')}{path}"


class _Connection(_HeaderDeadline, HTTPConnection):
    pass


class _TlsConnection(_HeaderDeadline, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _TlsConnection


_POOLS = {"http": _Pool, "https": _TlsPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections read the headers under a total deadline: the connect
    timeout plus the read timeout of each request (none when the request has no timeout)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS managers bring their own connection classes
            manager.pool_classes_by_scheme = _POOLS
        return manager

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        token = _DEADLINE.set(header_deadline(timeout))
        try:
            return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
        finally:
            _DEADLINE.reset(token)


def header_deadline(timeout) -> float | None:
    """requests' `timeout` (seconds, or (connect, read)) → seconds the headers may take, or None."""
    if isinstance(timeout, tuple):
        if any(t is None for t in timeout):
            return None
        return float(sum(timeout))
    if isinstance(timeout, (int, float)):
        return 2.0 * timeout
    return None
