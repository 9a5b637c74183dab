"""The owner units (the university, institute or company holding an instrument) of one network, as
a writer settles them batch by batch: created when first named, completed when a later record says
more, never erased by a record that says less."""

from __future__ import annotations

from sqlalchemy import select, update

from hub.store.bulk import insert_many
from hub.store.chunks import among, chunked
from hub.store.models import OwnerUnit

OWNERS = OwnerUnit.__table__

#: What a record may say about its owner besides the name.
OWNER_FIELDS = ("credit_code", "type", "level")


class OwnerCache(dict):
    """Owner units of one network a writer has met: name -> (id, stored description).

    Filled per batch with the names that batch mentions and not yet held, and bounded: past
    `limit` names the oldest half is dropped (a network with a million owners must not become a
    million-entry dict in every harvest process; a dropped name is simply read again when met)."""

    def __init__(self, limit: int = 20_000):
        super().__init__()
        self.limit = limit

    def load(self, conn, network: str, names: set[str]) -> None:
        missing = [n for n in names if n not in self]
        if len(self) + len(missing) > self.limit:
            for name in list(self)[: len(self) // 2]:
                if name not in names:
                    del self[name]
        for chunk in chunked(missing):
            rows = conn.execute(
                select(OWNERS.c.id, OWNERS.c.name, OWNERS.c.credit_code, OWNERS.c.type, OWNERS.c.level).where(
                    OWNERS.c.network == network, among(OWNERS.c.name, chunk)
                )
            )
            for r in rows:
                self[r.name] = (r.id, {"credit_code": r.credit_code, "type": r.type, "level": r.level})


def settle_owners(conn, network: str, cache: OwnerCache, owners: list[dict]) -> list[int]:
    """Create or complete the owner units (network, name) of a batch, through `cache`. Each owner
    dict is then updated to what its unit holds, which the store hooks read (an owner's type and
    level are search filters). Returns the ids of the units stored before and described anew: their
    other instruments' documents are then stale."""
    cache.load(conn, network, {o["name"] for o in owners})
    # The newest record's description of its owner wins, but a missing value never erases one.
    described: dict[str, dict] = {}
    for owner in owners:
        known = described.get(owner["name"])
        if known is None:
            known = described[owner["name"]] = dict(cache[owner["name"]][1]) if owner["name"] in cache else dict.fromkeys(OWNER_FIELDS)
        known.update((k, owner[k]) for k in OWNER_FIELDS if owner.get(k) is not None)
    new = [dict(network=network, name=name, **values) for name, values in described.items() if name not in cache]
    if new:
        insert_many(conn, OWNERS, new)
        created = select(OWNERS.c.name, OWNERS.c.id).where(OWNERS.c.network == network, OWNERS.c.name.in_([o["name"] for o in new]))
        for name, owner_id in conn.execute(created):
            cache[name] = (owner_id, described[name])
    redescribed = []
    for name, values in described.items():
        owner_id, stored = cache[name]
        if values != stored:
            conn.execute(update(OWNERS).where(OWNERS.c.id == owner_id).values(**{k: v for k, v in values.items() if v != stored[k]}))
            cache[name] = (owner_id, values)
            redescribed.append(owner_id)
    for owner in owners:
        owner.update(cache[owner["name"]][1])
    return redescribed
