"""Alembic environment: runs on the connection `hub.store.migrate` hands it (or a URL for the CLI)."""

from alembic import context

from hub.store.models import Base

config = context.config
target_metadata = Base.metadata


def run():
    connection = config.attributes.get("connection")
    if connection is None:
        from hub.store.db import make_engine

        with make_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(connection):
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
