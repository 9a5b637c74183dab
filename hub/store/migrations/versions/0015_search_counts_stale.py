"""search_counts_stale: networks whose kept facet counts a running harvest recounts at its end

Revision ID: 0015
Revises: 0014

A harvest no longer changes search_counts batch by batch (about 40 count rows upserted a record): it
marks its network here, readers count that network live, and its end counts the network again from
its documents (hub.search.stale_counts).
"""

from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_counts_stale",
        sa.Column("network", sa.String(40), primary_key=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("search_counts_stale")
