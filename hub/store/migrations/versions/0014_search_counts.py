"""search_counts: facet counts of the whole catalogue and of every single filter, kept by the writers

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # Filled from search_docs after the upgrade (hub.search.index, _fill_new_index): counting needs
    # the search package's own rules, which a migration should not import.
    op.create_table(
        "search_counts",
        sa.Column("scope", sa.String(80), primary_key=True),
        sa.Column("facet", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(40), primary_key=True),
        sa.Column("network", sa.String(40), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )

    # The default order of a page without a query, whole and within a network (hub.search.tables).
    op.create_index("ix_search_docs_rank", "search_docs", [sa.text("quality DESC"), "tiebreak", "instrument_id"])
    op.create_index("ix_search_docs_network_rank", "search_docs", ["network", sa.text("quality DESC"), "tiebreak", "instrument_id"])


def downgrade():
    op.drop_index("ix_search_docs_network_rank", "search_docs")
    op.drop_index("ix_search_docs_rank", "search_docs")
    op.drop_table("search_counts")
