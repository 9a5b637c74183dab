"""The index's version per network: bumped where documents change, read where results are cached.

Exact invalidation without a global hot row: a writer bumps the versions of the networks whose
documents it changed, inside its own transaction, so a reader that sees a version also sees every
document written before it (the bump commits with them). Harvests of different networks touch
different rows and never wait for each other.
"""

from __future__ import annotations

from sqlalchemy import select

from hub.search.tables import versions
from hub.store.bulk import dialect_insert


def network_of(instrument_id: str) -> str:
    return instrument_id.split(":", 1)[0]


def bump(conn, instrument_ids) -> None:
    """Advance the version of every network among `instrument_ids` (ids are "<network>:<source id>")."""
    bump_networks(conn, {network_of(i) for i in instrument_ids})


def bump_networks(conn, networks) -> None:
    """Advance the version of each of these networks (also for a write that changes what their
    records show without writing a document: a record's last sighting)."""
    networks = sorted(set(networks))  # sorted: concurrent writers lock rows in one order
    if networks:
        ins = dialect_insert(conn.dialect.name, versions).values([{"network": n, "version": 1} for n in networks])
        conn.execute(ins.on_conflict_do_update(index_elements=["network"], set_={"version": versions.c.version + 1}))


def current(conn) -> tuple:
    """The versions of every network, as one hashable value."""
    return tuple(conn.execute(select(versions.c.network, versions.c.version).order_by(versions.c.network)).all())


def of(conn, network: str) -> int | None:
    """One network's version (None before its first document)."""
    return conn.execute(select(versions.c.version).where(versions.c.network == network)).scalar()
