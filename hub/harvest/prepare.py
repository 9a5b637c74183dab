"""Bring a store to where harvests, pushes and the web can use it; shared by the CLI and the demo."""

from __future__ import annotations

from hub.config import Registry
from hub.harvest.jobs import recover_crashed
from hub.harvest.lease import recover_leases
from hub.store.db import open_store
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks


def prepare_store(store=None):
    """Migrate the store to the latest schema, register the networks, mark crashed jobs and free
    the leases their dead processes held."""
    store = store or open_store()
    upgrade(store)
    sync_networks(store, Registry.load())
    recover_crashed(store)
    recover_leases(store)
    return store
