"""Harvest tests run real connectors against the real simulator over HTTP, into real stores."""

from __future__ import annotations

import pytest

from hub.harvest.pipeline import Harvester
from hub.store.networks import sync_networks
from tests.conftest import fail_fast_settings, reference_simulator

#: Small enough to be quick, large enough for several pages and batches in every family.
SCALE = 0.1


@pytest.fixture
def sim():
    with reference_simulator(SCALE) as server:
        yield server


@pytest.fixture
def settings():
    return fail_fast_settings(max_retries=2)


@pytest.fixture
def harvester(store, settings, registry):
    sync_networks(store, registry)
    return Harvester(store, settings)
