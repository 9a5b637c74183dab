"""foreign values: an original value in another currency, kept with its currency

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("instruments") as batch:
        batch.add_column(sa.Column("value_foreign_amount", sa.Numeric(16, 2), nullable=True))
        batch.add_column(sa.Column("value_foreign_currency", sa.String(3), nullable=True))


def downgrade():
    with op.batch_alter_table("instruments") as batch:
        batch.drop_column("value_foreign_currency")
        batch.drop_column("value_foreign_amount")
