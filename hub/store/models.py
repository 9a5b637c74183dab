"""Tables of the national store. Migrations in `hub/store/migrations/` create them; keep both in step.

Instruments are stored flat (one column per common-schema field) so that search, facets and exports
read one row per instrument; owner units are their own table because statistics and evaluation count
them. Provenance columns record the job or batch that last changed a row, and `raw_records` keeps the
payload it came from so `hub remap` works without refetching.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Network(Base):
    __tablename__ = "networks"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(50))
    family: Mapped[str] = mapped_column(String(30))


class OwnerUnit(Base):
    __tablename__ = "owner_units"
    __table_args__ = (UniqueConstraint("network", "name", name="uq_owner_network_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    type: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(20))


class Instrument(Base):
    __tablename__ = "instruments"
    __table_args__ = (
        UniqueConstraint("network", "source_id", name="uq_instrument_network_source"),
        # With the name: one network's active names are counted from the index alone (hub.search.lexicon).
        Index("ix_instruments_network_withdrawn_name", "network", "withdrawn_at", "name"),
        Index("ix_instruments_category", "category"),
        Index("ix_instruments_city", "city_code"),
        Index("ix_instruments_value", "original_value"),
    )
    id: Mapped[str] = mapped_column(String(140), primary_key=True)  # "<network>:<source_id>"
    network: Mapped[str] = mapped_column(String(6))
    source_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(6))
    model: Mapped[str | None] = mapped_column(String(200))
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    original_value: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    # A value stated in another currency: kept as stated, never converted, never summed as yuan.
    value_foreign_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    value_foreign_currency: Mapped[str | None] = mapped_column(String(3))  # ISO 4217, never CNY
    commissioned: Mapped[str | None] = mapped_column(String(10))  # ISO, precision kept: 2011 / 2011-06 / 2011-06-15
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner_units.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(String(6))
    province_name: Mapped[str | None] = mapped_column(String(50))
    city_code: Mapped[str | None] = mapped_column(String(6))
    city_name: Mapped[str | None] = mapped_column(String(50))
    county_code: Mapped[str | None] = mapped_column(String(6))
    county_name: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(6))
    specs: Mapped[str | None] = mapped_column(Text)
    functions: Mapped[str | None] = mapped_column(Text)
    services: Mapped[str | None] = mapped_column(Text)
    acquisition: Mapped[str | None] = mapped_column(String(10))  # purchased / developed / donated / other
    customs_supervised: Mapped[bool | None] = mapped_column(Boolean)
    achievements: Mapped[str | None] = mapped_column(Text)
    sharing_rules: Mapped[str | None] = mapped_column(Text)
    fee_text: Mapped[str | None] = mapped_column(Text)
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    fee_unit: Mapped[str | None] = mapped_column(String(20))
    booking_url: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(30))
    sharing: Mapped[str | None] = mapped_column(String(10))
    certifications: Mapped[str | None] = mapped_column(String(30))  # "CMA,CNAS" in that order
    certified: Mapped[bool] = mapped_column(Boolean, default=False)
    subjects: Mapped[str | None] = mapped_column(String(100))  # GB/T 13745 codes, comma-separated
    # provenance
    source_updated: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When the record was last written or came back into its network's listing. A complete listing
    # that finds it unchanged does not write it: `network_listings.listed_at` says when that listing
    # was, and the record's last sighting is the later of the two (`hub.harvest.listing`).
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when a complete listing lacked the record but it stayed active (the withdrawal was held, or
    # nothing was withdrawn): its `last_seen` is then exact. Cleared when the record is listed again.
    absent_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    last_job_id: Mapped[int | None] = mapped_column(Integer)
    last_batch_id: Mapped[str | None] = mapped_column(String(64))


class ServiceStats(Base):
    __tablename__ = "service_stats"
    instrument_id: Mapped[str] = mapped_column(String(140), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(6), index=True)
    effective_hours: Mapped[float | None] = mapped_column(Float)
    external_hours: Mapped[float | None] = mapped_column(Float)
    external_services: Mapped[int | None] = mapped_column(Integer)
    enterprise_services: Mapped[int | None] = mapped_column(Integer)
    samples: Mapped[int | None] = mapped_column(Integer)
    external_samples: Mapped[int | None] = mapped_column(Integer)
    income: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    job_id: Mapped[int | None] = mapped_column(Integer)


class HarvestJob(Base):
    """One run against one network: a harvest (full or incremental), a service-stats fetch, a remap,
    or a pushed batch. `state` is running → succeeded | partial | failed | crashed; a running job whose
    process is gone is marked crashed (design rule 3)."""

    __tablename__ = "harvest_jobs"
    __table_args__ = (Index("ix_jobs_network_started", "network", "started_at"), Index("ix_jobs_state", "state"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(20))  # full | incremental | service | remap | push
    state: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    host: Mapped[str | None] = mapped_column(String(100))
    pid: Mapped[int | None] = mapped_column(Integer)
    since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    year: Mapped[int | None] = mapped_column(Integer)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # Explicit deletions: those that withdrew an instrument, and those whose id had no active one
    # (hub.harvest.jobs.Counts). NULL on rows migration 0020 found with deletions: not recorded then.
    deleted: Mapped[int | None] = mapped_column(Integer)
    not_found: Mapped[int | None] = mapped_column(Integer)
    listing_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str | None] = mapped_column(Text)
    telemetry: Mapped[dict | None] = mapped_column(JSON)


class RecordErrorRow(Base):
    """A record that was skipped, with where and why (design rule 2)."""

    __tablename__ = "record_errors"
    # ix_errors_batch: a push's report reads its record errors by batch.
    __table_args__ = (Index("ix_errors_job", "job_id"), Index("ix_errors_network", "network"), Index("ix_errors_batch", "batch_id"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    job_id: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[str | None] = mapped_column(String(64))
    network: Mapped[str] = mapped_column(String(6))
    source_id: Mapped[str | None] = mapped_column(String(120))
    field: Mapped[str | None] = mapped_column(String(100))  # in the network's own naming, e.g. "YZ"
    severity: Mapped[str] = mapped_column(String(10), default="error")  # error: record skipped; warning: value dropped
    message: Mapped[str] = mapped_column(Text)
    raw_excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RawRecordRow(Base):
    """The latest payload of each record as its network sent it."""

    __tablename__ = "raw_records"
    __table_args__ = (Index("ix_raw_network", "network"),)
    id: Mapped[str] = mapped_column(String(140), primary_key=True)
    network: Mapped[str] = mapped_column(String(6))
    source_id: Mapped[str] = mapped_column(String(120))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, as hashed
    payload_hash: Mapped[str] = mapped_column(String(64))
    source_updated: Mapped[str | None] = mapped_column(String(40))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    job_id: Mapped[int | None] = mapped_column(Integer)


class WithdrawalHold(Base):
    """Withdrawals a run wanted beyond the configured share: held until an operator decides."""

    __tablename__ = "withdrawal_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(6), index=True)
    job_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    listed: Mapped[int] = mapped_column(Integer)
    active_before: Mapped[int] = mapped_column(Integer)
    instrument_ids: Mapped[list] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="held")  # held | confirmed | rejected | superseded
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A superseded hold's newer listing (hub.harvest.guard): the job of its run (a harvest job, or a
    # pushed batch's job) and, when it was pushed, its batch. `decided_by` names it for people.
    superseded_by_batch: Mapped[str | None] = mapped_column(String(64))
    superseded_by_job: Mapped[int | None] = mapped_column(Integer)


class Evaluation(Base):
    """A scoring run of an evaluation framework, with its whole report (byte-identical per inputs)."""

    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(300))
    period: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(100))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    report_sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[str] = mapped_column(Text)  # report.json exactly as written


class EvaluationRequest(Base):
    """An evaluation asked for through the API, run by the job queue (task `evaluate`): the validated
    arguments and the input tables as sent, then its state and outcome (migration 0013)."""

    __tablename__ = "evaluation_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # queued, running, succeeded, failed
    arguments: Mapped[dict] = mapped_column(JSON)  # framework_path, period(s), seed, runs, as_of, title, publish
    # [{name, base64}]: the bytes as sent (the report hashes them), in the row so any worker host reads them
    inputs: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_role: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluations.id"))
    problem: Mapped[dict | None] = mapped_column(JSON)  # a failed one's problem document (status, type, detail, …)


# --------------------------------------------------------------------------- operations (migration 0004)
# Unattended operation (docs/operations.md): the lease that keeps one harvest per network at a time,
# each network's schedule as data, health probes, and alerts.


class NetworkLease(Base):
    """Who may harvest a network right now. Taken atomically, renewed while the holder lives, and
    takeable by anyone once `expires_at` has passed (a holder that died leaves nothing stuck)."""

    __tablename__ = "network_leases"
    network: Mapped[str] = mapped_column(String(6), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # host:pid:uuid
    purpose: Mapped[str | None] = mapped_column(String(40))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NetworkListing(Base):
    """Each network's last complete listing whose absences were settled (withdrawn, held or none):
    every active record of the network without `absent_since` was in it (`hub.harvest.listing`)."""

    __tablename__ = "network_listings"
    network: Mapped[str] = mapped_column(String(6), primary_key=True)
    job_id: Mapped[int | None] = mapped_column(Integer)
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NetworkSchedule(Base):
    """Each pulled network's schedule state: its next run (as the scheduler computed it) and a pending
    "harvest now" request from the dashboard or the API."""

    __tablename__ = "network_schedules"
    network: Mapped[str] = mapped_column(String(6), primary_key=True)
    trigger: Mapped[str | None] = mapped_column(String(100))  # "interval 360 min" / "cron 0 2 * * *"
    next_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str | None] = mapped_column(String(100))
    requested_full: Mapped[bool] = mapped_column(Boolean, default=False)
    # The due time of the last scheduled harvest a scheduler claimed: of several schedulers, one
    # harvests each due time (hub.ops.scheduler.claim_due).
    claimed_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Probe(Base):
    """One light request to a network, apart from harvests: was it reachable, and how fast."""

    __tablename__ = "probes"
    __table_args__ = (Index("ix_probes_network_at", "network", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(6))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(40))  # "ok" or the ConnectorError kind (http_503, timeout, …)
    message: Mapped[str | None] = mapped_column(Text)


class Alert(Base):
    """A condition an operator must see: `failed_runs` (N runs in a row failed) or `unreachable`
    (probes failing for a configured time). Open while `closed_at` is null."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_network_closed", "network", "closed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(Text)
    notified: Mapped[str | None] = mapped_column(Text)  # what the notifier said (delivery or its failure)


class StoreIdentity(Base):
    """One row, written by the migration that creates it: tells this store from another created later
    at the same URL (a demo store removed and built again), whose index versions start over and can
    repeat this one's. Kept search answers are filed under it (hub.web.api.answers)."""

    __tablename__ = "store_identity"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
