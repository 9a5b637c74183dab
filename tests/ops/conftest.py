"""Operations tests run the real scheduler, probes and connectors against the real simulator."""

from __future__ import annotations

import dataclasses

import pytest

from hub.config import Registry, Settings
from hub.simulate import SimulatorServer

NETWORKS = ["370000", "420000", "130000"]
SCALE = 0.05


@pytest.fixture
def sim():
    with SimulatorServer(networks=NETWORKS, scale=SCALE, port=0) as server:
        server.set_fault("420000", "rate_limit", per_second=None)  # the suite should not idle at 10 req/s
        yield server


@pytest.fixture
def registry(sim, monkeypatch):
    monkeypatch.setenv("HUB_SIMULATOR_URL", sim.url)
    return Registry.load()


@pytest.fixture
def settings():
    s = Settings.load()
    http = dict(s.http, backoff=0.01, max_retries=1, read_timeout=10)
    return dataclasses.replace(s, http=http, batch_size=100, operations=dict(s.operations, probe_timeout_seconds=5))


def pulled(registry, codes=NETWORKS):
    return [registry.get(c) for c in codes]
