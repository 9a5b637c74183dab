"""Redirects from a network's server: followed on its own host, credentials never handed to another
host, and a loop is the network's failure, not a crash of the harvest."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hub.errors import ConnectorError
from hub.http import HttpClient
from tests.local_http import http_settings

HTTP = http_settings()


class _Server:
    """A real local HTTP server; `routes` maps a path to a function of the handler returning
    (status, headers, body). Every request's headers are kept in `seen`."""

    def __init__(self, routes):
        self.routes, self.seen = routes, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.seen.append((self.path, dict(self.headers)))
                status, headers, body = outer.routes[self.path](self)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def _headers(handler):
    return 200, {"Content-Type": "application/json"}, json.dumps(dict(handler.headers)).encode()


@pytest.fixture
def elsewhere():
    with _Server({"/landing": _headers}) as server:
        yield server


@pytest.fixture
def network(elsewhere):
    routes = {
        "/loop": lambda h: (302, {"Location": "/loop"}, b""),
        "/moved-away": lambda h: (302, {"Location": elsewhere.url + "/landing"}, b""),
        "/moved-here": lambda h: (301, {"Location": "/landing"}, b""),
        "/landing": _headers,
    }
    with _Server(routes) as server:
        yield server


def test_a_redirect_loop_fails_the_network_naming_the_url(network):
    http = HttpClient("420000", HTTP)
    with pytest.raises(ConnectorError) as caught:
        http.get(network.url + "/loop")
    assert caught.value.kind == "redirect"
    assert "network 420000" in str(caught.value) and "/loop" in str(caught.value) and "redirect" in str(caught.value)


def test_a_token_is_not_handed_to_the_host_a_network_redirects_to(network, elsewhere):
    http = HttpClient("420000", HTTP)
    answer = http.get(network.url + "/moved-away", headers={"X-Auth-Token": "secret-token"})
    assert answer.status_code == 200
    [(path, headers)] = elsewhere.seen
    assert path == "/landing" and "X-Auth-Token" not in headers and headers["User-Agent"] == "hub-test"


def test_a_redirect_on_the_networks_own_host_keeps_the_token(network):
    http = HttpClient("420000", HTTP)
    answer = http.get(network.url + "/moved-here", headers={"X-Auth-Token": "secret-token"})
    assert json.loads(http.read(answer))["X-Auth-Token"] == "secret-token"
