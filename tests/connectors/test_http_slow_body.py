"""A server that trickles its body (a byte a second, each within the read timeout) is cut off once
the body has arrived slower than `http.min_body_rate` for longer than the read timeout; a harvest
that is itself slow to consume a fast body is not."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from hub.errors import ConnectorError
from hub.http import HttpClient
from tests.local_http import http_settings, serving

HTTP = http_settings(read_timeout=1, min_body_rate=1024)
BODY = b"<SDYQExport>" + b"x" * 200_000 + b"</SDYQExport>"


class _Server(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if self.path == "/trickle":
            # Five bytes a second for 8 seconds, each well inside the read timeout, then hang up.
            for byte in BODY[:40]:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
            return
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


@pytest.fixture
def url():
    with serving(_Server) as base:
        yield base


def test_a_body_trickling_in_is_cut_off_as_a_timeout(url):
    http = HttpClient("370000", HTTP)
    body = http.stream(http.get(url + "/trickle"))
    started = time.monotonic()
    with pytest.raises(ConnectorError) as caught:
        while body.read(64 * 1024):
            pass
    assert caught.value.kind == "timeout", str(caught.value)
    assert "network 370000" in str(caught.value) and "/trickle" in str(caught.value) and "bytes a second" in str(caught.value)
    assert time.monotonic() - started < 5


def test_a_whole_page_read_trickling_is_cut_off_too(url):
    http = HttpClient("420000", HTTP)
    with pytest.raises(ConnectorError) as caught:
        http.read(http.get(url + "/trickle"))
    assert caught.value.kind == "timeout"


def test_a_slow_reader_of_a_fast_body_is_not_cut_off(url):
    # The harvest writing a batch between two reads is our time, not the network's.
    http = HttpClient("370000", HTTP)
    body = http.stream(http.get(url + "/fast"))
    got = b""
    while chunk := body.read(50_000):
        got += chunk
        time.sleep(0.6)
    assert got == BODY
