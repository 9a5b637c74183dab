"""A server that trickles its status line and headers (a byte every 0.2 s, each within the read
timeout) fails the request as a `timeout` once the connect + read timeouts have passed, instead of
holding it for as long as the server likes; normal requests keep no thread or socket behind."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from hub.errors import ConnectorError
from hub.http import HttpClient
from hub.http_deadline import WATCHDOG
from tests.local_http import http_settings, serving

HTTP = http_settings(connect_timeout=1, read_timeout=1, min_body_rate=1024)
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nX-Pad: " + b"a" * 30 + b"\r\nContent-Length: 5\r\n\r\n"


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/trickle"):
            # Five bytes a second, each well inside the read timeout: the headers take 16 s.
            try:
                for byte in HEAD:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
                self.wfile.write(b"<a/>\n")
            except OSError:
                pass
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"<a/>\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def url():
    with serving(_Server) as base:
        yield base


def test_headers_trickling_in_fail_as_a_timeout_naming_the_network_and_url(url):
    http = HttpClient("370000", HTTP)
    started = time.monotonic()
    with pytest.raises(ConnectorError) as caught:
        http.get(url + "/trickle?page=1")
    took = time.monotonic() - started
    assert caught.value.kind == "timeout", str(caught.value)
    assert "network 370000" in str(caught.value) and "/trickle?page=1" in str(caught.value), str(caught.value)
    assert "headers" in str(caught.value)
    assert 1.5 < took < 5, f"failed after {took:.1f} s; the deadline is connect + read timeout, 2 s"


def test_normal_requests_leave_no_thread_or_socket_behind(url):
    http = HttpClient("370000", HTTP)
    for _ in range(50):
        assert http.read(http.get(url + "/fast")) == b"<a/>\n"
    # Each request's socket is let go by the watchdog once its headers are in; one watchdog thread serves all.
    assert WATCHDOG.watched() == 0
    assert [t.name for t in threading.enumerate()].count("http-header-watchdog") <= 1
    # One kept-alive connection served all fifty: none was cut or left open beside it.
    [pool] = http.session.get_adapter(url).poolmanager.pools._container.values()
    assert pool.num_connections == 1


def test_a_slow_but_not_trickling_server_within_the_deadline_is_fine(url):
    http = HttpClient("370000", dict(HTTP, read_timeout=30))
    assert http.read(http.get(url + "/fast")) == b"<a/>\n"


def test_the_socket_of_a_cut_request_is_closed(url):
    http = HttpClient("370000", HTTP)
    with pytest.raises(ConnectorError):
        http.get(url + "/trickle")
    [pool] = http.session.get_adapter(url).poolmanager.pools._container.values()
    assert all(conn.sock is None for conn in list(pool.pool.queue) if conn is not None)
