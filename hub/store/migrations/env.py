"""Alembic environment: runs on the connection `hub.store.migrate` hands it (or a URL for the CLI).

`target_metadata` must describe every table the migrations build, or `alembic revision
--autogenerate` proposes dropping the ones it cannot see. All models share `hub.store.models.Base`'s
metadata; a model module registers its tables when imported, so every module that defines tables is
imported below. tests/store/test_schema_drift.py fails when one is missing or disagrees with the
migrations. This file is the top of the layer list (tests/test_layers.py): it alone may gather the
tables of the packages above the store.
"""

from alembic import context

import hub.auth.models  # noqa: F401  (api_tokens, audit)
import hub.feed.models  # noqa: F401  (push_batches …)
import hub.dedup.tables  # noqa: F401  (instrument_clusters, dedup_dirty, cluster_decisions)
import hub.search.tables  # noqa: F401  (search_docs)
from hub.store.models import Base

config = context.config
target_metadata = Base.metadata


def _dialects(obj) -> tuple | None:
    info = getattr(obj, "info", None) or {}
    return info.get("dialects")


def include_object(obj, name, type_, reflected, compare_to):
    """Leave out what exists only on another dialect (PostgreSQL's tsvector column and its index on
    SQLite) and the virtual tables a database module owns (SQLite's FTS5 and its shadow tables)."""
    dialect = context.get_context().dialect.name
    if type_ == "table" and reflected and compare_to is None:
        if name.startswith("procrastinate_"):
            return False  # the job queue's own tables (migration 0011), described by procrastinate, not by models
        virtual = target_metadata.info.get("virtual_tables", ())
        return not any(name == v or name.startswith(f"{v}_") for v in virtual)
    model = compare_to if reflected else obj
    only = _dialects(model) if model is not None else None
    return only is None or dialect in only


def run():
    connection = config.attributes.get("connection")
    if connection is None:
        from hub.store.db import make_engine

        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("alembic: no database URL (set sqlalchemy.url, or use `hub init`)")
        with make_engine(url).begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(connection):
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True, include_object=include_object
    )
    with context.begin_transaction():
        context.run_migrations()


run()
