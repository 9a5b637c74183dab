"""Pushed batches: received, stored, applied through the same writer as harvests, reported.

One path in (design.md): a pushed record meets the network's mapping file, the `RecordWriter`, the
same tables and the same withdrawal guard as a harvested one; only the transport differs. The order
of work makes a crash harmless:

1. `receive` checks the request and the whole body (`hub.feed.parse.scan`) — a malformed body is
   answered 400 and nothing is kept, so the province may fix it and resend under the same key;
2. the batch row is written, body and request hash included, in one transaction — from here on the
   batch cannot be lost: a worker finds it again after any crash (`hub.feed.worker`);
3. `apply` runs it as a job of kind `push` (dashboards and evaluation see it like any harvest), chunk
   by chunk through `RecordWriter`, then the snapshot guard; the audit log records what changed;
4. the first answer (the report for a small batch, the 202 for a large one) is stored and replayed
   byte for byte to a retry with the same Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from functools import partial
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from connectors.base import RawRecord, ServiceRow
from hub.auth import audit
from hub.auth.tokens import TOKENS
from hub.errors import HubError
from hub.dedup.store import resolve_pending
from hub.feed import parse
from hub.feed.models import PushBatch
from hub.feed.reports import build_report, report_url
from hub.harvest import guard
from hub.clock import as_utc, now
from hub.harvest.jobs import COUNTS, EXTRA_COUNTS, HOST, Counts, finish_job, heartbeat, start_job
from hub.harvest.writer import INSTRUMENTS, Provenance, RecordWriter, active_count, storable
from hub.mapping import Mapping
from hub.store.db import failure_message
from hub.store.hooks import instruments_changed
from hub.store.listings import absent_from, settle
from hub.store.models import WithdrawalHold

log = logging.getLogger(__name__)

BATCHES = PushBatch.__table__
HOLDS = WithdrawalHold.__table__
MODES = ("upsert", "delete", "snapshot")
KINDS = ("instruments", "service")
#: Longest record id the store keeps (instruments.source_id).
MAX_SOURCE_ID = 120
#: Changed ids listed per category in an audit entry; the rest are counted (and findable by
#: `instruments.last_batch_id`).
AUDIT_IDS = 500
MAX_ATTEMPTS = 3
#: The states of a batch not yet applied.
UNFINISHED = ("queued", "processing")


@dataclass(frozen=True)
class FeedLimits:
    """Sizes that decide how a batch is taken (docs/push.md "Limits")."""

    #: Largest body, as received and (for a gzip body) once inflated.
    max_body_bytes: int = 64 * 1024 * 1024
    #: Most records in one batch; a larger one is refused (413) before anything is stored.
    max_records: int = 100_000
    async_records: int = 5000
    async_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_mapping(cls, values: dict | None) -> "FeedLimits":
        values = dict(values or {})
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise HubError(f"unknown feed limit(s) {sorted(unknown)}; expected {sorted(cls.__dataclass_fields__)}")
        return cls(**{k: int(v) for k, v in values.items()})


class FeedError(HubError):
    """A request the feed refuses: `status` is the HTTP status, `extra` goes into the problem body."""

    def __init__(self, status: int, detail: str, **extra):
        self.status, self.detail, self.extra = status, detail, extra
        super().__init__(detail)


@dataclass
class Answer:
    status: int
    body: str
    batch_id: str | None = None
    replayed: bool = False
    queued: bool = False
    headers: dict = field(default_factory=dict)


def request_hash(network: str, kind: str, mode: str, year, fmt: str, body: bytes) -> str:
    h = hashlib.sha256(f"{network}\n{kind}\n{mode}\n{year}\n{fmt}\n".encode())
    h.update(body)
    return h.hexdigest()


def new_batch_id(network: str) -> str:
    # Readable in a province's logs: network, UTC time of receipt, and randomness against collisions.
    return f"{network}-{now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=_json_default)


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- receiving


def check_request(network, *, mode: str, kind: str, year) -> tuple[str, str, int | None]:
    """Validate the query of a batch request; return (mode, kind, year)."""
    if network.family != "push":
        raise FeedError(409, f"network {network.code} is harvested (family {network.family}); it does not take pushed batches")
    if kind not in KINDS:
        raise FeedError(400, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "service":
        mode = mode or "upsert"
        if mode != "upsert":
            raise FeedError(400, f"service statistics are pushed with mode=upsert (got {mode!r}); a year's figures replace what was there")
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise FeedError(400, f"kind=service needs year=YYYY (got {year!r})") from None
        if not 1990 <= year <= 2100:
            raise FeedError(400, f"year {year} is out of range")
        return mode, kind, year
    if mode not in MODES:
        raise FeedError(400, f"mode must be one of {', '.join(MODES)} (got {mode!r})")
    if year not in (None, ""):
        raise FeedError(400, "year= is only for kind=service")
    return mode, kind, None


def receive(
    store,
    settings,
    network,
    principal,
    *,
    mode: str,
    kind: str,
    year,
    content_type: str | None,
    body: bytes,
    key: str | None,
    limits: FeedLimits,
) -> Answer:
    """Take one batch request (already authenticated and within the size limit); answer it."""
    mode, kind, year = check_request(network, mode=mode, kind=kind, year=year)
    if key is not None and not (0 < len(key) <= 200):
        raise FeedError(400, "Idempotency-Key must be 1 to 200 characters")
    fmt = parse.detect_format(content_type, body)
    try:
        scanned = parse.scan(body, fmt, content_type=content_type, encoding=network.options.get("encoding"))
    except parse.BodyError as exc:
        raise FeedError(400, str(exc), **exc.as_dict()) from None
    if scanned.records > limits.max_records:
        raise FeedError(
            413,
            f"the batch holds {scanned.records:,} records; at most {limits.max_records:,} are taken in one batch; "
            "split it into several batches",
            limit=limits.max_records,
        )
    rhash = request_hash(network.code, kind, mode, year, fmt, body)
    big = scanned.records > limits.async_records or len(body) > limits.async_bytes

    while True:
        if key is not None:
            with store.read() as conn:
                earlier = _earlier_answer(conn, network.code, key, rhash)
            if earlier is not None:
                return earlier
        batch_id = new_batch_id(network.code)
        stamp = now()
        # A small batch is applied within the request, unless an earlier batch of the network still
        # waits or is being applied: then it queues behind it, so the network's batches apply in the
        # order received (an upsert, then a deletion of the same record, must not swap).
        with store.read() as conn:
            large = big or _unfinished(conn, network.code)
        row = dict(
            id=batch_id,
            network=network.code,
            kind=kind,
            mode=mode,
            year=year,
            format=scanned.format,
            encoding=scanned.encoding,
            token_id=principal.token_id,
            idempotency_key=key,
            request_hash=rhash,
            body=body,
            body_bytes=len(body),
            records=scanned.records,
            received_at=stamp,
            attempts=0,
            state="queued" if large else "processing",
            # A small batch is claimed by this request at once, so the background worker leaves it alone.
            claimed_at=None if large else stamp,
            claimed_host=None if large else HOST,
            claimed_pid=None if large else os.getpid(),
        )
        accepted = None
        if large:
            accepted = dumps(
                dict(
                    id=batch_id,
                    network=network.code,
                    kind=kind,
                    mode=mode,
                    year=year,
                    state="queued",
                    records=scanned.records,
                    bytes=len(body),
                    report=report_url(network.code, batch_id),
                )
            )
            row.update(response_status=202, response_body=accepted)
        try:
            with store.write() as conn:
                conn.execute(insert(BATCHES).values(**row))
                conn.execute(update(TOKENS).where(TOKENS.c.id == principal.token_id).values(last_used_at=stamp))
                audit.record(
                    conn,
                    actor=principal.token_id,
                    role=principal.role,
                    action="batch.received",
                    network=network.code,
                    batch_id=batch_id,
                    detail=dict(
                        kind=kind,
                        mode=mode,
                        year=year,
                        format=scanned.format,
                        records=scanned.records,
                        bytes=len(body),
                        idempotency_key=key,
                    ),
                )
        except IntegrityError:
            if key is None:
                raise
            continue  # the same key arrived concurrently and won: answer as its retry
        break

    headers = {"Location": report_url(network.code, batch_id)}
    if large:
        return Answer(202, accepted, batch_id, queued=True, headers=headers)
    apply(store, settings, network, batch_id)
    with store.write() as conn:
        report = build_report(conn, batch_id)
        status = 200 if report["state"] == "done" else 500
        text = dumps(report)
        if status == 200:
            conn.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(response_status=status, response_body=text))
    return Answer(status, text, batch_id, headers=headers)


def _unfinished(conn, network: str) -> bool:
    """Whether a batch of `network` is queued or being applied."""
    unfinished = select(BATCHES.c.id).where(BATCHES.c.network == network, BATCHES.c.state.in_(UNFINISHED)).limit(1)
    return conn.execute(unfinished).first() is not None


def waiting_before(conn, batch_id: str) -> list[str]:
    """The queued batches of `batch_id`'s network received before it, oldest first."""
    this = select(BATCHES.c.network, BATCHES.c.received_at).where(BATCHES.c.id == batch_id).subquery()
    return list(
        conn.execute(
            select(BATCHES.c.id)
            .join(this, BATCHES.c.network == this.c.network)
            .where(BATCHES.c.state == "queued", BATCHES.c.received_at < this.c.received_at)
            .order_by(BATCHES.c.received_at, BATCHES.c.id)
        ).scalars()
    )


def _earlier_answer(conn, network: str, key: str, rhash: str) -> Answer | None:
    row = conn.execute(
        select(BATCHES.c.id, BATCHES.c.request_hash, BATCHES.c.response_status, BATCHES.c.response_body, BATCHES.c.state).where(
            BATCHES.c.network == network, BATCHES.c.idempotency_key == key
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != rhash:
        raise FeedError(
            422,
            f"Idempotency-Key {key!r} was already used for a different batch ({row.id}); send a new key for a new batch",
            batch=row.id,
            report=report_url(network, row.id),
        )
    headers = {"Location": report_url(network, row.id), "Idempotent-Replayed": "true"}
    if row.response_body is not None:
        return Answer(row.response_status, row.response_body, row.id, replayed=True, headers=headers)
    # The first request is still being applied (or its process died and the worker will finish it).
    return Answer(
        202,
        dumps(dict(id=row.id, network=network, state=row.state, report=report_url(network, row.id))),
        row.id,
        replayed=True,
        headers=headers,
    )


# --------------------------------------------------------------------------- applying


#: A chunk is closed once its records hold this many characters, whatever their number: a body of
#: large (hostile) records is then applied a few records at a time, not all at once (docs/push.md
#: "Limits" has the measured peak).
CHUNK_CHARS = 4_000_000


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
        for chunk in _chunks(parse.items(batch.body, scanned), settings.batch_size):
            with store.write() as conn:
                fence(conn)
                _apply_chunk(conn, writer, mapping, batch, chunk, outcome)
                job.counts = outcome.counts
                heartbeat(conn, job)
        if batch.mode == "snapshot":
            outcome.withdrawal = _snapshot_guard(store, settings, writer, job, active_before, complete=not outcome.cut, fence=fence)
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
            writer.record_error(conn, sid[:MAX_SOURCE_ID] if sid else None, id_path, f"record at line {item.line}: {problem}", excerpt)
            continue
        if service:
            records.append(ServiceRow(source_id=sid, year=batch.year, payload=item.payload, where=f"line {item.line}"))
        elif batch.mode == "delete":
            records.append(RawRecord(source_id=sid, deleted=True, where=f"line {item.line}"))
        else:
            records.append(
                RawRecord(
                    source_id=sid,
                    payload=item.payload,
                    problem=item.problem and f"line {item.line}: {item.problem}",
                    where=f"line {item.line}",
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
        return None, f"expected an object, got {type(payload).__name__}"
    if sid is None:
        return None, f"the record id ({id_path}) is missing; the record cannot be stored or reported by id"
    if len(sid) > MAX_SOURCE_ID:
        return sid, f"the record id is {len(sid)} characters long (at most {MAX_SOURCE_ID})"
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
    ids = {f"{network}:{sid}": sid for sid in source_ids if storable(sid)}
    if not ids:
        return
    active = set(
        conn.execute(select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.id.in_(list(ids)), INSTRUMENTS.c.withdrawn_at.is_(None))).scalars()
    )
    outcome.not_found += [sid for iid, sid in ids.items() if iid not in active]


def _snapshot_guard(store, settings, writer, job, active_before, *, complete: bool, fence=lambda conn: None) -> dict:
    w = settings.withdrawal
    with store.write() as conn:
        fence(conn)
        absent = absent_from(conn, job.network, writer.listed, job.started_at)
        decision = guard.decide(
            full=True,
            complete=complete,
            listed=job.counts.fetched,
            active_before=active_before,
            absent=len(absent),
            max_share=w["max_share"],
            min_listing=w["min_listing"],
        )
        result = dict(action=decision.action, reason=decision.reason, absent=len(absent), active_before=active_before)
        if decision.action == "withdraw":
            withdrawn = writer.withdraw(conn, absent, "absent from a pushed snapshot")
            job.counts.withdrawn += len(withdrawn)
            instruments_changed(conn, withdrawn)
        elif decision.action == "hold":
            result["hold"] = conn.execute(
                insert(HOLDS)
                .values(
                    network=job.network,
                    job_id=job.id,
                    created_at=now(),
                    listed=job.counts.fetched,
                    active_before=active_before,
                    instrument_ids=absent,
                    state="held",
                )
                .returning(HOLDS.c.id)
            ).scalar_one()
        if decision.action in guard.SETTLED:
            # The snapshot is on record as the network's listing; absent records left active are marked.
            settle(conn, job.network, job.id, absent if decision.action == "hold" else [], now())
    return result


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
        withdrawal=outcome.withdrawal,
    )
