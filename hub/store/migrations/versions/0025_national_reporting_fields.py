"""national reporting fields: acquisition, customs supervision, achievements, sharing rules, postcode

Revision ID: 0025
Revises: 0024

The national reporting model (NRII) records how a unit came by an instrument (购置 / 研制 / 赠送 / 其他),
whether it is under customs supervision, its typical achievements, the unit's sharing rules and the
postcode; the common schema carried none of them, so a province pushing them in NRII field names had
them kept in the raw payload only (the national centre's probe). Empty columns: a record fills them
when its network's mapping reads them (`hub remap` for payloads stored before).
"""

from alembic import op
import sqlalchemy as sa

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

COLUMNS = (
    ("postcode", sa.String(6)),
    ("acquisition", sa.String(10)),
    ("customs_supervised", sa.Boolean()),
    ("achievements", sa.Text()),
    ("sharing_rules", sa.Text()),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("instruments", sa.Column(name, type_, nullable=True))


def downgrade():
    with op.batch_alter_table("instruments") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
