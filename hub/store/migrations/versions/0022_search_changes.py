"""search_changes: which instruments' documents each version of a network changed

Revision ID: 0022
Revises: 0021

A web process holds every document's filter, facet and rank columns by docid (hub.search.columns).
When a network's version moved, it could not tell which of that network's documents had changed, so it
read again every one of them that a question met: ~8,000 rows, ~70 ms, for the first nation-wide
question after a single document changed at a million instruments. Each bump of a network's version
now notes the instruments it changed (`ids`, one per line; empty: none of its documents, NULL: not
known, as after a rebuild). Starts empty: a process meeting a version moved before this migration reads
that network whole, as it would after a rebuild.
"""

from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_changes",
        sa.Column("network", sa.String(40), primary_key=True),
        sa.Column("version", sa.BigInteger(), primary_key=True),
        sa.Column("ids", sa.Text(), nullable=True),
    )


def downgrade():
    op.drop_table("search_changes")
