"""dedup: each cluster's representative, when a record's cluster changed, its weakest link, and search's one-per-cluster flag

Revision ID: 0010
Revises: 0009

Every existing record starts as its own representative with no cluster change recorded; the next
`hub dedup resolve` (or harvest) sets both, and the search flag with them.
"""

from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (a constant default) on both backends: no table is copied, the FTS rowids stay.
    op.add_column("instrument_clusters", sa.Column("representative", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("instrument_clusters", sa.Column("clustered_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("instrument_clusters", sa.Column("weakest_score", sa.Float(), nullable=True))
    op.add_column("search_docs", sa.Column("cluster_primary", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_index("ix_search_docs_cluster_primary", "search_docs", ["cluster_primary"])


def downgrade():
    op.drop_index("ix_search_docs_cluster_primary", "search_docs")
    with op.batch_alter_table("search_docs") as batch:
        batch.drop_column("cluster_primary")
    with op.batch_alter_table("instrument_clusters") as batch:
        batch.drop_column("weakest_score")
        batch.drop_column("clustered_at")
        batch.drop_column("representative")
