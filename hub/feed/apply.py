"""Applying a pushed batch that `hub.feed.batches.receive` stored: step 3 of a batch's life.

The batch runs as a job of kind `push` (dashboards and evaluation see it like any harvest), chunk by
chunk through the same `RecordWriter`, mapping file and tables as a harvested record (design "one
path in"), then, for a snapshot, through the same withdrawal guard; the audit log records what it
changed. Every write of an attempt is fenced: a worker given up for dead whose batch a later
attempt claimed stops before writing more (`Superseded`). Failures end the batch in state `failed`
with its body kept, so it can be applied again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select, update

from connectors.base import RawRecord, ServiceRow
from hub import reasons
from hub.auth import audit
from hub.clock import as_utc, now
from hub.dedup.store import resolve_pending
from hub.errors import HubError
from hub.feed import parse
from hub.feed.models import BATCHES
from hub.harvest import guard
from hub.harvest.jobs import COUNTS, EXTRA_COUNTS, Counts, finish_job, heartbeat, start_job
from hub.harvest.writer import INSTRUMENTS, Provenance, RecordWriter, active_count, storable
from hub.mapping import Mapping
from hub.schema import ABSENT_FROM_SNAPSHOT
from hub.store.db import failure_message

log = logging.getLogger(__name__)

#: Longest record id the store keeps (instruments.source_id).
MAX_SOURCE_ID = 120
#: Changed ids listed per category in an audit entry; the rest are counted (and findable by
#: `instruments.last_batch_id`).
AUDIT_IDS = 500

#: A chunk is closed once its records hold this many characters, whatever their number: a body of
#: large (hostile) records is then applied a few records at a time, not all at once (docs/push.md
#: "Limits" has the measured peak).
CHUNK_CHARS = 4_000_000
#: Body formats whose records are rows under a header, which a file may repeat (`Mapping.table_records`).
TABLES = ("csv", "xlsx")


def _chunks(items, size, max_chars=CHUNK_CHARS):
    chunk, chars = [], 0
    for item in items:
        chunk.append(item)
        chars += _chars(item.payload)
        if len(chunk) >= size or chars >= max_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _chars(value) -> int:
    """About how many characters a payload holds (its texts), cheaply: no serialisation."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(k) + _chars(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_chars(v) for v in value)
    return 8


@dataclass
class _Outcome:
    counts: Counts = field(default_factory=Counts)
    without_id: int = 0
    not_found: list = field(default_factory=list)
    #: Ids of the deletions met so far: a later deletion of one is the writer's repeat, not also not found.
    deletions_met: set = field(default_factory=set)
    #: Where a table's header came again (`Mapping.table_records`): rows that are no record, so not counted.
    repeated_headers: list = field(default_factory=list)
    withdrawal: dict | None = None
    #: The body ended inside a record: a snapshot then withdraws nothing (design rule 1).
    cut: bool = False


def apply(store, settings, network, batch_id: str) -> None:
    """Apply a claimed batch (state `processing`). Failures end in state `failed`, never propagate,
    except interruptions (KeyboardInterrupt, SystemExit), which leave the batch for the worker."""
    with store.read() as conn:
        batch = conn.execute(select(BATCHES).where(BATCHES.c.id == batch_id)).one()
    job = start_job(store, network.code, "push", year=batch.year)
    with store.write() as conn:
        conn.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(job_id=job.id, attempts=BATCHES.c.attempts + 1))
        attempt = conn.execute(select(BATCHES.c.attempts).where(BATCHES.c.id == batch_id)).scalar_one()
    fence = partial(_still_ours, batch_id=batch_id, attempt=attempt)
    outcome = _Outcome()
    try:
        mapping = Mapping.load(network.mapping_path)
        writer = RecordWriter(store, network.code, mapping, Provenance(job_id=job.id, batch_id=batch_id))
        with store.read() as conn:
            active_before = active_count(conn, network.code)
        scanned = parse.Scanned(batch.format, batch.encoding, batch.records)
        items = parse.items(batch.body, scanned)
        if batch.format in TABLES:
            items = mapping.table_records(items, outcome.repeated_headers)
        for chunk in _chunks(items, settings.batch_size):
            with store.write() as conn:
                fence(conn)
                _apply_chunk(conn, writer, mapping, batch, chunk, outcome)
                job.counts = outcome.counts
                heartbeat(conn, job)
        if batch.mode == "snapshot":
            enforced = guard.enforce(
                store,
                job,
                writer,
                complete=not outcome.cut,
                active_before=active_before,
                withdrawal=settings.withdrawal,
                reason=ABSENT_FROM_SNAPSHOT,
                fence=fence,
            )
            outcome.withdrawal = dict(
                action=enforced.decision.action,
                reason=enforced.decision.reason,
                absent=enforced.absent,
                active_before=active_before,
                superseded=enforced.superseded,
            )
            if enforced.hold is not None:
                outcome.withdrawal["hold"] = enforced.hold
    except Superseded as exc:  # given up for dead and applied again by a later attempt, which goes on
        log.warning("push batch %s: %s", batch_id, exc)
        finish_job(store, job, "failed", message=str(exc))
        return
    except (KeyboardInterrupt, SystemExit):
        finish_job(store, job, "failed", message="interrupted; the batch is queued again")
        raise
    except Exception as exc:  # a broken mapping file or a bug: the batch fails, the body is kept for a retry
        log.exception("push batch %s failed", batch_id)
        message = failure_message(exc) if not isinstance(exc, HubError) else str(exc)
        finish_job(store, job, "failed", message=message)
        with store.write() as conn:
            if not _is_ours(conn, batch_id, attempt):
                return  # a later attempt has the batch: its outcome is the batch's
            conn.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch_id)
                .values(state="failed", finished_at=now(), outcome=dict(_outcome_dict(outcome, checked=False), message=message))
            )
        return
    with store.write() as conn:
        # The batch's outcome, and only then the job's: the job of an attempt a later one superseded fails.
        superseded = not _is_ours(conn, batch_id, attempt)
        if not superseded:
            changed = _changed(conn, batch_id, job.started_at)
            conn.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch_id)
                .values(state="done", finished_at=now(), body=None, outcome=_outcome_dict(outcome))
            )
            audit.record(
                conn,
                actor=batch.token_id or "unknown",
                role=None,
                action="batch.applied",
                network=network.code,
                batch_id=batch_id,
                detail=dict(counts=_counts(outcome.counts), withdrawal=outcome.withdrawal, **changed),
            )
    if superseded:  # a later attempt has the batch: its outcome is the batch's
        finish_job(store, job, "failed", message=f"batch {batch_id}: attempt {attempt} was superseded by a later one")
        return
    finish_job(
        store,
        job,
        "succeeded",
        listing_complete=True,
        message=(outcome.withdrawal or {}).get("reason") if batch.mode == "snapshot" else None,
    )
    resolve_pending(store)  # duplicates across networks: only the blocks this batch changed


class Superseded(Exception):
    """A later attempt has claimed the batch this attempt was applying: this one writes nothing more."""


def _is_ours(conn, batch_id: str, attempt: int) -> bool:
    """Inside a write transaction, the batch's row locked until it ends (PostgreSQL; SQLite's write
    lock already excludes): whether `attempt` is still the batch's latest and it is being applied."""
    row = conn.execute(select(BATCHES.c.state, BATCHES.c.attempts).where(BATCHES.c.id == batch_id).with_for_update()).first()
    return row is not None and row.state == "processing" and row.attempts == attempt


def _still_ours(conn, *, batch_id: str, attempt: int) -> None:
    """The fence of every write of an attempt: a worker given up for dead (killed, or frozen and
    retried) whose batch a later attempt claimed must not go on writing when it wakes up — it put
    deleted records back after the retry had applied a later deletion."""
    if not _is_ours(conn, batch_id, attempt):
        raise Superseded(f"batch {batch_id}: attempt {attempt} was superseded by a later one; it stopped before writing more")


def _apply_chunk(conn, writer, mapping, batch, chunk, outcome: _Outcome) -> None:
    service = batch.kind == "service"
    id_path = (mapping.service_id_path or mapping.source_id_path) if service else mapping.source_id_path
    records = []
    for item in chunk:
        outcome.cut = outcome.cut or item.cut
        sid, problem = _source_id(item, mapping, id_path, batch.mode)
        if problem:
            outcome.without_id += 1
            outcome.counts.fetched += 1
            outcome.counts.rejected += 1
            excerpt = json.dumps(item.payload, ensure_ascii=False, default=str)[:2000]
            writer.record_error(
                conn, sid[:MAX_SOURCE_ID] if sid else None, id_path, reasons.RECORD_AT(where=item.where, message=problem), excerpt
            )
            continue
        if service:
            records.append(ServiceRow(source_id=sid, year=batch.year, payload=item.payload, where=item.where))
        elif batch.mode == "delete":
            records.append(RawRecord(source_id=sid, deleted=True, where=item.where))
        else:
            records.append(
                RawRecord(
                    source_id=sid,
                    payload=item.payload,
                    problem=item.problem and f"{item.where}: {item.problem}",
                    where=item.where,
                )
            )
    if service:
        outcome.counts.add(writer.write_service_batch(records, conn))
        return
    if batch.mode == "delete":
        _note_unknown(conn, writer.network, [r.source_id for r in records], outcome)
    outcome.counts.add(writer.write_batch(records, conn, listing=True))


def _source_id(item, mapping, id_path, mode) -> tuple[str | None, str | None]:
    payload = item.payload
    if isinstance(payload, (str, int)) and not isinstance(payload, bool) and mode == "delete":
        sid = str(payload).strip() or None
    elif isinstance(payload, dict) and id_path == mapping.source_id_path:
        # Through the mapping: a composed or hashed id, `/` encoded (hub.mapping.ids).
        sid = mapping.source_id_of(payload)
    elif isinstance(payload, dict):
        sid = _value_at(payload, id_path)
    else:
        return None, reasons.NOT_OBJECT(value=type(payload).__name__)
    if sid is None:
        given = payload.get(id_path) if isinstance(payload, dict) else None
        if isinstance(given, (bool, dict, list)):  # there, but true, an object or a list: no id either
            shown = json.dumps(given, ensure_ascii=False)[:80]
            return None, reasons.ID_NOT_TEXT(field=id_path, value=shown)
        return None, reasons.ID_NOT_GIVEN(field=id_path)
    if len(sid) > MAX_SOURCE_ID:
        return sid, reasons.ID_TOO_LONG(length=len(sid), limit=MAX_SOURCE_ID)
    return sid, None


def _value_at(payload: dict, path: str) -> str | None:
    value = payload.get(path)
    if value is None and "." in path:
        value = payload
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _note_unknown(conn, network, source_ids, outcome: _Outcome) -> None:
    # An id no store can hold is the writer's to reject; asking the store about it would fail the batch.
    # One met in an earlier chunk is the writer's repeat, whatever the store says of it now.
    ids = {f"{network}:{sid}": sid for sid in source_ids if storable(sid) and sid not in outcome.deletions_met}
    outcome.deletions_met.update(source_ids)
    if not ids:
        return
    active = set(
        conn.execute(select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.id.in_(list(ids)), INSTRUMENTS.c.withdrawn_at.is_(None))).scalars()
    )
    outcome.not_found += [sid for iid, sid in ids.items() if iid not in active]


def _changed(conn, batch_id: str, started) -> dict:
    """What this batch changed, from the provenance columns the writer set."""
    out = {"created": [], "updated": [], "withdrawn": []}
    rows = conn.execute(
        select(INSTRUMENTS.c.id, INSTRUMENTS.c.first_seen, INSTRUMENTS.c.withdrawn_at, INSTRUMENTS.c.last_job_id)
        .where(INSTRUMENTS.c.last_batch_id == batch_id)
        .order_by(INSTRUMENTS.c.id)
    )
    for r in rows:
        kind = "withdrawn" if r.withdrawn_at is not None else "created" if as_utc(r.first_seen) >= as_utc(started) else "updated"
        out[kind].append(r.id)
    detail = {}
    for kind, ids in out.items():
        detail[kind] = ids[:AUDIT_IDS]
        if len(ids) > AUDIT_IDS:
            detail[f"{kind}_more"] = len(ids) - AUDIT_IDS
    return detail


def _counts(counts: Counts, checked: bool = True) -> dict:
    # A failed batch's counts stop mid-chunk (that chunk was rolled back), so they are not checked.
    return counts.report("batch") if checked else {k: getattr(counts, k) for k in (*COUNTS, *EXTRA_COUNTS)}


def _outcome_dict(outcome: _Outcome, checked: bool = True) -> dict:
    return dict(
        counts=_counts(outcome.counts, checked),
        without_id=outcome.without_id,
        not_found=outcome.not_found[:1000],
        repeated_headers=outcome.repeated_headers[:1000],
        withdrawal=outcome.withdrawal,
    )
