"""The tables of duplicate resolution (created by migration 0009), on the store's metadata
(so the schema-drift check sees them) and on their own, so that the export's record query can read
a record's cluster without importing the resolver."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, String, Table, true

from hub.store.models import Base

CLUSTERS = Table(
    "instrument_clusters",
    Base.metadata,
    Column("instrument_id", String(140), primary_key=True),
    Column("network", String(6), nullable=False),
    Column("cluster_id", String(140), nullable=False, index=True),
    # the record's blocking keys: which records to re-resolve when it changes
    Column("key_credit", String(300), index=True),
    Column("key_owner", String(300), index=True),
    Column("key_year", String(300), index=True),
    # migration 0010: the record that stands for its cluster in search and national totals
    # (hub.dedup.representative), and when the record's cluster last changed (its OAI datestamp follows)
    Column("representative", Boolean, nullable=False, server_default=true()),
    Column("clustered_at", DateTime(timezone=True)),
    # the lowest similarity between two records of the cluster (NULL alone): operators review the weakest first
    Column("weakest_score", Float),
)
DIRTY = Table("dedup_dirty", Base.metadata, Column("instrument_id", String(140), primary_key=True))
DECISIONS = Table(
    "cluster_decisions",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # confirm | split
    Column("instrument_a", String(140), nullable=False, index=True),
    Column("instrument_b", String(140), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)
