"""Clustering: records of different networks that describe one instrument. Pure.

1. Blocking: records sharing a key (`Rec.keys`) are candidates; blocks above `max_block` are
   skipped and counted (`Result.oversized`), never silently.
2. Scoring: every candidate pair of *different* networks (`score.score`); two records of one
   network are never merged automatically — a unit may own two identical instruments.
3. Merging, best pair first: a pair at or above the threshold joins its two clusters unless the
   joined cluster would hold two records of one network or a pair an operator split.
   Operators' confirmations join first, whatever their score.

A cluster's id is the smallest id of its records, so it is stable while its membership is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from hub.dedup.features import Rec
from hub.dedup.score import score
from hub.dedup.settings import DedupSettings


@dataclass
class Result:
    cluster_of: dict[str, str]  # record id -> cluster id (singletons map to themselves)
    pairs_scored: int = 0
    oversized: list[tuple[str, int]] = field(default_factory=list)  # (block key, size) not compared

    def clusters(self) -> dict[str, list[str]]:
        out = defaultdict(list)
        for rid, cid in self.cluster_of.items():
            out[cid].append(rid)
        return out


def candidate_pairs(recs: list[Rec], settings: DedupSettings, oversized: list) -> set[tuple[int, int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for n, r in enumerate(recs):
        for key in r.keys():
            blocks[key].append(n)
    pairs = set()
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        if len(members) > settings.max_block:
            oversized.append((key, len(members)))
            continue
        for x in range(len(members)):
            a = members[x]
            for b in members[x + 1 :]:
                if recs[a].network != recs[b].network:
                    pairs.add((a, b))
    return pairs


def resolve(recs: list[Rec], settings: DedupSettings, confirmed=(), split=()) -> Result:
    """Cluster `recs`. `confirmed` / `split`: operators' decisions as (id, id) pairs."""
    oversized: list = []
    pairs = candidate_pairs(recs, settings, oversized)
    scored = []
    for a, b in pairs:
        s = score(recs[a], recs[b], settings)
        if s >= settings.threshold:
            scored.append((s, recs[a].id, recs[b].id))
    index = {r.id: r for r in recs}
    confirmed = [(a, b) for a, b in confirmed if a in index and b in index]
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))  # ties broken by id: the same input, the same clusters
    # Union-find over the records some pair names only: most records meet no pair, and building
    # three dicts over all 300,000 cost seconds.
    parent: dict[str, str] = {}
    members: dict[str, set] = {}
    networks: dict[str, set] = {}
    apart = defaultdict(set)
    for a, b in split:
        apart[a].add(b)
        apart[b].add(a)

    def find(x):
        if x not in parent:
            parent[x], members[x], networks[x] = x, {x}, {index[x].network}
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a, b, forced):
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        if not forced and networks[ra] & networks[rb]:
            return
        if any(apart[m] & members[rb] for m in members[ra]):
            return
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra] |= members.pop(rb)
        networks[ra] |= networks.pop(rb)

    for a, b in confirmed:
        join(a, b, forced=True)
    for _, a, b in scored:
        join(a, b, forced=False)
    cluster_of = {r.id: r.id for r in recs}
    for ids in members.values():
        if len(ids) > 1:
            cid = min(ids)
            for rid in ids:
                cluster_of[rid] = cid
    return Result(cluster_of, len(pairs), oversized)


def weakest_links(recs: list[Rec], cluster_of: dict[str, str], settings: DedupSettings) -> dict[str, float]:
    """Per cluster of two records or more, the lowest score between two of its records of different
    networks (1.0 when an operator joined records of one network): how sure the cluster is."""
    sizes = Counter(cluster_of[r.id] for r in recs)
    members: dict[str, list[Rec]] = defaultdict(list)
    for r in recs:
        if sizes[cluster_of[r.id]] > 1:
            members[cluster_of[r.id]].append(r)
    out = {}
    for cid, rs in members.items():
        if len(rs) > 1:
            scores = [score(a, b, settings) for i, a in enumerate(rs) for b in rs[i + 1 :] if a.network != b.network]
            out[cid] = round(min(scores), 4) if scores else 1.0
    return out
