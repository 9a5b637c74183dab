"""Benchmark (not a test): 30 units × 25 indicators, 2,000 Monte Carlo runs, under 10 s on 2 cores.

Builds a synthetic input table and a framework (4 dimensions of 6–7 indicators, COINr outlier
treatment, weights noise, two normalisation and two aggregation alternatives — Copeland among them,
the costliest), then times `run_evaluation` end to end (load, check, nominal, Monte Carlo, Sobol,
canonical report.json). Run:  .venv/bin/python tests/bench/bench_evaluation.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

UNITS, INDICATORS, LIMIT_S = 30, 25, 10.0


def build(tmp: Path, runs: int) -> Path:
    rng = np.random.default_rng(2013)
    cols = [f"i{j:02d}" for j in range(INDICATORS)]
    data = rng.lognormal(mean=3, sigma=1, size=(UNITS, INDICATORS))
    data[rng.uniform(size=data.shape) < 0.03] = np.nan
    lines = ["unit," + ",".join(cols)]
    for u in range(UNITS):
        lines.append(f"U{u:02d}," + ",".join("" if np.isnan(v) else f"{v:.6f}" for v in data[u]))
    (tmp / "bench.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dims = [[str(c) for c in part] for part in np.array_split(cols, 4)]
    nodes = {"index": {"children": [f"d{k}" for k in range(4)]}}
    for k, members in enumerate(dims):
        nodes[f"d{k}"] = {"children": list(members), "weight": float(k + 1)}
        for c in members:
            nodes[c] = {"source": {"column": c}, "direction": 1 if int(c[1:]) % 5 else -1, "weight": 1 + int(c[1:]) % 3}
    fw = {
        "title": "benchmark",
        "units": "inputs",
        "inputs": ["bench.csv"],
        "index": "index",
        "defaults": {"normalise": {"method": "minmax", "range": [0, 100]}, "outliers": "coinr", "missing": "drop"},
        "screening": {"min_availability": 0.5},
        "uncertainty": {
            "runs": runs,
            "weights": {"noise": 0.25},
            "normalise": [{"method": "percentile"}, {"method": "rank"}],
            "aggregate": ["geometric", "copeland"],
        },
        "nodes": nodes,
    }
    path = tmp / "bench.yaml"
    path.write_text(yaml.safe_dump(fw, sort_keys=False), encoding="utf-8")
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    t0 = time.perf_counter()
    from hub.evaluation.service import run_evaluation  # imports numpy/scipy/SALib: timed apart

    imports = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp), args.runs)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            report, data = run_evaluation(None, path, seed=1, runs=args.runs)
            times.append(time.perf_counter() - t)
    best, worst = min(times), max(times)
    print(
        f"cpus={os.cpu_count()} units={UNITS} indicators={INDICATORS} runs={report['uncertainty']['runs']} "
        f"imports={imports:.2f}s best={best:.2f}s worst={worst:.2f}s report={len(data):,} bytes "
        f"mean_abs_rank_shift={report['uncertainty']['mean_abs_rank_shift']:.2f}"
    )
    verdict = "PASS" if worst + imports < LIMIT_S else "FAIL"
    print(f"{verdict}: worst run plus imports {worst + imports:.2f}s (limit {LIMIT_S:.0f}s)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
