"""What a province reads back about its pushed batches: one batch's report (counts, every rejected
record with its own id, field and reason) and the list of its latest batches. Read-only: the
batches are received in hub.feed.batches and applied in hub.feed.apply."""

from __future__ import annotations

from sqlalchemy import select

from hub.exports.record import iso
from hub.feed.models import BATCHES
from hub.harvest.writer import ERRORS

REPORT_PATH = "/api/v1/networks/{network}/batches/{id}"


def report_url(network: str, batch_id: str) -> str:
    return REPORT_PATH.format(network=network, id=batch_id)


def build_report(conn, batch_id: str) -> dict | None:
    """The batch report a province reads: counts, and every rejected record with its own id and field."""
    b = conn.execute(select(*[c for c in BATCHES.c if c.name not in ("body", "response_body")]).where(BATCHES.c.id == batch_id)).first()
    if b is None:
        return None
    outcome = b.outcome or {}
    report = dict(
        id=b.id,
        network=b.network,
        kind=b.kind,
        mode=b.mode,
        year=b.year,
        state=b.state,
        format=b.format,
        encoding=b.encoding,
        records=b.records,
        bytes=b.body_bytes,
        token=b.token_id,
        received_at=iso(b.received_at),
        finished_at=iso(b.finished_at),
        job_id=b.job_id,
        counts=outcome.get("counts"),
        withdrawal=outcome.get("withdrawal"),
        not_found=outcome.get("not_found", []),
        repeated_headers=outcome.get("repeated_headers", []),
        message=outcome.get("message"),
        attempts=b.attempts,
        rejected=[],
        warnings=[],
        report=report_url(b.network, b.id),
    )
    if b.attempts > 1 and b.state == "done":
        # The counts are what the attempt that completed did: records an earlier attempt (its worker
        # died) had written already count as unchanged or updated there.
        report["note"] = (
            f"applied in {b.attempts} attempts (a worker stopped during an earlier one); the counts are the last attempt's, "
            "so records the earlier attempt wrote count as unchanged or updated"
        )
    if b.state in ("done", "failed"):
        rows = conn.execute(
            select(ERRORS.c.source_id, ERRORS.c.field, ERRORS.c.message, ERRORS.c.severity)
            .where(ERRORS.c.batch_id == batch_id)
            .order_by(ERRORS.c.id)
        )
        for r in rows:
            entry = dict(source_id=r.source_id, field=r.field, reason=r.message)
            report["rejected" if r.severity == "error" else "warnings"].append(entry)
    return report


def batch_network(conn, batch_id: str) -> str | None:
    return conn.execute(select(BATCHES.c.network).where(BATCHES.c.id == batch_id)).scalar()


def list_batches(conn, network: str, limit: int = 50) -> list[dict]:
    cols = [BATCHES.c[n] for n in ("id", "kind", "mode", "year", "state", "records", "received_at", "finished_at", "token_id")]
    rows = conn.execute(select(*cols).where(BATCHES.c.network == network).order_by(BATCHES.c.received_at.desc()).limit(limit))
    # Times as ISO 8601 in UTC, as in the report (Flask wrote these in RFC 1123, the report without a zone).
    return [
        dict(r._mapping, received_at=iso(r.received_at), finished_at=iso(r.finished_at), report=report_url(network, r.id)) for r in rows
    ]
