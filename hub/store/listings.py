"""What a complete listing proves, without writing every record it found (issue 17).

A full listing used to stamp `last_seen` on every row it named, changed or not: a rewrite of the
whole network on every run (a million rows, their WAL or dead tuples, for nothing that changed), only
so that withdrawal could ask "which active rows were not stamped?". Now:

* the writer writes what changed and nothing else; an unchanged record is left alone, unless it comes
  back after a listing lacked it (`absent_since` set): then it is stamped and the mark cleared;
* the run keeps the ids it read — the writer holds them anyway, to report a repeated id — and
  `absent_from` walks the network's active records in id order, in bounded pages, keeping those the
  listing did not name: the candidates for withdrawal, as before;
* once the withdrawal guard has settled them (withdrawn, held, or none absent), `settle` records the
  listing in `network_listings` and marks the absent records that stay active (`absent_since`),
  writing out their last sighting first (`write_out`; a withdrawal writes it out too);
* a record's last sighting (`last_sighting`) is its own `last_seen` or its network's `listed_at`,
  whichever is later — unless it is withdrawn or absent, when its own `last_seen` is exact.

A complete listing thus writes the records that changed, the few that are absent, and one row.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime, timezone

from sqlalchemy import select, update

from hub.store.bulk import upsert
from hub.store.chunks import ID_CHUNK, among, chunked
from hub.store.models import Instrument, NetworkListing

_I = Instrument.__table__
LISTINGS = NetworkListing.__table__


def listed_at(conn, network: str) -> datetime | None:
    """When `network`'s last settled complete listing was; None before its first."""
    return conn.execute(select(LISTINGS.c.listed_at).where(LISTINGS.c.network == network)).scalar()


def absent_from(conn, network: str, listed: Container[str], since: datetime) -> list[str]:
    """Ids of `network`'s active instruments that a listing naming the source ids `listed` lacked.
    Rows written since `since` (the run's start) were listed, whoever wrote them. The network is read
    a page of ids at a time, so memory holds the listing's ids and the absent ones, never the network."""
    absent: list[str] = []
    last = None
    while True:
        q = (
            select(_I.c.id, _I.c.source_id)
            .where(_I.c.network == network, _I.c.withdrawn_at.is_(None), _I.c.last_seen < since)
            .order_by(_I.c.id)
            .limit(ID_CHUNK)
        )
        rows = conn.execute(q if last is None else q.where(_I.c.id > last)).all()
        if not rows:
            return absent
        absent += [iid for iid, sid in rows if sid not in listed]
        last = rows[-1][0]


def write_out(conn, network: str, ids: list[str]) -> None:
    """Write the last sighting into `last_seen` of records about to leave the listing (withdrawn, or
    marked absent): from then on nothing else says when they were last seen."""
    at = listed_at(conn, network)
    if at is None:
        return
    for chunk in chunked(ids):
        conn.execute(
            update(Instrument)
            .where(among(_I.c.id, chunk), _I.c.absent_since.is_(None), _I.c.last_seen < at, _I.c.withdrawn_at.is_(None))
            .values(last_seen=at)
        )


def settle(conn, network: str, job_id: int | None, kept_absent: list[str], at: datetime) -> None:
    """Record a complete listing of `network` finished at `at`, whose absent records `kept_absent`
    stay active (held, or not withdrawn): they are marked absent, their last sighting written out."""
    write_out(conn, network, kept_absent)
    for chunk in chunked(kept_absent):
        conn.execute(update(Instrument).where(among(_I.c.id, chunk), _I.c.absent_since.is_(None)).values(absent_since=at))
    upsert(conn, LISTINGS, [dict(network=network, job_id=job_id, listed_at=at)], ("network",))


def last_sighting(last_seen: datetime | None, listing: datetime | None, *, absent: bool, withdrawn: bool) -> datetime | None:
    """When a record was last seen: its `last_seen`, or its network's last listing (`listing`) when
    that is later and the record was in it (neither absent nor withdrawn). Pure."""
    if listing is None or absent or withdrawn or last_seen is None:
        return last_seen
    return listing if _naive(listing) > _naive(last_seen) else last_seen


def _naive(value: datetime) -> datetime:
    # SQLite hands back naive datetimes (the store writes UTC), PostgreSQL aware ones: compared as UTC.
    return value if value.tzinfo is None else value.astimezone(timezone.utc).replace(tzinfo=None)
