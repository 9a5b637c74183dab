"""search signals: search_docs.quality and search_docs.tiebreak order equal scores

Revision ID: 0006
Revises: 0005

Equal relevance scores used to fall back to the instrument id, so Beijing (110000:…) always came
first. `quality` (normal status, fee, booking, contact, completeness) and `tiebreak` (a hash of
the id: no region wins by its code) are computed in Python at index time (hub.search.signals),
so SQLite and PostgreSQL order alike. The search package rebuilds the index after this revision
(its `after_upgrade` hook) to fill them: a migration never imports live code.
"""

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_docs") as batch:
        batch.add_column(sa.Column("quality", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("tiebreak", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("search_docs") as batch:
        batch.drop_column("tiebreak")
        batch.drop_column("quality")
