"""search_versions: each network's index version, the key of cached facet counts

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_versions",
        sa.Column("network", sa.String(40), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )


def downgrade():
    op.drop_table("search_versions")
