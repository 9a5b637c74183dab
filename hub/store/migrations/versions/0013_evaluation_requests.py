"""evaluation requests: an evaluation asked for through the API waits here for the job queue

Revision ID: 0013
Revises: 0012

POST /api/v1/evaluations no longer computes within the request: it stores the request (arguments and
input tables) and defers the `evaluate` task (hub.queue.tasks); a `hub worker` (PostgreSQL) or the
in-process queue (SQLite) runs it and records the outcome here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("created_role", sa.String(32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), sa.ForeignKey("evaluations.id"), nullable=True),
        sa.Column("problem", sa.JSON(), nullable=True),
    )
    op.create_index("ix_evaluation_requests_state", "evaluation_requests", ["state"])


def downgrade():
    op.drop_index("ix_evaluation_requests_state", "evaluation_requests")
    op.drop_table("evaluation_requests")
