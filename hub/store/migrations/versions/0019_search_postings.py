"""search_postings, search_posting_sets: each network's text index as posting lists (PostgreSQL)

Revision ID: 0019
Revises: 0018

A nation-wide question with a query on PostgreSQL read each match's row (1.3 KB of tsvector) to name
it and to test the score's field probes: about a second at a million instruments. It now reads its
tokens' lists of each network instead (hub.search.postings); the lists are written once the tables
exist (hub.search.index, after this migration). SQLite's FTS5 index keeps its own lists.
"""

from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_postings",
        sa.Column("token", sa.Text(collation="C"), primary_key=True),
        sa.Column("network", sa.String(40), primary_key=True),
        sa.Column("docids", sa.LargeBinary(), nullable=False),
        sa.Column("labels", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "search_posting_sets",
        sa.Column("network", sa.String(40), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.Column("built", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_posting_sets")
    op.drop_table("search_postings")
