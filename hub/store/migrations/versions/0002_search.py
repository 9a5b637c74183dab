"""search index: search_docs with FTS5 (SQLite) or a tsvector + GIN index (PostgreSQL)

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    op.create_table(
        "search_docs",
        sa.Column("docid", sa.Integer(), primary_key=True, autoincrement=True),
        # Collation "C" on PostgreSQL: the id tie-break then sorts bytewise, as SQLite does.
        sa.Column("instrument_id", sa.String(140, collation="C") if pg else sa.String(140), nullable=False, unique=True),
        sa.Column("network", sa.String(6)),
        sa.Column("city_code", sa.String(6)),
        sa.Column("city_name", sa.String(50)),
        sa.Column("category", sa.String(6)),
        sa.Column("owner_type", sa.String(20)),
        sa.Column("owner_level", sa.String(20)),
        sa.Column("status", sa.String(30)),
        sa.Column("sharing", sa.String(10)),
        sa.Column("certified", sa.Boolean()),
        sa.Column("value", sa.Numeric(16, 2)),
        sa.Column("commissioned", sa.String(10)),
        sa.Column("updated", sa.String(32)),
    )
    for name, cols in (
        ("network", ["network", "category"]),
        ("category", ["category"]),
        ("city", ["city_code", "city_name"]),
        ("value", ["value"]),
    ):
        op.create_index(f"ix_search_docs_{name}", "search_docs", cols)
    if pg:
        op.execute("ALTER TABLE search_docs ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
    else:
        # `ascii` only splits on ASCII separators: the tokens Python wrote are kept as they are.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(name, brand, body, place, tags, tokenize='ascii', detail=column)")
    # The index stays empty here: filling it needs the analyser of the code that runs the upgrade, and
    # a migration never imports live code (it would change meaning as that code changes). The search
    # package rebuilds the index after any upgrade that applied this revision (its
    # `after_upgrade` store hook), with whatever analyser it ships then.


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_docs")
