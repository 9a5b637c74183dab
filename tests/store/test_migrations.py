import threading

import pytest
from sqlalchemy import inspect

from hub.store.db import Store
from hub.store.migrate import current, head, upgrade
from tests.conftest import BACKENDS, make_store


def test_migrations_build_every_table(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"instruments", "owner_units", "service_stats", "harvest_jobs", "record_errors", "raw_records", "withdrawal_holds"} <= tables
    assert current(store) is not None


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_upgrades_of_a_fresh_database_at_once_both_succeed(backend, tmp_path):
    """Every host's `hub init` runs as its scheduler starts (conf/deploy): two at once on a fresh
    PostgreSQL database failed one of them with a duplicate type row and a message blaming the URL."""
    store, cleanup = make_store(backend, tmp_path)
    stores = [store, Store(store.url)]
    try:
        start, errors = threading.Barrier(2), []

        def init(s):
            start.wait()
            try:
                upgrade(s)
            except Exception as exc:  # noqa: BLE001 — the test reports whichever failed
                errors.append(exc)

        threads = [threading.Thread(target=init, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == [] and current(store) == head()
    finally:
        stores[1].dispose()
        cleanup()
