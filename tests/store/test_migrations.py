import pytest
from sqlalchemy import inspect

from hub.store.db import Store
from hub.store.migrate import current, head, upgrade
from tests.conftest import BACKENDS, at_once, make_store


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
        errors = at_once(upgrade, [(s,) for s in stores])
        assert errors == [] and current(store) == head()
    finally:
        stores[1].dispose()
        cleanup()
