"""What operators review and decide about clusters: the list (newest or weakest first), one cluster's
records side by side, and a decision about a whole cluster — confirm it, split it, or detach one
record from the others. The admin pages (hub.web.admin_clusters) and the API (hub.web.clusters) both
call these; the decisions themselves are `hub.dedup.store.decide_pairs`, audited and kept by record id.
"""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import func, select

from hub.dedup.features import rec_from_row
from hub.dedup.score import score
from hub.dedup.settings import DedupSettings
from hub.dedup.store import DecisionError, decide_pairs
from hub.dedup.tables import CLUSTERS
from hub.store.models import Instrument, OwnerUnit

ORDERS = {
    "newest": lambda: [func.max(CLUSTERS.c.clustered_at).desc(), CLUSTERS.c.cluster_id],
    "uncertain": lambda: [func.min(CLUSTERS.c.weakest_score), CLUSTERS.c.cluster_id],
}
#: What an operator may decide about a cluster: the decision kind, and the pairs it covers.
ACTIONS = {
    "confirm": ("confirm", lambda ids, record: [(ids[0], other) for other in ids[1:]]),
    "split": ("split", lambda ids, record: list(combinations(ids, 2))),
    "detach": ("split", lambda ids, record: [(record, other) for other in ids if other != record]),
}

_I, _O = Instrument.__table__, OwnerUnit.__table__


def list_clusters(conn, order: str = "newest", limit: int = 50, offset: int = 0) -> tuple[int, list[dict]]:
    """(how many clusters, one page of them): [{cluster_id, records, networks, weakest_score, clustered_at}]."""
    if order not in ORDERS:
        raise DecisionError(f"order: expected one of {tuple(ORDERS)}, got {order!r}")
    grouped = select(CLUSTERS.c.cluster_id).group_by(CLUSTERS.c.cluster_id).having(func.count() > 1)
    total = conn.execute(select(func.count()).select_from(grouped.subquery())).scalar()
    page = conn.execute(
        select(
            CLUSTERS.c.cluster_id,
            func.count().label("records"),
            func.min(CLUSTERS.c.weakest_score).label("weakest_score"),
            func.max(CLUSTERS.c.clustered_at).label("clustered_at"),
        )
        .group_by(CLUSTERS.c.cluster_id)
        .having(func.count() > 1)
        .order_by(*ORDERS[order]())
        .limit(limit)
        .offset(offset)
    ).all()
    networks: dict[str, list[str]] = {}
    if page:
        q = select(CLUSTERS.c.cluster_id, CLUSTERS.c.network).where(CLUSTERS.c.cluster_id.in_([r.cluster_id for r in page]))
        for cid, network in conn.execute(q.order_by(CLUSTERS.c.network)):
            networks.setdefault(cid, []).append(network)
    return total, [dict(r._mapping, networks=networks[r.cluster_id]) for r in page]


def cluster_records(conn, cluster_id: str, settings: DedupSettings | None = None) -> list[dict]:
    """The records of a cluster as stored (not as normalised), representative first, each with its
    lowest similarity to the others; [] when no such cluster."""
    settings = settings or DedupSettings.load()
    rows = conn.execute(
        select(
            _I.c.id,
            _I.c.network,
            _I.c.name,
            _I.c.model,
            _I.c.manufacturer,
            _I.c.category,
            _I.c.original_value,
            _I.c.commissioned,
            _I.c.city_code,
            _O.c.name.label("owner_name"),
            _O.c.credit_code.label("owner_credit_code"),
            CLUSTERS.c.representative,
        )
        .select_from(CLUSTERS.join(_I, _I.c.id == CLUSTERS.c.instrument_id).outerjoin(_O, _O.c.id == _I.c.owner_id))
        .where(CLUSTERS.c.cluster_id == cluster_id)
        .order_by(CLUSTERS.c.representative.desc(), _I.c.id)
    ).all()
    recs = {r.id: rec_from_row(r._mapping) for r in rows}
    out = []
    for r in rows:
        others = [score(recs[r.id], recs[o], settings) for o in recs if o != r.id]
        out.append(dict(r._mapping, weakest_score=round(min(others), 4) if others else None))
    return out


def decide_cluster(store, cluster_id: str, action: str, *, reason: str, actor: str, role: str | None = None, record: str | None = None):
    """Confirm, split, or detach `record` from, the cluster `cluster_id` as it stands now; `reason`
    is required and audited."""
    if action not in ACTIONS:
        raise DecisionError(f"action: expected one of {tuple(ACTIONS)}, got {action!r}")
    if not (reason or "").strip():
        raise DecisionError("a reason is required")
    with store.read() as conn:
        ids = [
            i
            for (i,) in conn.execute(
                select(CLUSTERS.c.instrument_id).where(CLUSTERS.c.cluster_id == cluster_id).order_by(CLUSTERS.c.instrument_id)
            )
        ]
    if len(ids) < 2:
        raise DecisionError(f"no cluster {cluster_id!r}")
    if action == "detach" and record not in ids:
        raise DecisionError(f"record {record!r} is not in cluster {cluster_id!r}")
    kind, pairs = ACTIONS[action]
    decide_pairs(store, kind, pairs(ids, record), actor=actor, role=role, reason=reason.strip(), cluster=cluster_id)
