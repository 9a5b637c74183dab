"""Which record of a cluster stands for it: shown by the default search, counted by national totals.
Pure.

The rule, in order (docs/duplicates.md):
1. the most complete record — one point for each of credit code, model, value, commissioning date
   and a category finer than its 大类, plus the date's precision (month +1, day +2);
2. then the record of the network that owns the owner's province (a provincial network's code is
   its province's GB/T 2260 code, 370000 for Shandong), over a city's, a ministry's or an academy's;
3. then the smallest id.
Only the records' own content decides, never the order they arrive in: a re-harvest that changes
nothing keeps the same representative.
"""

from __future__ import annotations

from collections import Counter

from hub.dedup.features import Rec


def completeness(r: Rec) -> int:
    given = (r.credit, r.model, r.value is not None, r.date, r.category and not r.category.endswith("0000"))
    precision = {7: 1, 10: 2}.get(len(r.date or ""), 0)
    return sum(bool(g) for g in given) + precision


def home_network(r: Rec) -> bool:
    return r.province is not None and r.network == f"{r.province}0000"


def rank(r: Rec) -> tuple:
    """Sort key: the representative sorts first."""
    return (-completeness(r), not home_network(r), r.id)


def representatives(recs: list[Rec], cluster_of: dict[str, str]) -> set[str]:
    """The ids of the records that stand for their cluster (every record outside one stands for itself)."""
    sizes = Counter(cluster_of[r.id] for r in recs)
    alone = {r.id for r in recs if sizes[cluster_of[r.id]] == 1}
    best: dict[str, Rec] = {}
    for r in recs:
        cid = cluster_of[r.id]
        if sizes[cid] > 1 and (cid not in best or rank(r) < rank(best[cid])):
            best[cid] = r
    return alone | {r.id for r in best.values()}
