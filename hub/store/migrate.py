"""Schema migrations: `upgrade(store)` brings any database to the latest revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current(store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    """The latest revision the code ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
