"""Clusters in the store: `instrument_clusters` (record -> cluster, with its blocking keys),
`dedup_dirty` (records changed since they were last resolved) and `cluster_decisions` (operators'
confirmations and splits, by record ids, so they survive every later harvest).

Why mark-then-resolve rather than resolve inside the store hook: the hook runs inside the harvest's
write transaction, and resolving a block reads its other records; doing that for every batch of 500
would hold SQLite's one write lock for the reads too. The hook only records the changed ids, in the
same transaction (so no change is ever missed, even if the process dies), and `resolve_pending`
runs once after a harvest job or a pushed batch finishes, re-resolving only the blocks those
records sit in (old keys and new) and the clusters that touch them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import delete, func, select

from hub.auth import audit
from hub.dedup.features import Rec, rec_from_row
from hub.dedup.resolve import Result, resolve
from hub.dedup.settings import DedupSettings
from hub.dedup.tables import CLUSTERS, DECISIONS, DIRTY
from hub.store.bulk import insert_many, upsert
from hub.store.chunks import chunked
from hub.store.hooks import on_instruments_changed
from hub.store.models import Instrument, OwnerUnit

KEY_COLUMNS = {"c": "key_credit", "o": "key_owner", "y": "key_year"}
DECISION_KINDS = ("confirm", "split")

I, O = Instrument.__table__, OwnerUnit.__table__
_COLUMNS = (
    I.c.id,
    I.c.network,
    I.c.name,
    I.c.category,
    I.c.model,
    I.c.original_value,
    I.c.commissioned,
    O.c.name.label("owner_name"),
    O.c.credit_code.label("owner_credit_code"),
)


@on_instruments_changed
def _mark_dirty(conn, ids, prepared):
    # Straight to the driver's executemany on SQLite (`hub.store.bulk`): a mark a record, every batch.
    for chunk in chunked(sorted(set(ids))):
        upsert(conn, DIRTY, [{"instrument_id": i} for i in chunk], ("instrument_id",))


def _query(ids=None):
    q = select(*_COLUMNS).select_from(I.outerjoin(O, I.c.owner_id == O.c.id)).where(I.c.withdrawn_at.is_(None))
    return q if ids is None else q.where(I.c.id.in_(ids))


def load_recs(conn, ids=None) -> list[Rec]:
    """The active records (all, or those of `ids`) as duplicate resolution compares them."""
    if ids is None:
        return [rec_from_row(r._mapping) for r in conn.execute(_query()).yield_per(5000)]
    out = []
    for chunk in chunked(sorted(ids)):
        out += [rec_from_row(r._mapping) for r in conn.execute(_query(chunk))]
    return out


def decisions(conn) -> tuple[list, list]:
    """Operators' (confirmed, split) pairs; the latest decision about a pair is the one that holds."""
    last = {}
    for kind, a, b in conn.execute(select(DECISIONS.c.kind, DECISIONS.c.instrument_a, DECISIONS.c.instrument_b).order_by(DECISIONS.c.id)):
        last[frozenset((a, b))] = (kind, (a, b))
    confirmed = [pair for kind, pair in last.values() if kind == "confirm"]
    split = [pair for kind, pair in last.values() if kind == "split"]
    return confirmed, split


def _rows(recs: list[Rec], result: Result) -> list[dict]:
    rows = []
    for r in recs:
        keys = {KEY_COLUMNS[k[0]]: k for k in r.keys()}
        rows.append(
            {
                "instrument_id": r.id,
                "network": r.network,
                "cluster_id": result.cluster_of[r.id],
                "key_credit": keys.get("key_credit"),
                "key_owner": keys.get("key_owner"),
                "key_year": keys.get("key_year"),
            }
        )
    return rows


def resolve_all(store, settings: DedupSettings | None = None) -> Result:
    """Resolve the whole catalogue from scratch."""
    settings = settings or DedupSettings.load()
    with store.read() as conn:
        recs = load_recs(conn)
        confirmed, split = decisions(conn)
    result = resolve(recs, settings, confirmed, split)
    with store.write() as conn:
        conn.execute(delete(CLUSTERS))
        conn.execute(delete(DIRTY))
        rows = _rows(recs, result)
        for start in range(0, len(rows), 5000):
            insert_many(conn, CLUSTERS, rows[start : start + 5000])
    return result


def resolve_pending(store, settings: DedupSettings | None = None) -> int:
    """Re-resolve the blocks of records changed since the last resolution; return how many records
    were resolved again. One write transaction: a harvest marking records meanwhile waits for it."""
    settings = settings or DedupSettings.load()
    with store.write() as conn:
        dirty = [r for (r,) in conn.execute(select(DIRTY.c.instrument_id))]
        if not dirty:
            return 0
        changed = load_recs(conn, dirty)
        keys = {col: set() for col in KEY_COLUMNS.values()}
        for r in changed:
            for k in r.keys():
                keys[KEY_COLUMNS[k[0]]].add(k)
        for chunk in chunked(dirty):
            for row in conn.execute(
                select(CLUSTERS.c.key_credit, CLUSTERS.c.key_owner, CLUSTERS.c.key_year).where(CLUSTERS.c.instrument_id.in_(chunk))
            ):
                for col, k in zip(KEY_COLUMNS.values(), row):
                    if k:
                        keys[col].add(k)
        affected = set(dirty)
        for col, ks in keys.items():
            for chunk in chunked(sorted(ks)):
                affected.update(i for (i,) in conn.execute(select(CLUSTERS.c.instrument_id).where(CLUSTERS.c[col].in_(chunk))))
        clusters = set()
        for chunk in chunked(sorted(affected)):
            clusters.update(c for (c,) in conn.execute(select(CLUSTERS.c.cluster_id).where(CLUSTERS.c.instrument_id.in_(chunk))))
        for chunk in chunked(sorted(clusters)):
            affected.update(i for (i,) in conn.execute(select(CLUSTERS.c.instrument_id).where(CLUSTERS.c.cluster_id.in_(chunk))))
        # The changed records were read above: only the others of their blocks and clusters are read
        # now (a first harvest's are nearly all changed). Withdrawn records drop out in `load_recs`,
        # and so out of their clusters; the order is by id, whichever way the records were read.
        unread = affected.difference(dirty)
        recs = sorted(changed + load_recs(conn, unread), key=lambda r: r.id) if unread else sorted(changed, key=lambda r: r.id)
        confirmed, split = decisions(conn)
        result = resolve(recs, settings, confirmed, split)
        for chunk in chunked(sorted(affected)):
            conn.execute(delete(CLUSTERS).where(CLUSTERS.c.instrument_id.in_(chunk)))
        rows = _rows(recs, result)
        for start in range(0, len(rows), 5000):
            insert_many(conn, CLUSTERS, rows[start : start + 5000])
        for chunk in chunked(dirty):
            conn.execute(delete(DIRTY).where(DIRTY.c.instrument_id.in_(chunk)))
        return len(recs)


class DecisionError(ValueError):
    """An operator's decision that cannot be taken; `str()` says why."""


def decide(store, kind: str, a: str, b: str, *, actor: str, role: str | None = None) -> None:
    """Record, audited, an operator's decision that records a and b are (confirm) or are not (split)
    one instrument, then re-resolve their blocks. Kept by record id, it holds through every later
    harvest and every resolution from scratch, until a later decision about the same pair."""
    if kind not in DECISION_KINDS:
        raise DecisionError(f"decision: expected one of {DECISION_KINDS}, got {kind!r}")
    if a == b:
        raise DecisionError("a decision needs two different records")
    with store.write() as conn:
        found = {i for (i,) in conn.execute(select(I.c.id).where(I.c.id.in_([a, b])))}
        missing = [x for x in (a, b) if x not in found]
        if missing:
            raise DecisionError(f"no instrument {missing[0]!r}")
        conn.execute(
            DECISIONS.insert().values(kind=kind, instrument_a=a, instrument_b=b, actor=actor, decided_at=datetime.now(timezone.utc))
        )
        audit.record(
            conn, actor=actor, role=role, action=f"cluster.{kind}", network=None, target=f"instruments:{a},{b}", detail={"a": a, "b": b}
        )
        _mark_dirty(conn, [a, b], None)
    resolve_pending(store)


def also_listed(conn, instrument_id: str) -> list[dict]:
    """The other records of an instrument's cluster: [{id, network}], by id."""
    cid = conn.execute(select(CLUSTERS.c.cluster_id).where(CLUSTERS.c.instrument_id == instrument_id)).scalar()
    if cid is None:
        return []
    rows = conn.execute(
        select(CLUSTERS.c.instrument_id, CLUSTERS.c.network)
        .where(CLUSTERS.c.cluster_id == cid, CLUSTERS.c.instrument_id != instrument_id)
        .order_by(CLUSTERS.c.instrument_id)
    )
    return [{"id": i, "network": n} for i, n in rows]


def cluster_id(conn, instrument_id: str) -> str:
    return conn.execute(select(CLUSTERS.c.cluster_id).where(CLUSTERS.c.instrument_id == instrument_id)).scalar() or instrument_id


def national_totals(conn) -> dict:
    """Active instruments and their value, as the networks' raw sum and with each cluster counted once
    (by its representative, the record whose id is the cluster id; an unresolved record counts itself)."""
    cid = func.coalesce(CLUSTERS.c.cluster_id, I.c.id)
    base = I.outerjoin(CLUSTERS, CLUSTERS.c.instrument_id == I.c.id)
    active = I.c.withdrawn_at.is_(None)
    raw_n, raw_v = conn.execute(select(func.count(), func.coalesce(func.sum(I.c.original_value), 0)).where(active)).one()
    dn, dv = conn.execute(
        select(func.count(), func.coalesce(func.sum(I.c.original_value), 0)).select_from(base).where(active, cid == I.c.id)
    ).one()
    return {
        "instruments": int(dn),
        "instruments_raw": int(raw_n),
        "duplicates": int(raw_n) - int(dn),
        "original_value": Decimal(str(dv)),
        "original_value_raw": Decimal(str(raw_v)),
    }
