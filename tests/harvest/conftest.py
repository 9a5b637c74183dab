"""Harvest tests run real connectors against the real simulator over HTTP, into real stores."""

from __future__ import annotations

import dataclasses

import pytest

from hub.config import Registry, Settings
from hub.harvest.pipeline import Harvester
from hub.simulate import SimulatorServer
from hub.store.networks import sync_networks

NETWORKS = ["370000", "420000", "130000"]
#: Small enough to be quick, large enough for several pages and batches in every family.
SCALE = 0.1


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
    # Fail fast in tests: a fault must surface in seconds, not after minutes of back-off.
    http = dict(s.http, backoff=0.01, max_retries=2, read_timeout=10)
    return dataclasses.replace(s, http=http, batch_size=100)


@pytest.fixture
def harvester(store, settings, registry):
    sync_networks(store, registry)
    return Harvester(store, settings)
