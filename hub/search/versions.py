"""The index's version per network: bumped where documents change, read where results are cached.

Exact invalidation without a global hot row: a writer bumps the versions of the networks whose
documents it changed, inside its own transaction, so a reader that sees a version also sees every
document written before it (the bump commits with them). Harvests of different networks touch
different rows and never wait for each other.

Each bump also notes what its version changed (search_changes: the instruments whose documents it
wrote, removed or re-flagged), so that a process holding columns by docid (hub.search.columns) reads
those documents again rather than every document of the network.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, delete, insert, or_, select

from hub.search.tables import changes, versions
from hub.store.bulk import dialect_insert

#: Versions of each network whose changes are kept (`changes_since`): a process that has not looked
#: for longer (64 batches of a harvest) reads the network whole, as after a rebuild. A batch's ids
#: are ~10 KB.
KEEP_CHANGES = 64


def network_of(instrument_id: str) -> str:
    return instrument_id.split(":", 1)[0]


def bump(conn, instrument_ids) -> None:
    """Advance the version of every network among `instrument_ids` (ids are "<network>:<source id>"),
    noting those ids as what the new version changed."""
    changed: dict[str, set[str]] = defaultdict(set)
    for i in instrument_ids:
        changed[network_of(i)].add(i)
    _advance(conn, {n: "\n".join(sorted(ids)) for n, ids in changed.items()})


def bump_networks(conn, networks, *, documents: bool = True) -> None:
    """Advance the version of each of these networks. `documents`: whether their documents may have
    changed in ways not listed (a rebuild, a write by hand); False for a write that changes what their
    records show without writing a document (a record's last sighting)."""
    _advance(conn, dict.fromkeys(networks, None if documents else ""))


def _advance(conn, changed: dict[str, str | None]) -> None:
    networks = sorted(changed)  # sorted: concurrent writers lock rows in one order
    if not networks:
        return
    ins = dialect_insert(conn.dialect.name, versions).values([{"network": n, "version": 1} for n in networks])
    conn.execute(ins.on_conflict_do_update(index_elements=["network"], set_={"version": versions.c.version + 1}))
    # Read back, not RETURNING: on SQLite the upsert with RETURNING took ~11 ms inside a harvest's batch
    # transaction (0.5 ms without), 1.1 s of a 41,000-record network's harvest.
    _note(conn, dict(conn.execute(select(versions.c.network, versions.c.version).where(versions.c.network.in_(networks))).all()), changed)


def _note(conn, now: dict[str, int], changed: dict[str, str | None]) -> None:
    """Note what each network's new version changed, and forget what is no longer kept."""
    conn.execute(insert(changes), [{"network": n, "version": v, "ids": changed[n]} for n, v in now.items()])
    conn.execute(delete(changes).where(or_(*(and_(changes.c.network == n, changes.c.version <= v - KEEP_CHANGES) for n, v in now.items()))))


def changes_since(conn, network: str, held: int | None, current: int | None) -> set[str] | None:
    """The instrument ids whose documents changed in `network` after version `held` up to `current`,
    or None when that is not known (a version without a note: before migration 0022, a rebuild, one
    no longer kept)."""
    if held is None or current is None or current < held:
        return None
    rows = (
        conn.execute(select(changes.c.ids).where(changes.c.network == network, changes.c.version > held, changes.c.version <= current))
        .scalars()
        .all()
    )
    if len(rows) != current - held or any(ids is None for ids in rows):
        return None
    return {i for ids in rows for i in ids.split("\n") if i}


def current(conn) -> tuple:
    """The versions of every network, as one hashable value."""
    return tuple(conn.execute(select(versions.c.network, versions.c.version).order_by(versions.c.network)).all())


def of(conn, network: str) -> int | None:
    """One network's version (None before its first document)."""
    return conn.execute(select(versions.c.version).where(versions.c.network == network)).scalar()
