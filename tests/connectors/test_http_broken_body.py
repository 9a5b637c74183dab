"""A body that breaks off while it streams ends the listing as `truncated`; a bug while reading
it surfaces as the bug it is, never disguised as a network fault."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from hub.errors import ConnectorError
from hub.http import CappedStream, HttpClient
from hub.telemetry import Telemetry
from tests.local_http import http_settings, serving

HTTP = http_settings()


class _CutOff(BaseHTTPRequestHandler):
    """Promises 100,000 bytes, sends 1,000, and hangs up."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"x" * 1000)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def cut_off_url():
    with serving(_CutOff) as base:
        yield base + "/export.xml"


def test_a_body_broken_off_is_truncated(cut_off_url):
    http = HttpClient("370000", HTTP)
    body = http.stream(http.get(cut_off_url))
    with pytest.raises(ConnectorError) as caught:
        while body.read():
            pass
    assert caught.value.kind == "truncated" and "broken off" in str(caught.value)


class _BuggyRaw:
    """A response whose reading fails through a programming error, not the network."""

    decode_content = False

    def read(self, size):
        raise TypeError("unsupported operand type(s)")

    read1 = read


class _Response:
    raw = _BuggyRaw()


def test_a_bug_while_reading_is_not_disguised_as_a_network_fault():
    stream = CappedStream(_Response(), 1 << 20, "370000", Telemetry())
    with pytest.raises(TypeError):
        stream.read()
