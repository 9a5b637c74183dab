"""Pushed batches: received, stored, answered; applied by `hub.feed.apply` through the same writer
as harvests, reported by `hub.feed.reports`.

One path in (design.md): a pushed record meets the network's mapping file, the `RecordWriter`, the
same tables and the same withdrawal guard as a harvested one; only the transport differs. The order
of work makes a crash harmless:

1. `receive` checks the request and the whole body (`hub.feed.parse.scan`) — a malformed body is
   answered 400 and nothing is kept, so the province may fix it and resend under the same key;
2. the batch row is written, body and request hash included, in one transaction — from here on the
   batch cannot be lost: a worker finds it again after any crash (`hub.feed.worker`);
3. `hub.feed.apply.apply` runs it as a job of kind `push` (dashboards and evaluation see it like any harvest), chunk
   by chunk through `RecordWriter`, then the snapshot guard; the audit log records what changed;
4. the first answer (the report for a small batch, the 202 for a large one) is stored and replayed
   byte for byte to a retry with the same Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.auth import audit
from hub.auth.tokens import TOKENS
from hub.clock import now
from hub.errors import ConfigError, HubError
from hub.feed import parse
from hub.feed.apply import apply
from hub.feed.models import BATCHES
from hub.feed.reports import build_report, report_url
from hub.mapping import Mapping
from hub.harvest.jobs import HOST
from hub.store.locks import hold

MODES = ("upsert", "delete", "snapshot")
KINDS = ("instruments", "service")
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
        raise _bad_parameter("kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "service":
        mode = mode or "upsert"
        if mode != "upsert":
            raise _bad_parameter(
                "mode", f"service statistics are pushed with mode=upsert (got {mode!r}); a year's figures replace what was there"
            )
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise _bad_parameter("year", f"kind=service needs year=YYYY (got {year!r})") from None
        if not 1990 <= year <= 2100:
            raise _bad_parameter("year", f"year {year} is out of range")
        return mode, kind, year
    if mode not in MODES:
        raise _bad_parameter("mode", f"mode must be one of {', '.join(MODES)} (got {mode!r})")
    if year not in (None, ""):
        raise _bad_parameter("year", "year= is only for kind=service")
    return mode, kind, None


def _bad_parameter(name: str, message: str) -> FeedError:
    """A 400 naming the query parameter, in the shape of every other route's (`errors`)."""
    return FeedError(400, message, errors=[{"parameter": name, "in": "query", "messages": [message]}])


def _check_id_columns(network, kind: str, scanned: parse.Scanned) -> None:
    """A CSV or XLSX header without the column(s) the records take their id from is the file's
    fault, not each row's: it was answered with one rejection per row saying that row's id is
    missing (while the vendor saw 仪器编号 in its file, a row below a title row), and as a snapshot
    with a hold of the whole network's withdrawal."""
    if scanned.columns is None:
        return
    try:
        mapping = Mapping.load(network.mapping_path)
    except ConfigError:
        return  # the batch is kept and fails on a broken mapping file, saying so (docs/push.md "state")
    paths = [mapping.service_id_path or mapping.source_id_path] if kind == "service" else mapping.id_spec.paths
    missing = [p for p in paths if p not in scanned.columns]
    if not missing:
        return
    shown = ", ".join(scanned.columns[:12]) + (", …" if len(scanned.columns) > 12 else "")
    where = "row 1 of the first sheet" if scanned.format == "xlsx" else "the first line"
    reason = (
        f"the header has no column {', '.join(missing)}, which network {network.code}'s records take their id from; "
        f"the header ({where}) reads: {shown}. Is the header row first, with the column named as in docs/push.md?"
    )
    raise FeedError(400, f"{scanned.format.upper()} body: {reason}", format=scanned.format, line=None, column=None, reason=reason)


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
    try:
        fmt = parse.detect_format(content_type, body)
    except parse.UnreadableType as exc:
        raise FeedError(415, str(exc)) from None
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
    _check_id_columns(network, kind, scanned)
    rhash = request_hash(network.code, kind, mode, year, fmt, body)
    big = scanned.records > limits.async_records or len(body) > limits.async_bytes

    while True:
        if key is not None:
            with store.read() as conn:
                earlier = _earlier_answer(conn, network.code, key, rhash)
            if earlier is not None:
                return earlier
        batch_id = new_batch_id(network.code)
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
            attempts=0,
        )
        try:
            with store.write() as conn:
                # A small batch is applied within the request, unless an earlier batch of the network
                # still waits or is being applied: then it queues behind it, so the network's batches
                # apply in the order received (an upsert, then a deletion of the same record, must not
                # swap). Looked at and claimed in one transaction, one request of the network at a
                # time: three small batches sent at once were all applied side by side, and the
                # catalogue kept whichever finished last.
                hold(conn, f"push batches received {network.code}")
                stamp = now()
                large = big or _unfinished(conn, network.code)
                row.update(
                    received_at=stamp,
                    state="queued" if large else "processing",
                    # A small batch is claimed by this request at once, so the background worker leaves it alone.
                    claimed_at=None if large else stamp,
                    claimed_host=None if large else HOST,
                    claimed_pid=None if large else os.getpid(),
                )
                accepted = _queued_answer(row) if large else None
                if accepted is not None:
                    row.update(response_status=202, response_body=accepted)
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


def _queued_answer(row: dict) -> str:
    """The 202 body of a batch queued for the background worker (`row`: its push_batches row)."""
    return dumps(
        dict(
            id=row["id"],
            network=row["network"],
            kind=row["kind"],
            mode=row["mode"],
            year=row["year"],
            state="queued",
            records=row["records"],
            bytes=row["body_bytes"],
            report=report_url(row["network"], row["id"]),
        )
    )


def _unfinished(conn, network: str) -> bool:
    """Whether a batch of `network` is queued or being applied."""
    unfinished = select(BATCHES.c.id).where(BATCHES.c.network == network, BATCHES.c.state.in_(UNFINISHED)).limit(1)
    return conn.execute(unfinished).first() is not None


def waiting_before(conn, batch_id: str, states: tuple[str, ...] = ("queued",)) -> list[str]:
    """The batches of `batch_id`'s network received before it and in one of `states`, oldest first."""
    this = select(BATCHES.c.network, BATCHES.c.received_at).where(BATCHES.c.id == batch_id).subquery()
    return list(
        conn.execute(
            select(BATCHES.c.id)
            .join(this, BATCHES.c.network == this.c.network)
            .where(BATCHES.c.state.in_(states), BATCHES.c.received_at < this.c.received_at)
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
