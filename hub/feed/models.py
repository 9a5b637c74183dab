"""The pushed-batch table (migration 0003 creates it).

A batch row is written, body included, before anything is applied: a crash at any later point leaves a
row the worker finds and processes again (`state` queued/processing), so nothing a province was told
we received is lost. The first answer is kept byte for byte for idempotent replays.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.models import Base


class PushBatch(Base):
    __tablename__ = "push_batches"
    __table_args__ = (
        UniqueConstraint("network", "idempotency_key", name="uq_push_network_key"),
        Index("ix_push_state", "state"),
        Index("ix_push_network_received", "network", "received_at"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    network: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(20))  # instruments | service
    mode: Mapped[str] = mapped_column(String(20))  # upsert | delete | snapshot
    year: Mapped[int | None] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(10))  # json | csv | xml
    encoding: Mapped[str | None] = mapped_column(String(20))
    token_id: Mapped[str | None] = mapped_column(String(16))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # cleared once the batch is processed
    body_bytes: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))  # queued | processing | done | failed
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_host: Mapped[str | None] = mapped_column(String(100))
    claimed_pid: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    job_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[dict | None] = mapped_column(JSON)  # counts, withdrawal decision, unknown ids, failure
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)  # the first answer, replayed byte-identical


BATCHES = PushBatch.__table__
