"""job queue: procrastinate's tables and functions, on PostgreSQL only (hub.queue.postgres)

The embedded SQLite default runs its jobs in-process and needs nothing. On PostgreSQL the schema is
procrastinate's own `schema.sql`, from the installed package, applied here so that `hub init` (or
`alembic upgrade`) builds the whole database in one step and records it in one version table.
A later procrastinate release that changes its schema ships SQL migrations
(`procrastinate.schema.SchemaManager.get_migrations_path()`): each becomes an alembic migration of
ours that runs that file, after this one.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    # Run on the driver's cursor: the file holds many statements and `%` signs no parameter uses.
    bind.connection.dbapi_connection.cursor().execute(SchemaManager.get_schema())


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
