"""harvest_jobs.deleted and .not_found; withdrawal_holds.superseded_by_batch and .superseded_by_job

Revision ID: 0020
Revises: 0019

A run's explicit deletions were counted in its outcome (deleted: they withdrew an instrument; not
found: the id had no active instrument) but not kept on its row, so a run's row did not add up to
what arrived: `fetched = created + updated + unchanged + rejected + deleted + not_found`. A row
written before this migration whose other counts add up to `fetched` had no deletion: both are 0.
The others had deletions whose split was never recorded (before 2026-12-07 every deletion counted
as deleted): both stay NULL, read as "not recorded" — 0 would claim there were none.

A hold a newer listing superseded named that listing only in `decided_by` text ("batch X",
"harvest job N"), which the dashboard parsed back. The listing now has columns of its own: the job
of the superseding run (a harvest job, or a pushed batch's job) and, when pushed, its batch. Rows
already superseded are filled in here from that text, once, so they read as new ones do.
"""

from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

#: A job row's counts before this migration: `fetched` and what became of its records but deletions
#: (`rejected` counts repeats too).
_COUNTED = ("fetched", "created", "updated", "unchanged", "rejected")
#: How 0004–0019 wrote a superseded hold's `decided_by` (hub.harvest.guard before this migration).
_BATCH, _JOB = "batch ", "harvest job "


def upgrade():
    with op.batch_alter_table("harvest_jobs") as batch:
        batch.add_column(sa.Column("deleted", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("not_found", sa.Integer(), nullable=True))
    with op.batch_alter_table("withdrawal_holds") as batch:
        batch.add_column(sa.Column("superseded_by_batch", sa.String(64), nullable=True))
        batch.add_column(sa.Column("superseded_by_job", sa.Integer(), nullable=True))
    jobs = sa.table("harvest_jobs", *(sa.column(name, sa.Integer) for name in _COUNTED), sa.column("deleted"), sa.column("not_found"))
    c = jobs.c
    op.execute(sa.update(jobs).where(c.fetched == c.created + c.updated + c.unchanged + c.rejected).values(deleted=0, not_found=0))
    _fill_superseders(op.get_bind())


def _fill_superseders(conn):
    holds = sa.table(
        "withdrawal_holds",
        sa.column("id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("decided_by", sa.String),
        sa.column("superseded_by_batch", sa.String),
        sa.column("superseded_by_job", sa.Integer),
    )
    batches = sa.table("push_batches", sa.column("id", sa.String), sa.column("job_id", sa.Integer))
    superseded = conn.execute(sa.select(holds.c.id, holds.c.decided_by).where(holds.c.state == "superseded")).all()
    for hold_id, decided_by in superseded:
        text = decided_by or ""
        if text.startswith(_BATCH) and text[len(_BATCH) :].strip():
            batch_id = text[len(_BATCH) :].strip()
            job_id = conn.execute(sa.select(batches.c.job_id).where(batches.c.id == batch_id)).scalar()
            values = dict(superseded_by_batch=batch_id, superseded_by_job=job_id)
        elif text.startswith(_JOB) and text[len(_JOB) :].strip().isdigit():
            values = dict(superseded_by_job=int(text[len(_JOB) :]))
        else:
            continue  # not what the guard wrote: the hold stays a plain superseded one, its decided_by shown as it is
        conn.execute(sa.update(holds).where(holds.c.id == hold_id).values(**values))


def downgrade():
    with op.batch_alter_table("withdrawal_holds") as batch:
        batch.drop_column("superseded_by_job")
        batch.drop_column("superseded_by_batch")
    with op.batch_alter_table("harvest_jobs") as batch:
        batch.drop_column("not_found")
        batch.drop_column("deleted")
