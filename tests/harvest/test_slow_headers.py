"""A network whose server trickles its status line and headers (each byte within the read timeout)
fails its run as a `timeout` after connect + read timeout, naming the network and the URL, and
withdraws nothing of what the last harvest stored; before the deadline it held the harvest forever."""

from __future__ import annotations

import dataclasses
import time
from http.server import BaseHTTPRequestHandler

import pytest

from tests.conftest import fail_fast_settings
from tests.harvest.test_harvest_simulated import active, job_row
from tests.local_http import serving

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nX-Pad: " + b"a" * 60 + b"\r\n\r\n"


class _Trickle(BaseHTTPRequestHandler):
    def do_GET(self):
        try:  # a byte every 0.2 s: the headers would take 20 s
            for byte in HEAD:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def trickling():
    with serving(_Trickle) as base:
        yield base + "/370000"


@pytest.fixture
def settings():
    s = fail_fast_settings(max_retries=0)
    return dataclasses.replace(s, http=dict(s.http, connect_timeout=1, read_timeout=1))


def test_a_network_trickling_its_headers_fails_as_a_timeout_and_withdraws_nothing(harvester, registry, sim, store, trickling):
    network = registry.get("370000")
    [first] = harvester.harvest(network, full=True)
    assert first.state == "succeeded", first.message
    before = active(store, "370000")
    started = time.monotonic()
    [run] = harvester.harvest(dataclasses.replace(network, base_url=trickling), full=True)
    took = time.monotonic() - started
    assert run.state == "failed", run.message
    assert took < 8, f"the run took {took:.0f} s: the headers were waited for past connect + read timeout (2 s)"
    assert "network 370000" in run.message and trickling in run.message and "headers" in run.message, run.message
    assert run.telemetry["failures"].get("timeout", 0) == 1
    assert run.counts.withdrawn == 0 and active(store, "370000") == before
    assert not job_row(store, run.job_id).listing_complete
