"""Duplicate-resolution benchmark (a script a person reruns, not a timed test).

    .venv/bin/python tests/bench/bench_dedup.py                 # 300,000 records, SQLite under var/
    .venv/bin/python tests/bench/bench_dedup.py --n 30000       # smaller
    .venv/bin/python tests/bench/bench_dedup.py --reuse         # reuse the generated records (var/bench-dedup-N.pickle)

It prints one table: wall and CPU seconds of both resolutions, pair precision and recall.

Records come from the simulator's cross-linked networks (`hub/simulate/crosslist.csv`) scaled up to
N, written as the store holds them after mapping (`hub.dedup.measure.sim_row`), inserted into a fresh
store. Then:
1. resolution from scratch (`resolve_all`: read every record, block, score, cluster, write) — target < 60 s;
2. pair precision and recall against the simulator's truth at the defaults of conf/dedup.yaml —
   targets ≥ 0.98 and ≥ 0.90;
3. a harvest that changes 1 % of the records (their value, marked changed as the store hook marks
   them), then `resolve_pending` — target < 5 s.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, insert, select, update

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.dedup.measure import LINKED, precision_recall, predicted_pairs, sim_row, truth_pairs  # noqa: E402
from hub.dedup.store import CLUSTERS, DIRTY, resolve_all, resolve_pending  # noqa: E402
from hub.store.db import Store  # noqa: E402
from hub.store.migrate import upgrade  # noqa: E402
from hub.store.models import Instrument, OwnerUnit  # noqa: E402

SCALE_1 = 18_167  # records of the linked networks at scale 1


def generate(n: int, cache: Path, reuse: bool):
    if reuse and cache.exists():
        return pickle.loads(cache.read_bytes())
    from hub.simulate.generator import network_data
    from hub.simulate.network_table import spec_for

    scale = n / SCALE_1
    rows = []
    for code in LINKED:
        spec = spec_for(code)
        data = network_data(spec, 1, scale)
        rows += [sim_row(code, spec, data.record(i)) for i in range(data.n)]
    truth = truth_pairs(LINKED, 1, scale)
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(pickle.dumps((rows, truth)))
    return rows, truth


def load(store, rows):
    now = datetime.now(timezone.utc)
    owners, instruments = {}, []
    for r in rows:
        key = (r["network"], r["owner_name"])  # the store keeps one owner unit per network and name
        oid, _ = owners.setdefault(key, (len(owners) + 1, r["owner_credit_code"]))
        instruments.append(
            {
                "id": r["id"],
                "network": r["network"],
                "source_id": r["id"].split(":")[1],
                "name": r["name"],
                "category": r["category"],
                "model": r["model"] or None,
                "original_value": r["original_value"],
                "commissioned": r["commissioned"],
                "owner_id": oid,
                "first_seen": now,
                "last_seen": now,
                "content_hash": "x",
                "certified": False,
            }
        )
    with store.write() as conn:
        conn.execute(
            insert(OwnerUnit.__table__), [{"id": oid, "network": k[0], "name": k[1], "credit_code": cc} for k, (oid, cc) in owners.items()]
        )
        for start in range(0, len(instruments), 10_000):
            conn.execute(insert(Instrument.__table__), instruments[start : start + 10_000])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--dir", type=Path, default=ROOT / "var", help="where the records and the SQLite store are written")
    args = ap.parse_args(argv)
    var = args.dir
    t = time.perf_counter()
    rows, truth = generate(args.n, var / f"bench-dedup-{args.n}.pickle", args.reuse)
    print(f"records generated: {len(rows):,} ({time.perf_counter() - t:.1f} s); true duplicate pairs: {len(truth):,}")
    db = var / "bench-dedup.sqlite"
    db.unlink(missing_ok=True)
    store = Store(f"sqlite:///{db}")
    upgrade(store)
    t = time.perf_counter()
    load(store, rows)
    print(f"loaded into {db.name}: {time.perf_counter() - t:.1f} s")

    t, cpu = time.perf_counter(), time.process_time()
    result = resolve_all(store)
    scratch, scratch_cpu = time.perf_counter() - t, time.process_time() - cpu
    p, r = precision_recall(predicted_pairs(result.clusters()), truth)

    changed = random.Random(1).sample([row["id"] for row in rows], len(rows) // 100)
    with store.write() as conn:
        for rid in changed:
            conn.execute(
                update(Instrument.__table__)
                .where(Instrument.__table__.c.id == rid)
                .values(original_value=Instrument.__table__.c.original_value + 100)
            )
        conn.execute(insert(DIRTY), [{"instrument_id": rid} for rid in changed])
    t, cpu = time.perf_counter(), time.process_time()
    redone = resolve_pending(store)
    pending, pending_cpu = time.perf_counter() - t, time.process_time() - cpu
    with store.read() as conn:
        counted_under = conn.execute(
            select(func.count()).select_from(CLUSTERS).where(CLUSTERS.c.cluster_id != CLUSTERS.c.instrument_id)
        ).scalar()
    loadavg = os.getloadavg()[0]
    print()
    print(f"| {len(rows):,} records, {os.cpu_count()} cores, load average {loadavg:.1f} | wall | CPU | target |")
    print("|---|---:|---:|---|")
    print(
        f"| resolve from scratch ({result.pairs_scored:,} pairs scored, {len(result.oversized)} oversized blocks) "
        f"| {scratch:.1f} s | {scratch_cpu:.1f} s | < 60 s |"
    )
    print(
        f"| resolve after a 1 % change ({len(changed):,} records changed, {redone:,} re-resolved) "
        f"| {pending:.2f} s | {pending_cpu:.2f} s | < 5 s |"
    )
    print(f"| pair precision ({len(truth):,} true pairs) | {p:.4f} | | ≥ 0.98 |")
    print(f"| pair recall | {r:.4f} | | ≥ 0.90 |")
    print(f"| records counted under another record's cluster | {counted_under:,} | | |")
    print("(wall time depends on what else the machine runs; CPU seconds are the steadier figure)")


if __name__ == "__main__":
    main()
