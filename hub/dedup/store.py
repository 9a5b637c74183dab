"""Clusters in the store: `instrument_clusters` (record -> cluster, with its blocking keys),
`dedup_dirty` (records changed since they were last resolved) and `cluster_decisions` (operators'
confirmations and splits, by record ids, so they survive every later harvest).

Why mark-then-resolve rather than resolve inside the store hook: the hook runs inside the harvest's
write transaction, and resolving a block reads its other records; doing that for every batch of 500
would hold SQLite's one write lock for the reads too. The hook only records the changed ids, in the
same transaction (so no change is ever missed, even if the process dies), and `resolve_pending`
runs once after a harvest job or a pushed batch finishes, re-resolving only the blocks those
records sit in (old keys and new) and the clusters that touch them — read and computed before the
write lock, and written under it only if nothing it rests on changed meanwhile.

Writing a resolution also keeps what depends on it: each cluster's representative
(`hub.dedup.representative`) and the search index's `cluster_primary` flag that the default search
filters on; a record's `clustered_at` moves when the set of records in its cluster changes (so its
OAI-PMH datestamp does); and the search versions of the networks whose records changed either way
are bumped, so cached facets, pages and statistics are recomputed exactly when they must be.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import case, delete, func, select, update

from hub.auth import audit
from hub.dedup.features import Rec, rec_from_row
from hub.dedup.representative import representatives
from hub.dedup.resolve import Result, resolve, weakest_links
from hub.dedup.settings import DedupSettings
from hub.dedup.tables import CLUSTERS, DECISIONS, DIRTY
from hub.search import counts, versions
from hub.search.tables import docs
from hub.store.bulk import insert_many, upsert
from hub.store.chunks import among, chunked
from hub.store.hooks import on_instruments_changed
from hub.store.locks import hold
from hub.store.models import Instrument, OwnerUnit

KEY_COLUMNS = {"c": "key_credit", "o": "key_owner", "y": "key_year"}
DECISION_KINDS = ("confirm", "split")
RESOLVING = "hub.dedup.resolve"  # the lock every resolution holds (`hub.store.locks`)

I, O = Instrument.__table__, OwnerUnit.__table__
_COLUMNS = (
    I.c.id,
    I.c.network,
    I.c.name,
    I.c.category,
    I.c.model,
    I.c.original_value,
    I.c.commissioned,
    I.c.city_code,
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
    return q if ids is None else q.where(among(I.c.id, ids))


def load_recs(conn, ids=None) -> list[Rec]:
    """The active records (all, or those of `ids`) as duplicate resolution compares them."""
    if ids is None:
        return [rec_from_row(r._mapping) for r in conn.execute(_query()).yield_per(5000)]
    out = []
    for chunk in chunked(sorted(ids)):
        out += [rec_from_row(r._mapping) for r in conn.execute(_query(chunk))]
    return out


def _read_marked(conn, ids) -> tuple[list[Rec], dict[str, int]]:
    """(`load_recs(conn, ids)`, id → a hash of the row each Rec was made from), from the same rows."""
    recs, seen = [], {}
    for chunk in chunked(sorted(ids)):
        for r in conn.execute(_query(chunk)).all():  # all at once: row by row was a fetch call each
            recs.append(rec_from_row(r._mapping))
            seen[r[0]] = hash(tuple(r))
    return recs, seen


def _fingerprints(conn, ids) -> dict[str, int]:
    """id → the hash `_read_marked` gives, for the active records among `ids`."""
    out = {}
    for chunk in chunked(sorted(ids)):
        out.update((r[0], hash(tuple(r))) for r in conn.execute(_query(chunk)).all())
    return out


def decisions(conn) -> tuple[list, list]:
    """Operators' (confirmed, split) pairs; the latest decision about a pair is the one that holds."""
    last = {}
    for kind, a, b in conn.execute(select(DECISIONS.c.kind, DECISIONS.c.instrument_a, DECISIONS.c.instrument_b).order_by(DECISIONS.c.id)):
        last[frozenset((a, b))] = (kind, (a, b))
    confirmed = [pair for kind, pair in last.values() if kind == "confirm"]
    split = [pair for kind, pair in last.values() if kind == "split"]
    return confirmed, split


#: The columns of a cluster row, in the order `_rows` gives them (tuples: a dict a row was the
#: largest part of a harvest's resolution in memory).
ROW_COLUMNS = (
    "instrument_id",
    "network",
    "cluster_id",
    "key_credit",
    "key_owner",
    "key_year",
    "representative",
    "clustered_at",
    "weakest_score",
)
_REPRESENTATIVE = ROW_COLUMNS.index("representative")


def _rows(recs: list[Rec], result: Result, old: dict, now: datetime, settings: DedupSettings) -> tuple[list[tuple], set[str]]:
    """The cluster rows of `recs` (tuples of ROW_COLUMNS), and the ids whose cluster changed.
    `old`: id -> (cluster id, clustered_at) as stored before, covering every old cluster any of
    `recs` was in."""
    # Only records in a cluster of two or more, before or after, can have changed cluster: sets are
    # built for those alone (building one per record of 300,000 cost seconds).
    n_before = Counter(cid for cid, _ in old.values())
    n_after = Counter(result.cluster_of.values())
    before: dict[str, set] = defaultdict(set)
    for rid, (cid, _) in old.items():
        if n_before[cid] > 1:
            before[cid].add(rid)
    after: dict[str, set] = defaultdict(set)
    for rid, cid in result.cluster_of.items():
        if n_after[cid] > 1:
            after[cid].add(rid)
    primary = representatives(recs, result.cluster_of)
    weakest = weakest_links(recs, result.cluster_of, settings)
    rows, moved = [], set()
    for r in recs:
        cid = result.cluster_of[r.id]
        old_cid = old[r.id][0] if r.id in old else r.id
        if n_after[cid] > 1 or n_before[old_cid] > 1:
            was = before[old_cid] if n_before[old_cid] > 1 else {r.id}
            now_in = after[cid] if n_after[cid] > 1 else {r.id}
            if now_in != was:
                moved.add(r.id)
        keys = {KEY_COLUMNS[k[0]]: k for k in r.keys()}
        rows.append(
            (
                r.id,
                r.network,
                cid,
                keys.get("key_credit"),
                keys.get("key_owner"),
                keys.get("key_year"),
                r.id in primary,
                now if r.id in moved else (old[r.id][1] if r.id in old else None),
                weakest.get(cid),
            )
        )
    return rows, moved


_OLD = select(CLUSTERS.c.instrument_id, CLUSTERS.c.cluster_id, CLUSTERS.c.clustered_at)


def _old_rows(conn, ids=None) -> dict:
    if ids is None:
        return {i: (c, t) for i, c, t in conn.execute(_OLD)}
    out = {}
    for chunk in chunked(sorted(ids)):
        out.update({i: (c, t) for i, c, t in conn.execute(_OLD.where(among(CLUSTERS.c.instrument_id, chunk)))})
    return out


def _write(conn, rows: list[tuple], moved: set[str], scope=None) -> None:
    """Replace the cluster rows of `scope` (None: all) by `rows` (`_rows`), then the search flags,
    then bump the versions of the networks whose records' cluster or flag changed."""
    if scope is None:
        conn.execute(delete(CLUSTERS))
    else:
        for chunk in chunked(sorted(scope)):
            conn.execute(delete(CLUSTERS).where(among(CLUSTERS.c.instrument_id, chunk)))
    # The moved records' clustered_at (their OAI-PMH datestamp) is taken now, in the write
    # transaction, not when the resolution was computed (on SQLite before the write lock, seconds
    # earlier): a harvester that asked in between takes its responseDate as its next `from`.
    at = datetime.now(timezone.utc)
    for start in range(0, len(rows), 5000):
        insert_many(
            conn,
            CLUSTERS,
            [dict(zip(ROW_COLUMNS, row), **({"clustered_at": at} if row[0] in moved else {})) for row in rows[start : start + 5000]],
        )
    hidden = {row[0] for row in rows if not row[_REPRESENTATIVE]}
    flipped = _set_search_flags(conn, hidden, scope)
    versions.bump(conn, moved | flipped)


def _set_search_flags(conn, hidden: set[str], scope=None) -> set[str]:
    """Make `cluster_primary` false exactly for `hidden` among `scope` (None: every document);
    return the ids whose flag changed."""
    q = select(docs.c.instrument_id).where(docs.c.cluster_primary.is_(False))
    if scope is None:
        was = set(conn.execute(q).scalars())
    else:
        was = set()
        for chunk in chunked(sorted(scope)):
            was.update(conn.execute(q.where(among(docs.c.instrument_id, chunk))).scalars())
    shown, hide = was - hidden, hidden - was
    for ids, flag in ((shown, True), (hide, False)):
        # The flag is a condition of the default search: its kept facet counts follow (hub.search.counts).
        counts.recount(
            conn,
            sorted(ids),
            lambda chunk, flag=flag: conn.execute(update(docs).where(among(docs.c.instrument_id, chunk)).values(cluster_primary=flag)),
        )
    return shown | hide


def resolve_all(store, settings: DedupSettings | None = None) -> Result:
    """Resolve the whole catalogue from scratch."""
    settings = settings or DedupSettings.load()
    with store.read() as conn:
        recs = load_recs(conn)
        confirmed, split = decisions(conn)
    result = resolve(recs, settings, confirmed, split)
    with store.write() as conn:
        hold(conn, RESOLVING)
        conn.execute(delete(DIRTY))
        _write(conn, *_rows(recs, result, _old_rows(conn), datetime.now(timezone.utc), settings))
    return result


@dataclass
class _Resolution:
    """What one pass of `resolve_pending` writes, and what it rests on."""

    dirty: list[str]  # the marks it resolves (and removes)
    seen: dict[str, int]  # their records as read: `_read_marked` (withdrawn or gone ones absent)
    keys: dict[str, set]  # blocking keys of those records, as they are and as stored
    affected: set[str]  # the records whose cluster rows it replaces: `_closure`
    stored: dict[str, int]  # their cluster rows as read: `_closure`
    decided: tuple  # operators' decisions as read
    rows: list[tuple]
    moved: set[str]


_STORED = select(CLUSTERS)


def _closure(conn, dirty: list[str], keys: dict[str, set]) -> tuple[set[str], dict[str, int]]:
    """(the marked records, those sharing a blocking key with them and the other records of the
    clusters any of these is in; id → a hash of each one's stored cluster row)."""
    affected = set(dirty)
    for col, ks in keys.items():
        for chunk in chunked(sorted(ks)):
            affected.update(i for (i,) in conn.execute(select(CLUSTERS.c.instrument_id).where(among(CLUSTERS.c[col], chunk))))
    clusters = set()
    for chunk in chunked(sorted(affected)):
        clusters.update(c for (c,) in conn.execute(select(CLUSTERS.c.cluster_id).where(among(CLUSTERS.c.instrument_id, chunk))))
    for chunk in chunked(sorted(clusters)):
        affected.update(i for (i,) in conn.execute(select(CLUSTERS.c.instrument_id).where(among(CLUSTERS.c.cluster_id, chunk))))
    stored = {}
    for chunk in chunked(sorted(affected)):
        stored.update((r[0], hash(tuple(r))) for r in conn.execute(_STORED.where(among(CLUSTERS.c.instrument_id, chunk))))
    return affected, stored


def _marked(conn, network: str | None) -> list[str]:
    if network is None:
        return [r for (r,) in conn.execute(select(DIRTY.c.instrument_id))]
    prefix = f"{network}:"  # ids are "<network>:<source id>"; LIKE is case-blind on SQLite, startswith is not
    return [
        r for (r,) in conn.execute(select(DIRTY.c.instrument_id).where(DIRTY.c.instrument_id.like(prefix + "%"))) if r.startswith(prefix)
    ]


def _resolution(conn, settings: DedupSettings, network: str | None = None) -> _Resolution | None:
    """Re-resolve the blocks of the records marked dirty (of `network`, or all), in `conn`'s
    snapshot, writing nothing; None when nothing is marked."""
    dirty = _marked(conn, network)
    if not dirty:
        return None
    changed, seen = _read_marked(conn, dirty)
    keys: dict[str, set] = {col: set() for col in KEY_COLUMNS.values()}
    for r in changed:
        for k in r.keys():
            keys[KEY_COLUMNS[k[0]]].add(k)
    for chunk in chunked(dirty):
        for row in conn.execute(
            select(CLUSTERS.c.key_credit, CLUSTERS.c.key_owner, CLUSTERS.c.key_year).where(among(CLUSTERS.c.instrument_id, chunk))
        ):
            for col, k in zip(KEY_COLUMNS.values(), row):
                if k:
                    keys[col].add(k)
    affected, stored = _closure(conn, dirty, keys)
    # The changed records were read above: only the others of their blocks and clusters are read
    # now (a first harvest's are nearly all changed). Withdrawn records drop out in `load_recs`,
    # and so out of their clusters; the order is by id, whichever way the records were read.
    unread = affected.difference(dirty)
    recs = sorted(changed + load_recs(conn, unread), key=lambda r: r.id) if unread else sorted(changed, key=lambda r: r.id)
    del changed
    decided = decisions(conn)
    result = resolve(recs, settings, *decided)
    rows, moved = _rows(recs, result, _old_rows(conn, affected), datetime.now(timezone.utc), settings)
    return _Resolution(dirty, seen, keys, affected, stored, (tuple(decided[0]), tuple(decided[1])), rows, moved)


def _still_holds(conn, resolution: _Resolution) -> bool:
    """Whether `resolution`, made in an earlier snapshot, is what resolving now would write: every
    mark it read is still there (a resolution of the same marks would have removed them), each
    marked record reads as it did (one changed since would keep its mark and lose its change), its
    blocks and clusters hold the same records with the same cluster rows (another network's
    resolution may have written into them meanwhile), and no operator decided anything since.
    Other records of its blocks changed since are marked again: the next pass takes them."""
    still = 0
    for chunk in chunked(resolution.dirty):
        still += conn.execute(select(func.count()).select_from(DIRTY).where(among(DIRTY.c.instrument_id, chunk))).scalar_one()
    if still != len(resolution.dirty) or _fingerprints(conn, resolution.dirty) != resolution.seen:
        return False
    decided = decisions(conn)
    if (tuple(decided[0]), tuple(decided[1])) != resolution.decided:
        return False
    return _closure(conn, resolution.dirty, resolution.keys) == (resolution.affected, resolution.stored)


#: Stores whose write transactions exclude one another (SQLite's one write lock): there a resolution
#: is read and computed before its write transaction, and checked in it. On PostgreSQL writers run
#: side by side and a resolution waits only for other resolutions (RESOLVING), so it is computed in
#: its write transaction, once: checking an earlier read there cost more than it saved.
RESOLVED_BEFORE_WRITING = frozenset({"sqlite"})


def resolve_pending(store, settings: DedupSettings | None = None, *, network: str | None = None) -> int:
    """Re-resolve the blocks of records changed since the last resolution (those of `network`, or
    all); return how many records were resolved again.

    On SQLite the reading and resolving happen before the write lock (a first harvest's resolution
    reads and scores every record it brought, seconds in which SQLite's one write lock would hold
    every other harvest back): the write transaction takes the resolution when nothing it rests on
    changed meanwhile (`_still_holds`) and otherwise resolves again under the lock, as one
    transaction (RESOLVED_BEFORE_WRITING).
    A harvest resolves its own network's marks: the records of other networks' running harvests
    are theirs to resolve when they end (their blocks then find this network's records), and one
    resolution of every mark at once held them all in memory (~2.5 KB a record)."""
    settings = settings or DedupSettings.load()
    resolution = None
    if store.dialect in RESOLVED_BEFORE_WRITING:
        with store.read() as conn:
            resolution = _resolution(conn, settings, network)
        if resolution is None:
            return 0
    with store.write() as conn:
        # Two workers resolving at once would replace overlapping cluster rows: one at a time.
        hold(conn, RESOLVING)
        if resolution is None or not _still_holds(conn, resolution):
            resolution = None  # freed before it is made again
            resolution = _resolution(conn, settings, network)
            if resolution is None:
                return 0
        _write(conn, resolution.rows, resolution.moved, resolution.affected)
        for chunk in chunked(resolution.dirty):
            conn.execute(delete(DIRTY).where(among(DIRTY.c.instrument_id, chunk)))
        return len(resolution.rows)


class DecisionError(ValueError):
    """An operator's decision that cannot be taken; `str()` says why."""


def decide(store, kind: str, a: str, b: str, *, actor: str, role: str | None = None, reason: str | None = None) -> None:
    """Record, audited, an operator's decision that records a and b are (confirm) or are not (split)
    one instrument, then re-resolve their blocks. Kept by record id, it holds through every later
    harvest and every resolution from scratch, until a later decision about the same pair."""
    decide_pairs(store, kind, [(a, b)], actor=actor, role=role, reason=reason)


def decide_pairs(store, kind: str, pairs, *, actor: str, role: str | None = None, reason: str | None = None, cluster=None) -> None:
    """`decide` for several pairs in one transaction and one re-resolution (a whole cluster confirmed
    or split, one record detached from the others); one audit entry per pair."""
    if kind not in DECISION_KINDS:
        raise DecisionError(f"decision: expected one of {DECISION_KINDS}, got {kind!r}")
    pairs = list(pairs)
    if not pairs:
        raise DecisionError("a decision needs two records")
    if any(a == b for a, b in pairs):
        raise DecisionError("a decision needs two different records")
    ids = sorted({i for pair in pairs for i in pair})
    with store.write() as conn:
        found = {i for (i,) in conn.execute(select(I.c.id).where(among(I.c.id, ids)))}
        missing = [x for x in ids if x not in found]
        if missing:
            raise DecisionError(f"no instrument {missing[0]!r}")
        at = datetime.now(timezone.utc)
        for a, b in pairs:
            conn.execute(DECISIONS.insert().values(kind=kind, instrument_a=a, instrument_b=b, actor=actor, decided_at=at))
            detail = {"a": a, "b": b, **({"reason": reason} if reason else {}), **({"cluster": cluster} if cluster else {})}
            audit.record(conn, actor=actor, role=role, action=f"cluster.{kind}", network=None, target=f"instruments:{a},{b}", detail=detail)
        _mark_dirty(conn, ids, None)
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
    (by its representative: the search index's `cluster_primary` rows), read from the narrow search
    table. Callers cache it on the search versions, which every change of a cluster bumps."""
    hidden = docs.c.cluster_primary.is_(False)
    value = func.coalesce(docs.c.value, 0)
    raw_n, raw_v, hidden_n, hidden_v = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(value), 0),
            func.coalesce(func.sum(case((hidden, 1), else_=0)), 0),
            func.coalesce(func.sum(case((hidden, value), else_=0)), 0),
        )
    ).one()
    raw_v, hidden_v = Decimal(str(raw_v)), Decimal(str(hidden_v))
    return {
        "instruments": int(raw_n) - int(hidden_n),
        "instruments_raw": int(raw_n),
        "duplicates": int(hidden_n),
        "original_value": raw_v - hidden_v,
        "original_value_raw": raw_v,
    }
