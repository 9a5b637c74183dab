"""The queue of the test's store (both backends), with the registry's networks in the store."""

from __future__ import annotations

import pytest

from hub.config import Registry, Settings
from hub.queue import open_queue
from hub.store.networks import sync_networks
from tests.evaluations_web.conftest import make_frameworks


@pytest.fixture
def jobs(store):
    registry = Registry.load()
    sync_networks(store, registry)
    q = open_queue(store, Settings.load(), registry)
    yield q
    q.stop()


@pytest.fixture
def frameworks(tmp_path):
    return make_frameworks(tmp_path)
