"""The job queue's schema in our migrations is the installed procrastinate's (migration 0011)."""

from __future__ import annotations

from pathlib import Path

import pytest

schema = pytest.importorskip("procrastinate.schema", reason="procrastinate is installed with the postgres extra")

#: The newest procrastinate migration our alembic migrations include (0011: its schema as of it).
COVERED = "03.04.00_50_post_add_retry_failed_job_procedure.sql"


def test_no_procrastinate_migration_is_missing_from_ours():
    newest = max(p.name for p in Path(schema.SchemaManager.get_migrations_path()).glob("*.sql"))
    assert newest == COVERED, (
        f"procrastinate ships migration {newest}, newer than {COVERED}: add an alembic migration that runs it "
        "(see hub/store/migrations/versions/0011_job_queue.py)"
    )
