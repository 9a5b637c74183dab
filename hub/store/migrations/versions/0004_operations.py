"""operations: network_leases, network_schedules, probes, alerts

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "network_leases",
        sa.Column("network", sa.String(6), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "network_schedules",
        sa.Column("network", sa.String(6), primary_key=True),
        sa.Column("trigger", sa.String(100), nullable=True),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=True),
        sa.Column("requested_full", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "probes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("network", sa.String(6), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
    )
    op.create_index("ix_probes_network_at", "probes", ["network", "at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("network", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("notified", sa.Text(), nullable=True),
    )
    op.create_index("ix_alerts_network_closed", "alerts", ["network", "closed_at"])


def downgrade():
    op.drop_index("ix_alerts_network_closed", "alerts")
    op.drop_table("alerts")
    op.drop_index("ix_probes_network_at", "probes")
    op.drop_table("probes")
    op.drop_table("network_schedules")
    op.drop_table("network_leases")
