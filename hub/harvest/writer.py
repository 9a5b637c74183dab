"""Writes what one run brought — harvested or pushed — into the store, one transaction per batch.

The writer is the single path into the catalogue (design "one path in"): pulled and pushed records
meet the same mapping, the same validation and the same tables. Per batch it
* refuses a record whose id came earlier in the same run (a repeat: an error naming the first
  occurrence; before, the last one silently won), a record larger than `MAX_RECORD_CHARS`, and an
  id or update time holding characters no store can hold (`hub.characters`),
* recognises unchanged records by content hash (payload + mapping digest) and leaves them alone
  (design rule 4): a listing proves them present without writing them (`hub.store.listings`), so
  only one that comes back after a complete listing lacked it is written (its `last_seen`),
* maps and validates the rest; a bad record becomes a `record_errors` row and is skipped (rule 2) —
  the stored version, if any, stays as it was,
* upserts owner units, instruments and the raw payloads (so `hub remap` needs no refetch),
* tombstones explicit deletions (rule 1), and
* calls the store hooks (search index) inside the same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import bindparam, func, select, update

from hub import characters, reasons
from hub.errors import RecordError
from hub.harvest.flatten import split_record
from hub.harvest.jobs import Counts, now
from hub.harvest.owners import OwnerCache, settle_owners
from hub.schema import DELETED_AT_SOURCE, MAX_RECORD_CHARS, instrument_id
from hub.store.bulk import insert_many, upsert
from hub.store.chunks import among, chunked
from hub.store.hooks import instruments_changed, prepare_changes, records_shown_changed
from hub.store.listings import write_out
from hub.store.models import Instrument, RawRecordRow, RecordErrorRow, ServiceStats

INSTRUMENTS = Instrument.__table__
RAW = RawRecordRow.__table__
ERRORS = RecordErrorRow.__table__
SERVICE = ServiceStats.__table__

EXCERPT_CHARS = 2000
#: Sizes of record_errors.source_id and .field.
MAX_ERROR_ID, MAX_ERROR_FIELD = 120, 100


def canonical_json(payload: dict) -> str:
    """The payload as compact JSON with sorted keys: what is hashed and kept. orjson writes the same
    text as the standard library's `json.dumps(ensure_ascii=False, sort_keys=True)` for the strings,
    numbers, lists and objects connectors produce (tiny floats aside: `1e-7`, not `1e-07`), about
    eight times faster; it was 5 % of a harvest."""
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME, default=str).decode()
    except orjson.JSONEncodeError:
        # What orjson refuses: integers beyond 64 bits, non-string keys, lone surrogates (a "\ud800"
        # escape in a JSON feed). The standard library writes them all; surrogates as \u escapes, so
        # that the text can be hashed and stored as UTF-8.
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        return text if storable(text) else json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def storable(text: str) -> bool:
    """False for text holding a character no database or XML document can hold (`hub.characters`):
    a lone UTF-16 surrogate (a JSON feed can spell one, `"\\ud800"`), a NUL, another C0 control.
    PostgreSQL fails the whole batch's transaction on one; SQLite keeps it and OAI-PMH cannot write it."""
    return characters.first_illegal(text) is None


def escaped(text: str) -> str:
    """`text` with each such character written as a `\\uXXXX` escape, so that a message can name it."""
    return characters.escaped(text)


def unstorable_field(value, path: str = "") -> str | None:
    """The payload path of the first key or text that is not `storable`, escaped; None when all are."""
    if isinstance(value, str):
        return None if storable(value) else escaped(path or "(record)")
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if not storable(where):  # the key itself
                return escaped(where)
            if found := unstorable_field(item, where):
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if where := unstorable_field(item, f"{path}[{i}]"):
                return where
    return None


def _screen(raw, payload_json: str):
    """(raw, (field, problem) or None): the connector's problem with the record, else text in it
    that no database can store (the update time escaped then, so that the raw row can be kept)."""
    # A surrogate escape in the JSON text is rare, so only then is the payload searched.
    where = unstorable_field(raw.payload) if "\\ud" in payload_json else None
    if raw.source_updated is not None and not storable(raw.source_updated):
        raw, where = dataclasses.replace(raw, source_updated=escaped(raw.source_updated)), where or "(update time)"
    if raw.problem:  # the connector could not read the record as a whole (a row's cells, a header)
        return raw, ("(record)", raw.problem)
    if where:
        return raw, (where, "text with a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF escape), which cannot be stored")
    if len(payload_json) > MAX_RECORD_CHARS:
        return raw, ("(record)", reasons.RECORD_TOO_LARGE(length=f"{len(payload_json):,}", limit=f"{MAX_RECORD_CHARS:,}"))
    return raw, None


def content_hash(mapping_digest: str, payload_json: str) -> str:
    return hashlib.sha256(f"{mapping_digest}\n{payload_json}".encode()).hexdigest()


@dataclass
class Provenance:
    """Who is writing: a harvest job or a pushed batch (both have a job row)."""

    job_id: int | None = None
    batch_id: str | None = None


@dataclass
class PreparedBatch:
    """A batch after the CPU work, ready to be written."""

    counts: Counts
    stamp: datetime
    seen: list = field(default_factory=list)  # instrument ids present in the batch
    reappeared: list = field(default_factory=list)  # ids of `seen` stored as absent from a complete listing
    rows: list = field(default_factory=list)  # (instruments row, owner dict, stored row or None)
    raw_rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    deletions: list = field(default_factory=list)  # RawRecords marked deleted
    hook_data: dict = field(default_factory=dict)  # store hooks' preparation of `rows`


class RecordWriter:
    def __init__(self, store, network: str, mapping, provenance: Provenance):
        self.store = store
        self.network = network
        self.mapping = mapping
        self.provenance = provenance
        self._owners: OwnerCache | None = None  # name -> (id, stored values), per batch's names
        # Ids read so far in this run → where the first one was, so that a repeat names it. Kept for
        # the whole run (a writer serves one job or one batch), deletions apart from listed records.
        self._firsts: dict[str, str] = {}
        self._deleted_firsts: dict[str, str] = {}
        self._read = 0

    # ------------------------------------------------------------------ records

    def write_batch(self, raws: list, conn=None, *, listing: bool = True, force: bool = False) -> Counts:
        """Apply one batch of RawRecords (explicit deletions included); return what happened.

        `listing`: the records come from the network's listing, so they count as seen (`last_seen`).
        `force`: map even records whose content hash is unchanged (`hub remap`).
        Runs in its own write transaction unless `conn` is given (then the caller commits).
        The CPU work (hashing, mapping, validation) happens before the write transaction starts, so
        several writers — other networks, pushed batches — hold SQLite's write lock only to write.
        """
        prepared = self.prepare(raws, force=force)
        if conn is None:
            with self.store.write() as conn:
                return self.apply(conn, prepared, listing=listing)
        return self.apply(conn, prepared, listing=listing)

    def prepare(self, raws: list, *, force: bool = False) -> "PreparedBatch":
        """Hash, compare with the store (a read) and map one batch; writes nothing."""
        batch = PreparedBatch(counts=Counts(fetched=len(raws)), stamp=now())
        if any(raw.repeat_of for raw in raws):
            raws = self._report_repeats(batch, raws)
        live = []
        for raw in self._drop_repeats(batch, raws):
            (batch.deletions if raw.deleted else live).append(raw)
        if not all(storable(raw.source_id) for raw in raws):
            live = self._drop_unstorable_ids(batch, live)
            batch.deletions = self._drop_unstorable_ids(batch, batch.deletions)
        batch.counts.deleted = len(batch.deletions)
        hashed = []
        for raw in live:
            payload_json = canonical_json(raw.payload)
            raw, problem = _screen(raw, payload_json)
            hashed.append((raw, payload_json, content_hash(self.mapping.digest, payload_json), problem))
        batch.seen = [instrument_id(self.network, raw.source_id) for raw, *_ in hashed]
        with self.store.read() as conn:
            existing = self._existing(conn, batch.seen)
        batch.reappeared = [iid for iid, before in existing.items() if before.absent_since is not None]

        counts, stamp = batch.counts, batch.stamp
        for (raw, payload_json, digest, problem), iid in zip(hashed, batch.seen):
            before = existing.get(iid)
            if not force and before is not None and before.content_hash == digest and before.withdrawn_at is None:
                counts.unchanged += 1
                continue
            if problem and problem[0] == "(record)" and len(payload_json) > MAX_RECORD_CHARS:
                # Too large to keep: its raw row would carry the very size the limit is there to refuse.
                batch.errors.append(self._error_row(raw.source_id, *problem, payload_json, stamp))
                counts.rejected += 1
                continue
            # Kept even when the record is rejected, so a fixed mapping can take it in without a refetch.
            batch.raw_rows.append(
                dict(
                    id=iid,
                    network=self.network,
                    source_id=raw.source_id,
                    payload=payload_json,
                    payload_hash=digest,
                    source_updated=raw.source_updated,
                    fetched_at=stamp,
                    job_id=self.provenance.job_id,
                )
            )
            if problem:
                batch.errors.append(self._error_row(raw.source_id, *problem, payload_json, stamp))
                counts.rejected += 1
                continue
            try:
                mapped = self.mapping.map_record(raw)
            except RecordError as exc:
                batch.errors.append(self._error_row(raw.source_id, exc.field, exc.message, payload_json, stamp))
                counts.rejected += 1
                continue
            for field_name, message in mapped.warnings:
                batch.errors.append(self._error_row(raw.source_id, field_name, message, payload_json, stamp, "warning"))
                counts.warnings += 1
            row, owner = split_record(mapped.record)
            row.update(
                content_hash=digest,
                withdrawn_at=None,
                withdrawn_reason=None,
                last_job_id=self.provenance.job_id,
                last_batch_id=self.provenance.batch_id,
            )
            batch.rows.append((row, owner, before))
        batch.hook_data = prepare_changes([(row, owner) for row, owner, _ in batch.rows], self.store.dialect)
        return batch

    def _report_repeats(self, batch, raws):
        """Records whose id repeats an earlier one of the listing (`hub.harvest.identify`) become
        errors and leave the batch: the first occurrence stands, nothing is overwritten unseen."""
        kept = []
        for raw in raws:
            if not raw.repeat_of:
                kept.append(raw)
                continue
            message = reasons.REPEATS_LISTED(where=raw.where or reasons.PLACE_THIS_RECORD(), first=raw.repeat_of, id=raw.source_id)
            batch.errors.append(self._error_row(raw.source_id, "(record id)", message, canonical_json(raw.payload), batch.stamp))
            batch.counts.repeated += 1  # a repeat is counted once, as repeated (see Counts)
        return kept

    def _drop_repeats(self, batch, raws):
        """The records of `raws` whose id is new to this run; each repeat becomes an error naming
        where the id came first (a listed record and a deletion of the same id are not repeats: the
        record ends withdrawn, as it would across two batches)."""
        kept = []
        for raw in raws:
            self._read += 1
            firsts = self._deleted_firsts if raw.deleted else self._firsts
            first = firsts.get(raw.source_id)
            if first is None:
                firsts[raw.source_id] = raw.where or reasons.PLACE_RECORD_OF[self._unit](number=f"{self._read:,}")
                kept.append(raw)
                continue
            where = reasons.PLACE_IN_PARENS(place=raw.where) if raw.where else ""
            repeats = reasons.REPEATS_EARLIER["deletion" if raw.deleted else "record", self._unit]
            batch.errors.append(
                self._error_row(
                    raw.source_id,
                    "(record id)",
                    repeats(first=first, where=where),
                    canonical_json(raw.payload),
                    batch.stamp,
                )
            )
            batch.counts.repeated += 1
        return kept

    @property
    def listed(self) -> Container[str]:
        """Source ids of the records this run has read so far (deletions apart): its listing, for
        `hub.store.listings.absent_from`. Kept anyway to name where a repeated id came first."""
        return self._firsts.keys()

    @property
    def _unit(self) -> str:
        return "batch" if self.provenance.batch_id else "run"

    def _drop_unstorable_ids(self, batch, live):
        """Records whose id cannot be stored become errors (their id escaped) and leave the batch."""
        kept = []
        for raw in live:
            problem = characters.problem(raw.source_id)
            if problem is None:
                kept.append(raw)
                continue
            batch.errors.append(
                self._error_row(raw.source_id, "(record id)", f"the record id {problem}", canonical_json(raw.payload), batch.stamp)
            )
            batch.counts.rejected += 1
        return kept

    def apply(self, conn, batch: "PreparedBatch", *, listing: bool = True) -> Counts:
        """Write a prepared batch inside `conn`'s write transaction."""
        try:
            return self._apply(conn, batch, listing)
        except BaseException:
            self._owners = None  # the transaction is lost; so may be owners the cache believes inserted
            raise

    def _apply(self, conn, batch, listing) -> Counts:
        batch.stamp = stamp = now()  # the write's time, not the mapping's (see `_write_raw`)
        counts = batch.counts
        # Another writer may have created some of these since `prepare` looked: those become updates.
        fresh = [row["id"] for row, _, before in batch.rows if before is None]
        created_meanwhile = set(conn.execute(select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.id.in_(fresh))).scalars()) if fresh else set()
        if self._owners is None:
            self._owners = OwnerCache()
        redescribed = settle_owners(conn, self.network, self._owners, [owner for _, owner, _ in batch.rows if owner])
        new_rows, changed_rows, changed_ids = [], [], []
        for row, owner, before in batch.rows:
            row["owner_id"] = self._owners[owner["name"]][0] if owner else None
            row["last_seen"] = stamp if listing or before is None else before.last_seen
            row["absent_since"] = None if listing or before is None else before.absent_since
            changed_ids.append(row["id"])
            if before is None and row["id"] not in created_meanwhile:
                row["first_seen"] = stamp
                new_rows.append(row)
                counts.created += 1
            else:
                changed_rows.append(row)
                counts.updated += 1
        insert_many(conn, INSTRUMENTS, new_rows)
        if changed_rows:
            self._update_rows(conn, changed_rows)
        if listing and batch.reappeared:
            # Unchanged (or rejected) records a complete listing had lacked are back: stamped, unmarked.
            # The others present are not written: the listing proves them (`hub.store.listings`).
            written = set(changed_ids)
            back = [iid for iid in batch.reappeared if iid not in written]
            if back:
                conn.execute(update(INSTRUMENTS).where(INSTRUMENTS.c.id.in_(back)).values(last_seen=stamp, absent_since=None))
                records_shown_changed(conn, [self.network])  # their last sighting, no document
        insert_many(conn, ERRORS, batch.errors)
        withdrawn = []
        if batch.deletions:
            withdrawn = self.withdraw(conn, [instrument_id(self.network, r.source_id) for r in batch.deletions], DELETED_AT_SOURCE)
            counts.withdrawn += len(withdrawn)
            # A deletion that found no active instrument withdrew nothing: counted as not found, not deleted.
            counts.not_found = len(batch.deletions) - len(withdrawn)
            counts.deleted = len(withdrawn)
        # The rows as written, with what the hooks prepared from them; then the withdrawn, read from
        # the store (a record listed and deleted in the same batch ends withdrawn).
        instruments_changed(conn, changed_ids, batch.hook_data)
        instruments_changed(conn, withdrawn)
        if redescribed:
            # The unit's other instruments show its new description (records join owner_units), so
            # their documents (owner type and level are search filters) and duplicate keys (its credit
            # code) follow it, in this transaction.
            written = set(changed_ids)
            others = [
                i
                for chunk in chunked(redescribed)
                for i in conn.execute(select(INSTRUMENTS.c.id).where(among(INSTRUMENTS.c.owner_id, chunk))).scalars()
            ]
            instruments_changed(conn, [i for i in others if i not in written])
        self._write_raw(conn, batch.raw_rows)
        self.stamp_withdrawn(conn, withdrawn)
        return counts.check("batch")

    @staticmethod
    def _write_raw(conn, raw_rows: list[dict]) -> None:
        """The payloads, stamped now, as the transaction's last write. Their `fetched_at` is the
        records' OAI-PMH datestamp (docs/oai.md, "Datestamp"), and a harvester that reads the store
        before the commit takes its responseDate as its next `from`: a change stamped earlier — when
        `prepare` mapped the batch, before it waited for SQLite's write lock behind other networks'
        batches, or before the search documents were written — would never be harvested."""
        stamp = now()
        for row in raw_rows:
            row["fetched_at"] = stamp
        upsert(conn, RAW, raw_rows, ("id",))

    def withdraw(self, conn, ids: list[str], reason: str) -> list[str]:
        """Tombstone active instruments of this network among `ids`; return those withdrawn. A caller
        that writes more in the transaction afterwards ends it with `stamp_withdrawn`."""
        write_out(conn, self.network, ids)  # their last sighting, which the listing alone held so far
        withdrawn, stamp = [], now()
        for chunk in chunked(ids):
            active = (
                conn.execute(
                    select(INSTRUMENTS.c.id).where(
                        INSTRUMENTS.c.network == self.network, among(INSTRUMENTS.c.id, chunk), INSTRUMENTS.c.withdrawn_at.is_(None)
                    )
                )
                .scalars()
                .all()
            )
            if active:
                conn.execute(
                    update(INSTRUMENTS)
                    .where(INSTRUMENTS.c.id.in_(active))
                    .values(
                        withdrawn_at=stamp,
                        withdrawn_reason=reason,
                        last_job_id=self.provenance.job_id,
                        last_batch_id=self.provenance.batch_id,
                    )
                )
                withdrawn += active
        return withdrawn

    @staticmethod
    def stamp_withdrawn(conn, ids: list[str]) -> None:
        """The withdrawal time of `ids`, withdrawn in this transaction, taken again now, as one of its
        last writes: it is their OAI-PMH datestamp, as `fetched_at` is a payload's (`_write_raw`).
        Taken by `withdraw`, it preceded the search documents, the listing and holds written after it
        (0.35-0.42 s for a batch of 490 deletions, 2026-12-07): a harvester that read the store in
        between and took its responseDate as its next `from` never saw the deletions when the
        commit fell in the next second."""
        stamp = now()
        for chunk in chunked(ids):
            conn.execute(update(INSTRUMENTS).where(among(INSTRUMENTS.c.id, chunk)).values(withdrawn_at=stamp))

    def record_error(self, conn, source_id, field_name, message, excerpt=None) -> None:
        insert_many(conn, ERRORS, [self._error_row(source_id, field_name, message, excerpt, now())])

    # ------------------------------------------------------------------ service statistics

    def write_service_batch(self, rows: list, conn=None) -> Counts:
        """Upsert service statistics (ServiceRows) for instruments this network lists."""
        if conn is None:
            with self.store.write() as conn:
                return self.write_service_batch(rows, conn)
        counts = Counts(fetched=len(rows))
        stamp = now()
        out, errors = {}, []
        for row in [r for r in rows if not storable(r.source_id)]:
            errors.append(
                self._error_row(
                    row.source_id, "(record id)", f"the record id {characters.problem(row.source_id)}", canonical_json(row.payload), stamp
                )
            )
            counts.rejected += 1
        rows = [r for r in rows if storable(r.source_id)]
        ids = [instrument_id(self.network, r.source_id) for r in rows]
        known = set(conn.execute(select(INSTRUMENTS.c.id).where(among(INSTRUMENTS.c.id, ids))).scalars()) if ids else set()
        stored = self._stored_service(conn, ids)
        for row, iid in zip(rows, ids):
            excerpt = canonical_json(row.payload)
            self._read += 1
            key = f"{row.source_id}\n{row.year}"
            if (first := self._firsts.get(key)) is not None:
                errors.append(
                    self._error_row(
                        row.source_id,
                        "(record id)",
                        f"repeats the statistics of {row.year} for this instrument, "
                        f"sent earlier in this {self._unit} ({first}); the first ones are taken",
                        excerpt,
                        stamp,
                    )
                )
                counts.repeated += 1
                continue
            self._firsts[key] = row.where or f"row {self._read:,} of this {self._unit}"
            if row.problem:
                errors.append(self._error_row(row.source_id, None, row.problem, excerpt, stamp))
                counts.rejected += 1
                continue
            if iid not in known:
                errors.append(
                    self._error_row(
                        row.source_id,
                        # The id's column is what the province's staff check against their listing.
                        self.mapping.service_id_path or self.mapping.source_id_path,
                        f"service statistics for {row.year} name an instrument the network does not list",
                        excerpt,
                        stamp,
                    )
                )
                counts.rejected += 1
                continue
            try:
                stats = self.mapping.map_service(row)
            except RecordError as exc:
                errors.append(self._error_row(row.source_id, exc.field, exc.message, excerpt, stamp))
                counts.rejected += 1
                continue
            stats = {k: v for k, v in stats.items() if k not in ("network", "source_id")}
            # New statistics, revised ones, or the same again: every row was counted as updated, so a
            # province could not tell a first year's figures from corrections (a steward's check).
            before = stored.get((iid, stats["year"]))
            if before is None:
                counts.created += 1
            elif all(_same_figure(before.get(k), v) for k, v in stats.items() if k != "year"):
                counts.unchanged += 1
                continue
            else:
                counts.updated += 1
            out[(iid, stats["year"])] = dict(stats, instrument_id=iid, network=self.network, job_id=self.provenance.job_id)
        upsert(conn, SERVICE, list(out.values()), ("instrument_id", "year"))
        insert_many(conn, ERRORS, errors)
        return counts.check("batch")

    @staticmethod
    def _stored_service(conn, ids: list[str]) -> dict:
        """(instrument id, year) → the stored statistics' figures, for the instruments of `ids`."""
        figures = [c for c in SERVICE.c if c.name not in ("instrument_id", "network", "year", "job_id")]
        rows = (
            conn.execute(select(SERVICE.c.instrument_id, SERVICE.c.year, *figures).where(among(SERVICE.c.instrument_id, chunk)))
            for chunk in chunked(ids)
        )
        return {(r.instrument_id, r.year): {c.name: r._mapping[c.name] for c in figures} for batch in rows for r in batch}

    # ------------------------------------------------------------------ helpers

    def _existing(self, conn, ids):
        if not ids:
            return {}
        rows = conn.execute(
            select(
                INSTRUMENTS.c.id,
                INSTRUMENTS.c.content_hash,
                INSTRUMENTS.c.withdrawn_at,
                INSTRUMENTS.c.last_seen,
                INSTRUMENTS.c.absent_since,
            ).where(among(INSTRUMENTS.c.id, ids))
        )
        return {r.id: r for r in rows}

    def _update_rows(self, conn, rows):
        columns = [c for c in rows[0] if c != "id"]
        stmt = update(INSTRUMENTS).where(INSTRUMENTS.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
        conn.execute(stmt, [dict(r, _id=r["id"]) for r in rows])

    def _error_row(self, source_id, field_name, message, excerpt, stamp, severity="error"):
        # Every text of an error row is made storable here, the one place they are built: a message
        # may quote the bad value, and a rejected id may be the bad value.
        def clean(text, size):
            return escaped(str(text))[:size] if text is not None else None

        return dict(
            job_id=self.provenance.job_id,
            batch_id=self.provenance.batch_id,
            network=self.network,
            source_id=clean(source_id, MAX_ERROR_ID),
            field=clean(field_name, MAX_ERROR_FIELD),
            severity=severity,
            message=clean(message, 2000),
            raw_excerpt=clean(excerpt[:EXCERPT_CHARS], EXCERPT_CHARS) if excerpt else None,
            created_at=stamp,
        )


def _same_figure(stored, sent) -> bool:
    """Whether a stored statistic equals the one sent (a Decimal income read back as a Decimal or as
    text, hours as floats)."""
    if stored is None or sent is None:
        return stored is None and sent is None
    try:
        return float(stored) == float(sent)
    except (TypeError, ValueError):
        return stored == sent


def active_count(conn, network: str) -> int:
    return conn.execute(
        select(func.count()).select_from(INSTRUMENTS).where(INSTRUMENTS.c.network == network, INSTRUMENTS.c.withdrawn_at.is_(None))
    ).scalar_one()
