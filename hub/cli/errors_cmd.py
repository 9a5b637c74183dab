"""`hub errors CODE [--job N] [--warnings] [--json]`: the records a harvest or push rejected, and why.

The same rows as the admin API's `/api/v1/admin/networks/<code>/errors`, for an operator at a
terminal: by default those of the network's latest job, `--job` for another one.
"""

from __future__ import annotations

import json

import click
from sqlalchemy import func, select

from hub.cli._output import echo_table
from hub.harvest.jobs import COUNTS, JOBS, changes_catalogue
from hub.ops.dashboard import jsonable
from hub.store.models import RecordErrorRow

ERRORS = RecordErrorRow.__table__


def job_errors(conn, code: str, job_id: int | None, *, warnings: bool):
    """(job row or None, error rows of that job in the order they were recorded)."""
    query = select(JOBS).where(JOBS.c.network == code)
    if job_id is not None:
        query = query.where(JOBS.c.id == job_id)
    else:
        # The latest that took in instruments: a later fetch of service statistics hid its warnings.
        query = query.where(changes_catalogue()).order_by(JOBS.c.started_at.desc(), JOBS.c.id.desc()).limit(1)
    job = conn.execute(query).first()
    if job is None:
        return None, []
    where = [ERRORS.c.network == code, ERRORS.c.job_id == job.id]
    if not warnings:
        where.append(ERRORS.c.severity == "error")
    rows = conn.execute(
        select(ERRORS.c.source_id, ERRORS.c.field, ERRORS.c.severity, ERRORS.c.message, ERRORS.c.raw_excerpt)
        .where(*where)
        .order_by(ERRORS.c.id)
    )
    return job, [dict(r._mapping) for r in rows]


def warning_count(conn, code: str, job_id: int) -> int:
    """How many values the job dropped from records it kept (its warnings)."""
    where = (ERRORS.c.network == code, ERRORS.c.job_id == job_id, ERRORS.c.severity == "warning")
    return conn.execute(select(func.count()).select_from(ERRORS).where(*where)).scalar_one()


def counts_line(job) -> str:
    """What became of the job's records, in the order they add up to `fetched` (withdrawn apart:
    tombstones, by deletion or by absence). A count its row lacks (the deletions of a run from before
    migration 0020 that had some) is "not recorded", never 0."""
    m = job._mapping

    def count(name: str) -> str:
        return "not recorded" if m[name] is None else f"{m[name]:,}"

    parts = ", ".join(f"{name.replace('_', ' ')} {count(name)}" for name in COUNTS if name not in ("fetched", "withdrawn"))
    return f"fetched {count('fetched')}: {parts}; withdrawn {count('withdrawn')}"


@click.command("errors")
@click.argument("code")
@click.option(
    "--job",
    "job_id",
    type=click.IntRange(min=1),
    help="This job's records (default: the network's latest harvest or push of instruments; a service-statistics job by its id).",
)
@click.option("--warnings", is_flag=True, help="Also values that were dropped while the record was kept.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document: the job and its rejected records with their raw excerpts.")
def errors(code, job_id, warnings, as_json):
    """List the records of network CODE that a harvest or push rejected: source id, field (in the
    network's own naming) and reason. Exit 2 for an unknown network or a job of another network."""
    from hub.config import Registry
    from hub.store.db import open_store

    Registry.load().get(code)
    with open_store().read() as conn:
        job, rows = job_errors(conn, code, job_id, warnings=warnings)
        dropped = 0 if warnings or job is None else warning_count(conn, code, job.id)
    if job is None and job_id is not None:
        raise click.UsageError(f"job {job_id} is not a job of network {code} (see `hub stats` or the admin pages for its jobs)")
    if as_json:
        doc = {"network": code, "job": jsonable(dict(job._mapping)) if job else None, "errors": rows}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
        return 0
    if job is None:
        click.echo(f"network {code} has no harvest or push yet")
        return 0
    what = "rejected records and dropped values" if warnings else "rejected records"
    click.echo(f"network {code}, job {job.id} ({job.kind}, {job.state}, started {jsonable(job.started_at)}): {len(rows)} {what}")
    click.echo(counts_line(job))
    if dropped:
        click.echo(f"and {dropped:,} values dropped from records that were kept: --warnings lists them")
    if rows:
        columns = ["source id", "field", "reason"] + (["severity"] if warnings else [])
        echo_table(columns, [[r["source_id"] or "", r["field"] or "", r["message"]] + ([r["severity"]] if warnings else []) for r in rows])
    return 0


COMMANDS = [errors]
