"""The tables of duplicate resolution (created by migration 0007_i14_dedup), on their own so that the
export's record query can read a record's cluster without importing the resolver."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

metadata = MetaData()
CLUSTERS = Table(
    "instrument_clusters", metadata,
    Column("instrument_id", String(140), primary_key=True),
    Column("network", String(6)),
    Column("cluster_id", String(140)),
    Column("key_credit", String(300)),
    Column("key_owner", String(300)),
    Column("key_year", String(300)),
)
DIRTY = Table("dedup_dirty", metadata, Column("instrument_id", String(140), primary_key=True))
DECISIONS = Table(
    "cluster_decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10)),
    Column("instrument_a", String(140)),
    Column("instrument_b", String(140)),
    Column("actor", String(200)),
    Column("decided_at", DateTime(timezone=True)),
)
