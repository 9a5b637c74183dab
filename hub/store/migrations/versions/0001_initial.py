"""initial store: instruments, owners, service stats, jobs, errors, raw records, holds

Revision ID: 0001
Revises:
Create Date: 2026-11-27 03:28:18.520271
"""

from alembic import op
import sqlalchemy as sa


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("framework", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "harvest_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("host", sa.String(length=100), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("listing_complete", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("telemetry", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("harvest_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_network_started", ["network", "started_at"], unique=False)
        batch_op.create_index("ix_jobs_state", ["state"], unique=False)

    op.create_table(
        "networks",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("family", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "owner_units",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("network", "name", name="uq_owner_network_name"),
    )
    with op.batch_alter_table("owner_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owner_units_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_owner_units_network"), ["network"], unique=False)

    op.create_table(
        "raw_records",
        sa.Column("id", sa.String(length=140), nullable=False),
        sa.Column("network", sa.String(length=6), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("source_updated", sa.String(length=40), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("raw_records", schema=None) as batch_op:
        batch_op.create_index("ix_raw_network", ["network"], unique=False)

    op.create_table(
        "record_errors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("network", sa.String(length=6), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=True),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw_excerpt", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("record_errors", schema=None) as batch_op:
        batch_op.create_index("ix_errors_job", ["job_id"], unique=False)
        batch_op.create_index("ix_errors_network", ["network"], unique=False)

    op.create_table(
        "service_stats",
        sa.Column("instrument_id", sa.String(length=140), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=6), nullable=False),
        sa.Column("effective_hours", sa.Float(), nullable=True),
        sa.Column("external_hours", sa.Float(), nullable=True),
        sa.Column("external_services", sa.Integer(), nullable=True),
        sa.Column("enterprise_services", sa.Integer(), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=True),
        sa.Column("external_samples", sa.Integer(), nullable=True),
        sa.Column("income", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("instrument_id", "year"),
    )
    with op.batch_alter_table("service_stats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_stats_network"), ["network"], unique=False)

    op.create_table(
        "withdrawal_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network", sa.String(length=6), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("active_before", sa.Integer(), nullable=False),
        sa.Column("instrument_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("withdrawal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_withdrawal_holds_network"), ["network"], unique=False)

    op.create_table(
        "instruments",
        sa.Column("id", sa.String(length=140), nullable=False),
        sa.Column("network", sa.String(length=6), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("category", sa.String(length=6), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("original_value", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("commissioned", sa.String(length=10), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.String(length=6), nullable=True),
        sa.Column("province_name", sa.String(length=50), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("city_name", sa.String(length=50), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("county_name", sa.String(length=50), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("specs", sa.Text(), nullable=True),
        sa.Column("functions", sa.Text(), nullable=True),
        sa.Column("services", sa.Text(), nullable=True),
        sa.Column("fee_text", sa.Text(), nullable=True),
        sa.Column("fee_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("fee_unit", sa.String(length=20), nullable=True),
        sa.Column("booking_url", sa.Text(), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=100), nullable=True),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("sharing", sa.String(length=10), nullable=True),
        sa.Column("certifications", sa.String(length=30), nullable=True),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("subjects", sa.String(length=100), nullable=True),
        sa.Column("source_updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=200), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("last_job_id", sa.Integer(), nullable=True),
        sa.Column("last_batch_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owner_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("network", "source_id", name="uq_instrument_network_source"),
    )
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.create_index("ix_instruments_category", ["category"], unique=False)
        batch_op.create_index("ix_instruments_city", ["city_code"], unique=False)
        batch_op.create_index("ix_instruments_network_withdrawn", ["network", "withdrawn_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_instruments_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_instruments_value", ["original_value"], unique=False)


def downgrade():
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.drop_index("ix_instruments_value")
        batch_op.drop_index(batch_op.f("ix_instruments_owner_id"))
        batch_op.drop_index("ix_instruments_network_withdrawn")
        batch_op.drop_index("ix_instruments_city")
        batch_op.drop_index("ix_instruments_category")

    op.drop_table("instruments")
    with op.batch_alter_table("withdrawal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawal_holds_network"))

    op.drop_table("withdrawal_holds")
    with op.batch_alter_table("service_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_stats_network"))

    op.drop_table("service_stats")
    with op.batch_alter_table("record_errors", schema=None) as batch_op:
        batch_op.drop_index("ix_errors_network")
        batch_op.drop_index("ix_errors_job")

    op.drop_table("record_errors")
    with op.batch_alter_table("raw_records", schema=None) as batch_op:
        batch_op.drop_index("ix_raw_network")

    op.drop_table("raw_records")
    with op.batch_alter_table("owner_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owner_units_network"))
        batch_op.drop_index(batch_op.f("ix_owner_units_credit_code"))

    op.drop_table("owner_units")
    op.drop_table("networks")
    with op.batch_alter_table("harvest_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_state")
        batch_op.drop_index("ix_jobs_network_started")

    op.drop_table("harvest_jobs")
    op.drop_table("evaluations")
