"""One harvest of one network: listing → raw records → mapping → validation → store.

Gather and import are interleaved batch by batch, so memory stays flat whatever the size of the
network and everything read before a failure is kept; for networks read page by page the next batch
is fetched while this one is written (`hub.harvest.readahead`). The rules of design.md hold here:
1 withdrawal guard (`hub.harvest.guard`), 2 bad records recorded and skipped (`RecordWriter`),
3 every run a job with a state (`hub.harvest.jobs`), 4 unchanged records cost a hash,
5 timeouts, retries and caps (`hub.http`), 6/7 in the connectors.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from connectors import connector_class
from connectors.base import SourceUnchanged
from hub import reasons, stopping
from hub.errors import ConnectorError
from hub.harvest import guard, lease
from hub.dedup.store import resolve_pending
from hub.harvest.jobs import JOBS, Counts, as_utc, end_interrupted, finish_job, heartbeat, now, recover_orphans, start_job
from hub.harvest.identify import identify
from hub.harvest.readahead import read_ahead
from hub.harvest.writer import Provenance, RecordWriter, active_count
from hub.http import HttpClient
from hub.mapping import Mapping
from hub.schema import ABSENT_FROM_LISTING
from hub.search import postings, stale_counts
from hub.telemetry import Phases, Telemetry

log = logging.getLogger(__name__)

#: An incremental run asks for changes since the last good run's start minus this, so that records
#: changed while that run was reading are not missed (sources stamp times with their own clocks).
INCREMENTAL_OVERLAP = timedelta(minutes=10)


@dataclass
class RunResult:
    network: str
    kind: str
    job_id: int | None  # None: skipped, no job was started
    state: str
    counts: Counts
    message: str | None
    telemetry: dict = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return dict(
            network=self.network,
            kind=self.kind,
            job_id=self.job_id,
            state=self.state,
            message=self.message,
            seconds=round(self.seconds, 2),
            telemetry=self.telemetry,
            **self.counts.report("job"),
        )


#: A batch is written when it is full or when its first record is this old, so a slow network's
#: progress is committed (and visible) as it goes rather than only every `batch_size` records.
MAX_BATCH_SECONDS = 2.0


def _batches(iterable, size, max_seconds=MAX_BATCH_SECONDS):
    """Lists of up to `size` items. When the source fails, the items it yielded before the failure
    still come out as a last batch, then the error: what was read is kept."""
    batch, opened = [], 0.0
    try:
        for item in iterable:
            if not batch:
                opened = time.monotonic()
            batch.append(item)
            if len(batch) == size or time.monotonic() - opened >= max_seconds:
                yield batch
                batch = []
    except ConnectorError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _source(connector, records, batch_size):
    """Batches of `records`; for page-by-page networks, the next batch is fetched while this one
    waits for the write lock and is written."""
    batches = _batches(records, batch_size)
    if connector.sequential_pages:
        return read_ahead(batches, name=f"read-{connector.network.code}")
    return iter(batches)


#: Places of repeated header rows a run's message names; the rest are counted.
HEADERS_NAMED = 20


def repeated_headers_note(headers: list[str]) -> str:
    """The run's message about rows that were the table's header again: no records, so not counted
    (as a pushed batch's report lists them under `repeated_headers`)."""
    named = ", ".join(headers[:HEADERS_NAMED]) + (f" and {len(headers) - HEADERS_NAMED} more" if len(headers) > HEADERS_NAMED else "")
    said = "1 row repeats the header (not a record" if len(headers) == 1 else f"{len(headers)} rows repeat the header (not records"
    return f"{said}, not counted): {named}"


def _summary(telemetry: Telemetry, phases: Phases) -> dict:
    """A job's telemetry: its requests, and the wall seconds of each phase so far (`phases_s`)."""
    return {**telemetry.summary(), "phases_s": phases.summary()}


class Harvester:
    """Runs harvests for the networks of one deployment."""

    def __init__(self, store, settings, *, progress=None, http_factory=HttpClient):
        self.store = store
        self.settings = settings
        self.progress = progress or (lambda network, kind, counts: None)
        self.http_factory = http_factory

    def harvest(
        self, network, *, full: bool = False, year: int | None = None, holder: str | None = None, takes_over: str | None = None
    ) -> list[RunResult]:
        """Harvest instruments (incremental where possible unless `full`), then the year's statistics.

        `holder` names the lease's holder and `takes_over` a holder prefix whose lease it may take (a
        queue job retried after its worker died or froze takes the lease of the attempt before, which
        then writes nothing more: `lease.check` in each of its writes). Raises
        `hub.harvest.lease.LeaseBusy` when another process is harvesting the network."""
        # One harvest per network at a time, whoever starts it (scheduler, `hub harvest`, "harvest
        # now", a queue job): the network's lease in the database is held for the whole run.
        purpose = "full" if full else "harvest"
        ttl = lease.ttl_of(self.settings)
        with lease.hold(self.store, network.code, ttl=ttl, purpose=purpose, holder=holder, takes_over=takes_over) as held:
            # Whoever holds the lease is the network's only harvester: a harvest of it still marked
            # running was left by a process that died. Found here through the database, from any host.
            recover_orphans(self.store, network.code)
            # Kept counts a dead harvest left stale (of this network or another) are counted again.
            stale_counts.heal(self.store)
            results = [self.harvest_instruments(network, full=full, held=held)]
            if year is not None:
                results.append(self.harvest_service(network, year))
        return results

    # ------------------------------------------------------------------ instruments

    def harvest_instruments(self, network, *, full: bool = False, held: lease.Lease | None = None) -> RunResult:
        """One harvest of `network`'s instruments. `held`: the network's lease this run holds, checked
        in every write transaction (a run whose lease was taken over stops: `lease.LeaseLost`)."""
        fence = (lambda conn: lease.check(conn, held)) if held is not None else (lambda conn: None)  # noqa: E731
        mapping = Mapping.load(network.mapping_path)
        telemetry, phases = Telemetry(), Phases()
        http = self.http_factory(network.code, self.settings.http, telemetry)
        connector = connector_class(network.family)(network, http)
        since = None if full or not connector.incremental else self._incremental_since(network)
        kind = "incremental" if since else "full"
        job = start_job(self.store, network.code, kind, since=since)
        try:
            writer = RecordWriter(self.store, network.code, mapping, Provenance(job_id=job.id))
            started = time.perf_counter()
            with self.store.read() as conn:
                active_before = active_count(conn, network.code)
            complete, failure, unchanged = False, None, None
            if connector.conditional:
                connector.validators = self._last_validators(network.code)
            records = connector.list_records(since)
            headers: list[str] = []  # where a table's header came again (no records, not counted)
            if connector.table_rows:
                records = mapping.table_records(records, headers)
            if connector.ids_from_mapping:
                records = identify(records, mapping)
            batches = _source(connector, records, self.settings.batch_size)
            # The network's kept facet counts are counted once at the end, not batch by batch.
            with stale_counts.deferring(self.store, network.code, job.id):
                try:
                    for batch in phases.timed("reading", batches):
                        stopping.check()  # a stop a signal asked for, if its exception was lost
                        with phases.timing("preparing"):
                            prepared = writer.prepare(batch)
                        with phases.writing(self.store) as conn:
                            fence(conn)
                            job.counts.add(writer.apply(conn, prepared))
                            heartbeat(conn, job, _summary(telemetry, phases))
                        self.progress(network.code, kind, job.counts)
                    complete = True
                except SourceUnchanged as exc:
                    # Nothing was read, so nothing can have changed, been listed or gone missing.
                    complete, unchanged = True, f"unchanged since the last complete listing: {exc}"
                except ConnectorError as exc:
                    failure = str(exc)
                    log.warning("%s", exc)
                except BaseException as exc:
                    # A bug or an interruption: recorded at once, before the reader is joined and the
                    # facets are counted again, then let it propagate (the job must not stay running).
                    end_interrupted(self.store, job, exc, telemetry=_summary(telemetry, phases))
                    raise
                finally:
                    batches.close()  # the reader stops before its HTTP session closes
                    http.close()

                notes = [failure, unchanged, *connector.notes]
                if job.counts.repeated:
                    notes.append(reasons.NOTE_REPEATS(count=job.counts.repeated))
                if headers:
                    notes.append(repeated_headers_note(headers))
                state = "succeeded" if complete else "failed"
                summary = _summary(telemetry, phases)
                if connector.conditional:
                    # Kept with the run that proved them: the next run asks "changed since these?".
                    summary["validators"] = connector.validators if complete else {}
                if unchanged:
                    finish_job(self.store, job, state, message="; ".join(filter(None, notes)), listing_complete=True, telemetry=summary)
                    return RunResult(network.code, kind, job.id, state, job.counts, unchanged, summary, time.perf_counter() - started)
                if kind == "full":
                    with phases.timing("withdrawals"):
                        enforced = guard.enforce(
                            self.store,
                            job,
                            writer,
                            complete=complete,
                            active_before=active_before,
                            withdrawal=self.settings.withdrawal,
                            reason=ABSENT_FROM_LISTING,
                            fence=fence,
                        )
                    decision = enforced.decision
                    if decision.action != "none":
                        notes.append(decision.reason)
                    if enforced.superseded:
                        notes.append(reasons.NOTE_SUPERSEDED(holds=", ".join(map(str, enforced.superseded))))
                    if complete and job.counts.fetched < self.settings.withdrawal["min_listing"] and active_before:
                        state = "failed"  # an empty listing of a network that had instruments is a fault, not news
                counting = time.perf_counter()  # the block's end counts the network's facets again
            phases.since("counting", counting)
            summary["phases_s"] = phases.summary()
            message = "; ".join(filter(None, notes))
            finish_job(self.store, job, state, message=message or None, listing_complete=complete, telemetry=summary)
            # Duplicates across networks: only the blocks of the records this run changed. After the job
            # has ended, so its row holds the phases before; the run's result adds this one.
            with phases.timing("duplicates"):
                resolve_pending(self.store, network=network.code)
            if postings.kept(self.store):  # the network's lists, stale since its first batch
                with phases.timing("search lists"):
                    postings.refresh(self.store, [network.code])
            summary = {**summary, "phases_s": phases.summary()}
            return RunResult(network.code, kind, job.id, state, job.counts, message or None, summary, time.perf_counter() - started)
        except BaseException as exc:
            # Wherever it landed, even before the listing or after it: never left running (design rule 3).
            end_interrupted(self.store, job, exc, telemetry=_summary(telemetry, phases))
            raise

    def _last_validators(self, code: str) -> dict:
        """The ETag / Last-Modified per URL that the last complete listing of `code` left."""
        with self.store.read() as conn:
            row = conn.execute(
                select(JOBS.c.telemetry)
                .where(
                    JOBS.c.network == code,
                    JOBS.c.kind == "full",
                    JOBS.c.state == "succeeded",
                    JOBS.c.listing_complete.is_(True),
                )
                .order_by(JOBS.c.started_at.desc(), JOBS.c.id.desc())
                .limit(1)
            ).first()
        return dict(((row.telemetry or {}) if row else {}).get("validators") or {})

    def _incremental_since(self, network):
        """Start of the last complete run minus an overlap; None (a full run) when a full one is due."""
        every = timedelta(days=network.schedule.get("full_every_days") or 7)
        with self.store.read() as conn:
            rows = conn.execute(
                select(JOBS.c.kind, JOBS.c.started_at)
                .where(
                    JOBS.c.network == network.code,
                    JOBS.c.kind.in_(("full", "incremental")),
                    JOBS.c.state == "succeeded",
                    JOBS.c.listing_complete.is_(True),
                )
                .order_by(JOBS.c.started_at.desc())
                .limit(50)
            ).all()
        if not rows:
            return None
        last_full = next((r.started_at for r in rows if r.kind == "full"), None)
        if last_full is None or as_utc(last_full) < now() - every:
            return None
        return as_utc(rows[0].started_at) - INCREMENTAL_OVERLAP

    # ------------------------------------------------------------------ service statistics

    def harvest_service(self, network, year: int) -> RunResult:
        mapping = Mapping.load(network.mapping_path)
        telemetry = Telemetry()
        http = self.http_factory(network.code, self.settings.http, telemetry)
        connector = connector_class(network.family)(network, http)
        job = start_job(self.store, network.code, "service", year=year)
        try:
            writer = RecordWriter(self.store, network.code, mapping, Provenance(job_id=job.id))
            started = time.perf_counter()
            state, message = "succeeded", None
            batches = _source(connector, connector.service_stats(year), self.settings.batch_size)
            try:
                for batch in batches:
                    stopping.check()
                    with self.store.write() as conn:
                        job.counts.add(writer.write_service_batch(batch, conn))
                        heartbeat(conn, job, telemetry.summary())
                    self.progress(network.code, "service", job.counts)
            except ConnectorError as exc:
                state, message = "failed", str(exc)
            except BaseException as exc:
                end_interrupted(self.store, job, exc, telemetry=telemetry.summary())
                raise
            finally:
                batches.close()  # the reader stops before its HTTP session closes
                http.close()
            finish_job(self.store, job, state, message=message, listing_complete=state == "succeeded", telemetry=telemetry.summary())
            return RunResult(
                network.code, "service", job.id, state, job.counts, message, telemetry.summary(), time.perf_counter() - started
            )
        except BaseException as exc:
            # Wherever it landed, even before the first batch or as the job ends: never left running.
            end_interrupted(self.store, job, exc, telemetry=telemetry.summary())
            raise
