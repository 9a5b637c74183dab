"""How messy the harvested world is: distinct spellings and completeness per network, from a store.

    .venv/bin/hub demo --no-serve            # fills var/hub.sqlite (about 2 minutes on 2 cores)
    .venv/bin/python tests/bench/bench_world.py [--db URL] [--json]

Prints the distinct instrument names, models and manufacturers of the catalogue (listed instruments),
and per network the raw completeness indicator of the ranking — the `completeness` metric of
`hub.evaluation.metrics` (share of KEY_FIELDS filled), computed by the evaluation's own code from the
same snapshot it ranks — with the spread between the most and the least complete network, and
beside it the raw indicator of the ranking the demo wrote (`var/demo-report/report.json`; note that
the demo's own test rewrites that report at a small scale).
Targets of issue 19: ≥ 2,000 names, ≥ 1,000 models, spread ≥ 0.30.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy import func, select

from hub import PROJECT_ROOT
from hub.evaluation.metrics import METRICS
from hub.evaluation.snapshot import load_snapshots
from hub.store.db import Store
from hub.store.models import Instrument


def measure(store) -> dict:
    listed = Instrument.withdrawn_at.is_(None)
    with store.read() as conn:
        count = conn.execute(select(func.count()).select_from(Instrument).where(listed)).scalar_one()
        distinct = {
            col: conn.execute(select(func.count(func.distinct(getattr(Instrument, col)))).where(listed)).scalar_one()
            for col in ("name", "model", "manufacturer")
        }
    snapshots, _, _, _ = load_snapshots(store, period=2012)
    completeness = METRICS.get("completeness").fn
    per_network = {code: completeness(s) for code, s in sorted(snapshots.items()) if s.instruments}
    values = [v for v in per_network.values() if v is not None]
    return {
        "instruments": count,
        "distinct": distinct,
        "completeness": per_network,
        "spread": max(values) - min(values) if values else None,
    }


def report_completeness(path) -> dict[str, float]:
    """The raw `completeness` indicator per unit in a ranking's report.json (what the ranking used)."""
    report = json.loads(path.read_text(encoding="utf-8"))
    return {
        u["id"]: u["indicators"]["completeness"]["raw"]
        for u in report["units"]
        if u["indicators"].get("completeness", {}).get("raw") is not None
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=f"sqlite:///{PROJECT_ROOT / 'var' / 'hub.sqlite'}", help="store URL (default: the demo's)")
    ap.add_argument(
        "--report",
        default=str(PROJECT_ROOT / "var" / "demo-report" / "report.json"),
        help="a ranking's report.json whose raw completeness is shown beside (default: the demo's)",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    store = Store(args.db)
    try:
        result = measure(store)
    finally:
        store.dispose()
    report = Path(args.report)
    result["report_completeness"] = report_completeness(report) if report.exists() else None
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    d = result["distinct"]
    print(
        f"{result['instruments']:,} instruments listed: {d['name']:,} distinct names, {d['model']:,} distinct models, "
        f"{d['manufacturer']:,} distinct manufacturers"
    )
    ranked = result["report_completeness"] or {}
    print("raw completeness (share of key fields filled) per network" + (f"; beside it, the ranking's in {report}:" if ranked else ":"))
    for code, value in sorted(result["completeness"].items(), key=lambda kv: -kv[1]):
        print(f"  {code}  {value:.3f}" + (f"  {ranked[code]:.3f}" if code in ranked else ""))
    print(
        f"spread between the most and the least complete network: {result['spread']:.3f}"
        + (f" (ranking: {max(ranked.values()) - min(ranked.values()):.3f})" if ranked else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
