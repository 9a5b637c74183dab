"""Each family against `hub simulate` over real HTTP (skipped until the simulator is importable).

Only what must hold whatever the simulator generates: a complete listing without transport errors,
ids unique, service rows for the year, and a working probe.
"""

from __future__ import annotations

import pytest

from connectors import connector_class
from tests.connectors.conformance import network
from hub.http import HttpClient
from hub.telemetry import Telemetry

simulate = pytest.importorskip("hub.simulate")
if not hasattr(simulate, "SimulatorServer"):
    pytest.skip("hub.simulate does not export SimulatorServer yet", allow_module_level=True)

CASES = [
    pytest.param("370000", "sdyq-xml", {"username": "hub", "password": "hub-secret"}, {}, id="sdyq-xml"),
    pytest.param("420000", "hbkx-json", {"app_key": "hub", "app_secret": "hub-secret"}, {}, id="hbkx-json"),
    pytest.param("130000", "yqlm-html", {}, {"csv_directory": True}, id="yqlm-html"),
]
HTTP = {
    "connect_timeout": 2.0,
    "read_timeout": 10.0,
    "max_retries": 4,
    "max_retry_after": 5.0,
    "backoff": 0.01,
    "max_body_bytes": 64 * 1024 * 1024,
    "user_agent": "hub-tests",
}


@pytest.fixture(scope="module")
def simulator():
    with simulate.SimulatorServer(networks=["370000", "420000", "130000"], scale=0.02) as server:
        yield server


@pytest.mark.parametrize("code, family, credentials, options", CASES)
def test_family_against_the_simulator(simulator, code, family, credentials, options):
    config = network(code, family, simulator.base_url(code), credentials, **options)
    connector = connector_class(family)(config, HttpClient(code, HTTP, Telemetry()))
    connector.probe()
    records = list(connector.list_records(None))
    ids = [r.source_id for r in records]
    assert records and len(ids) == len(set(ids))
    good = [r for r in records if r.problem is None]
    assert len(good) >= 0.9 * len(records)
    assert all(r.payload for r in good)
    rows = list(connector.service_stats(2012))
    assert rows and {r.year for r in rows} == {2012}
    assert connector.http.telemetry.requests > 0
    # Client-side pacing keeps the API's 10-per-second limit from ever answering 429.
    assert "http_429" not in connector.http.telemetry.failures
