"""Relevance benchmark: nDCG@10 of the judged query set, on SQLite and PostgreSQL, and whether the
two backends rank identically (a script a person reruns; tests/search/test_relevance.py asserts
the same at a smaller scale).

    .venv/bin/python tests/bench/bench_relevance.py                 # scale 0.02 (≈1,500 instruments)
    .venv/bin/python tests/bench/bench_relevance.py --scale 0.05 --verbose

The catalogue is the simulated world's instruments (every network), graded by kind
(tests/search/judged_queries.py); PostgreSQL is the local test server (HUB_TEST_PG_URL), skipped
with a note when it does not answer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.store.migrate import upgrade  # noqa: E402
from tests.conftest import POSTGRES, make_store  # noqa: E402
from tests.search.relevance import build_catalogue, evaluate, mean_ndcg  # noqa: E402


def run(backend: str, scale: float) -> list[dict]:
    store, cleanup = make_store(backend, Path(tempfile.mkdtemp(prefix="hub-relevance-")))
    try:
        upgrade(store)
        kinds = build_catalogue(store, scale=scale)
        return evaluate(store, kinds)
    finally:
        cleanup()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02, help="share of each network's instruments (default 0.02)")
    parser.add_argument("--verbose", action="store_true", help="every query's nDCG and grades")
    args = parser.parse_args(argv)
    results = {}
    for backend in ("sqlite", "postgres"):
        if backend == "postgres" and not POSTGRES:
            print("[postgres] not reachable: skipped")
            continue
        started = time.perf_counter()
        results[backend] = run(backend, args.scale)
        res = results[backend]
        print(f"[{backend}] {len(res)} judged queries, nDCG@10 {mean_ndcg(res):.3f} ({time.perf_counter() - started:.0f} s)")
        for typed in sorted({r["typed"] for r in res}):
            part = [r for r in res if r["typed"] == typed]
            print(f"    {typed:10s} {len(part):2d} queries  nDCG@10 {mean_ndcg(part):.3f}")
        if args.verbose:
            for r in res:
                note = f"  (corrected from {r['corrected_from']})" if r["corrected_from"] else ""
                print(f"    {r['ndcg']:.3f}  {r['query']}  {r['grades']}{note}")
    if len(results) == 2:
        same = [(a["ids"], round(a["ndcg"], 9)) == (b["ids"], round(b["ndcg"], 9)) for a, b in zip(results["sqlite"], results["postgres"])]
        print(f"SQLite and PostgreSQL rank identically: {all(same)} ({sum(same)}/{len(same)} queries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
