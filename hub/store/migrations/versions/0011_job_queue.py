"""job queue: procrastinate's tables and functions, on PostgreSQL only (hub.queue.postgres)

The embedded SQLite default runs its jobs in-process and needs nothing. On PostgreSQL the schema is
procrastinate's own, as of its migration 03.04.00 (unchanged from release 3.4 to 3.10), copied into
migrations/sql/ so this migration means the same whatever procrastinate is installed later. A
procrastinate release that adds a migration file (`SchemaManager.get_migrations_path()`) needs an
alembic migration of ours running that file; tests/deploy/test_queue_schema.py says when.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Beside versions/ (built-in file handling only: a migration imports nothing but alembic and SQLAlchemy).
SCHEMA = __file__.rsplit("versions", 1)[0] + "sql/procrastinate-03.04.00.sql"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Run on the driver's cursor: the file holds many statements and `%` signs no parameter uses.
    driver = bind.connection.dbapi_connection
    assert driver is not None  # an open connection, inside alembic's transaction
    with open(SCHEMA, encoding="utf-8") as f:
        driver.cursor().execute(f.read())


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in ("procrastinate_periodic_defers", "procrastinate_events", "procrastinate_jobs", "procrastinate_workers"):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute(
        "DO $$ DECLARE f record; BEGIN FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema() "
        "LOOP EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE'; END LOOP; END $$"
    )
    for typ in ("procrastinate_job_to_defer_v1", "procrastinate_job_status", "procrastinate_job_event_type"):
        op.execute(f"DROP TYPE IF EXISTS {typ} CASCADE")
