"""Schema migrations: `upgrade(store)` brings any database to the latest revision.

After an upgrade the store hooks' `after_upgrade` functions run in the same transaction with the
revisions it applied: derived data a migration cannot build without importing live code (the search
index) is rebuilt there by the package that owns it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from hub.store import locks
from hub.store.hooks import schema_upgraded

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolates %
    return cfg


def upgrade(store, revision: str = "head") -> None:
    cfg = alembic_config(store.url)
    with store.write() as conn:
        # Every host's `hub init` (the scheduler unit's ExecStartPre) may run at once: on PostgreSQL
        # the second waits for the first's commit, then finds the schema upgraded (two at once on a
        # fresh database failed one with a duplicate pg_type row). Keyed by the URL, whose options
        # name the schema. SQLite's write transaction is already exclusive.
        locks.hold(conn, f"schema upgrade {store.url}")
        before = MigrationContext.configure(conn).get_current_revision()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(conn).get_current_revision()
        if after != before:
            script = ScriptDirectory.from_config(cfg)
            applied = [r.revision for r in script.iterate_revisions(after, before)]
            schema_upgraded(conn, set(applied))


def downgrade(store, revision: str) -> None:
    """Take the schema back to `revision` (`base`: empty). Data in dropped tables is lost."""
    cfg = alembic_config(store.url)
    with store.write() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current(store) -> str | None:
    with store.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _scripts() -> ScriptDirectory:
    """The revisions this code ships."""
    return ScriptDirectory.from_config(alembic_config())


def head() -> str | None:
    """The latest revision the code ships."""
    return _scripts().get_current_head()


def known(revision: str | None) -> bool:
    """Whether this code ships `revision` (a schema upgraded by a newer release is not)."""
    if revision is None:
        return True
    from alembic.util.exc import CommandError

    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False
