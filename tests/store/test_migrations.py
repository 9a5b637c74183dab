from sqlalchemy import inspect

from hub.store.migrate import current


def test_migrations_build_every_table(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"instruments", "owner_units", "service_stats", "harvest_jobs", "record_errors", "raw_records", "withdrawal_holds"} <= tables
    assert current(store) is not None
