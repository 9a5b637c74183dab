"""dedup: one national record per physical instrument (clusters, dirty marks, operators' decisions)

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "instrument_clusters",
        sa.Column("instrument_id", sa.String(140), primary_key=True),
        sa.Column("network", sa.String(6), nullable=False),
        sa.Column("cluster_id", sa.String(140), nullable=False, index=True),
        # the record's blocking keys, space-separated: which records to re-resolve when it changes
        sa.Column("key_credit", sa.String(300), index=True),
        sa.Column("key_owner", sa.String(300), index=True),
        sa.Column("key_year", sa.String(300), index=True),
    )
    op.create_table(
        "dedup_dirty",
        sa.Column("instrument_id", sa.String(140), primary_key=True),
    )
    op.create_table(
        "cluster_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),  # confirm | split
        sa.Column("instrument_a", sa.String(140), nullable=False, index=True),
        sa.Column("instrument_b", sa.String(140), nullable=False, index=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("cluster_decisions")
    op.drop_table("dedup_dirty")
    op.drop_table("instrument_clusters")
