"""push feed and authentication: api_tokens, push_batches, audit_log

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("network", sa.String(6), nullable=True),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "push_batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("network", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("encoding", sa.String(20), nullable=True),
        sa.Column("token_id", sa.String(16), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("body_bytes", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_host", sa.String(100), nullable=True),
        sa.Column("claimed_pid", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.UniqueConstraint("network", "idempotency_key", name="uq_push_network_key"),
    )
    op.create_index("ix_push_state", "push_batches", ["state"])
    op.create_index("ix_push_network_received", "push_batches", ["network", "received_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("network", sa.String(6), nullable=True),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("target", sa.String(100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_network_at", "audit_log", ["network", "at"])
    op.create_index("ix_audit_log_batch_id", "audit_log", ["batch_id"])
    # Batches written by a push point their record errors at the batch; the report reads them by it.
    op.create_index("ix_errors_batch", "record_errors", ["batch_id"])


def downgrade():
    op.drop_index("ix_errors_batch", "record_errors")
    op.drop_table("audit_log")
    op.drop_table("push_batches")
    op.drop_table("api_tokens")
