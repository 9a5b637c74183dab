"""Harvest tests run real connectors against the real simulator over HTTP, into real stores."""

from __future__ import annotations

import pytest

from hub.harvest.pipeline import Harvester
from hub.store.networks import sync_networks
from tests.conftest import fail_fast_settings

#: The simulator (`sim`, tests/conftest.py) at its default scale 0.1: small enough to be quick, large
#: enough for several pages and batches in every family.


@pytest.fixture
def settings():
    return fail_fast_settings(max_retries=2)


@pytest.fixture
def harvester(store, settings, registry):
    sync_networks(store, registry)
    return Harvester(store, settings)
