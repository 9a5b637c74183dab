"""Push throughput: a Guangdong CSV batch of N records (default 20,000, 37 bad) through the feed.

    .venv/bin/python tests/bench/push_bench.py [N] [--database-url URL]

Prints the time to receive (scan + store the body: what the province waits for before its 202) and
the time to apply (mapping, writer, search index), and checks the counts.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from hub.auth.tokens import Principal
from hub.config import Registry, settings
from hub.feed import batches, reports, samples
from hub.feed.worker import run_pending
from hub.store.db import Store
from hub.store.migrate import upgrade


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=20_000)
    ap.add_argument("--bad", type=int, default=37)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    store = Store(args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")
    upgrade(store)
    registry, s = Registry.load(), settings()
    body = samples.guangdong_csv(args.n, bad=args.bad)
    t0 = time.perf_counter()
    answer = batches.receive(
        store,
        s,
        registry.get("440000"),
        Principal("bench", "admin"),
        mode="upsert",
        kind="instruments",
        year=None,
        content_type="text/csv",
        body=body,
        key=None,
        limits=batches.FeedLimits(async_records=0),
    )
    t1 = time.perf_counter()
    run_pending(store, s, registry)
    t2 = time.perf_counter()
    with store.read() as conn:
        report = reports.build_report(conn, answer.batch_id)
    c = report["counts"]
    assert c["created"] == args.n - args.bad and c["rejected"] == args.bad, c
    print(
        f"{args.n:,} records, {len(body) / 1e6:.1f} MB GB18030 CSV on {store.dialect}: "
        f"received (HTTP {answer.status}) in {t1 - t0:.2f}s, applied in {t2 - t1:.1f}s "
        f"({args.n / (t2 - t1):,.0f} records/s); created {c['created']:,}, rejected {c['rejected']}"
    )


if __name__ == "__main__":
    main()
