"""HttpClient reads proxies from the environment once per host, and still honours them and no_proxy.

A real forward proxy on localhost stands in for a province's outbound proxy: it answers any
absolute-URI request itself, so a response proves the request went through it.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hub.errors import ConnectorError
from hub.http import HttpClient
from tests.local_http import http_settings

HTTP = http_settings()


class _Proxy(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):
        self.seen.append(self.path)
        body = b"via proxy"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Proxy.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_requests_go_through_the_proxy_named_in_the_environment(proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = HttpClient("370000", HTTP)
    for page in (1, 2):
        response = client.get(f"http://network.invalid/export?page={page}")
        assert client.read(response) == b"via proxy"
    assert _Proxy.seen == ["http://network.invalid/export?page=1", "http://network.invalid/export?page=2"]


def test_no_proxy_hosts_are_reached_directly(proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "network.invalid")
    client = HttpClient("370000", HTTP)
    with pytest.raises(ConnectorError) as failure:
        client.get("http://network.invalid/export")
    assert failure.value.kind == "connection"
    assert _Proxy.seen == []
