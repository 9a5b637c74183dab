"""network_schedules.claimed_for: the due time of the last scheduled harvest a scheduler claimed

Revision ID: 0018
Revises: 0017

Several `hub scheduler` processes run the same timetable; on PostgreSQL each queued the due harvest
for the workers, and when a worker had already taken the first job, the queue's queueing lock (which
covers waiting jobs only) let the second through: the network was harvested twice in a row. A
scheduler now claims the due time in this column first (hub.ops.scheduler, `claim_due`).
"""

from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("network_schedules") as batch:
        batch.add_column(sa.Column("claimed_for", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("network_schedules") as batch:
        batch.drop_column("claimed_for")
