"""What a province reads back about its pushed batches: one batch's report (counts, every rejected
record with its own id, field and reason) and the list of its latest batches. Read-only: the
batches are received in hub.feed.batches and applied in hub.feed.apply.

The JSON report holds every rejected record at once; the steward's report page (hub.web.steward)
reads the same report without its lists (`batch_summary`) and the lists a page at a time
(`entries_page`, `not_found_page`), so a batch of 10,000 rejections is never read whole to show 50."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.exports.record import iso
from hub.feed.models import BATCHES
from hub.harvest.writer import ERRORS
from hub.paging import paged

REPORT_PATH = "/api/v1/networks/{network}/batches/{id}"


def report_url(network: str, batch_id: str) -> str:
    return REPORT_PATH.format(network=network, id=batch_id)


#: A report's lists of error rows, by severity: a rejected record was not taken, a warning is a value
#: dropped from a record that was.
LISTS = {"rejected": ERRORS.c.severity == "error", "warnings": ERRORS.c.severity != "error"}


def batch_summary(conn, batch_id: str) -> dict | None:
    """The batch report without its lists of rejected records and warnings (empty lists stand in)."""
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
    return report


def build_report(conn, batch_id: str) -> dict | None:
    """The batch report a province reads: counts, and every rejected record with its own id and field."""
    report = batch_summary(conn, batch_id)
    if report is not None and report["state"] in ("done", "failed"):
        rows = conn.execute(
            select(ERRORS.c.source_id, ERRORS.c.field, ERRORS.c.message, ERRORS.c.severity)
            .where(ERRORS.c.batch_id == batch_id)
            .order_by(ERRORS.c.id)
        )
        for r in rows:
            entry = dict(source_id=r.source_id, field=r.field, reason=r.message)
            report["rejected" if r.severity == "error" else "warnings"].append(entry)
    return report


def entries_page(conn, batch_id: str, which: str, *, page: int = 1, per_page: int = 50) -> dict:
    """One page of the report's `which` list (`rejected` or `warnings`), in the report's order:
    {total, page, per_page, pages, items: [{source_id, field, reason}]}."""
    where = (ERRORS.c.batch_id == batch_id, LISTS[which])
    total = conn.execute(select(func.count()).select_from(ERRORS).where(*where)).scalar_one()
    rows = conn.execute(
        select(ERRORS.c.source_id, ERRORS.c.field, ERRORS.c.message)
        .where(*where)
        .order_by(ERRORS.c.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return paged(total, page, per_page, [dict(source_id=r.source_id, field=r.field, reason=r.message) for r in rows])


def not_found_page(report: dict, *, page: int = 1, per_page: int = 50) -> dict:
    """One page of the ids a deletion found no active instrument for (the report keeps the first 1,000)."""
    ids = report["not_found"] or []
    return paged(len(ids), page, per_page, [dict(source_id=i) for i in ids[(page - 1) * per_page : page * per_page]])


def batch_network(conn, batch_id: str) -> str | None:
    return conn.execute(select(BATCHES.c.network).where(BATCHES.c.id == batch_id)).scalar()


def list_batches(conn, network: str, limit: int = 50) -> list[dict]:
    """The network's latest batches, newest first, each with its report's `counts` (null until applied)."""
    cols = [BATCHES.c[n] for n in ("id", "kind", "mode", "year", "state", "records", "received_at", "finished_at", "token_id")]
    query = select(*cols, BATCHES.c.outcome).where(BATCHES.c.network == network).order_by(BATCHES.c.received_at.desc()).limit(limit)
    out = []
    for r in conn.execute(query):
        row = {k: v for k, v in r._mapping.items() if k != "outcome"}
        # Times as ISO 8601 in UTC, as in the report (Flask wrote these in RFC 1123, the report without a zone).
        row.update(received_at=iso(r.received_at), finished_at=iso(r.finished_at), counts=(r.outcome or {}).get("counts"))
        out.append(dict(row, report=report_url(network, r.id)))
    return out
