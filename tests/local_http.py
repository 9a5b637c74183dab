"""A request handler class on a real HTTP server at 127.0.0.1, for tests that need a server to
misbehave in ways the simulator does not (trickling, cutting off, redirecting, proxying)."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

#: `http` settings (conf/settings.yaml's) for a client facing such a server: no retries, short waits.
HTTP_SETTINGS = dict(
    user_agent="hub-test", connect_timeout=2, read_timeout=5, max_retries=0, backoff=0, max_retry_after=1, max_body_bytes=1 << 20
)


def http_settings(**overrides) -> dict:
    """`HTTP_SETTINGS` with some of them changed (a test's own timeouts or body rate)."""
    return {**HTTP_SETTINGS, **overrides}


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` served on a free port by a threaded server; yields its base URL (no slash at the end).

    Its threads are daemons, so a handler still trickling bytes to a client the test gave up on does
    not keep the run alive; the server is shut down and its socket closed on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
