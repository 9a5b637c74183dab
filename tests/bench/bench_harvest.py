"""Benchmark: harvest a 10x simulation of the three reference networks (~95,000 instruments).

Target (spine issue): at least 3,000 records/s end to end on SQLite on 2 cores, peak RSS under 400 MB.
The simulator runs in its own process (its memory is not the hub's, its CPU is on the same machine);
the harvest runs as `hub harvest` in another, and this script samples the memory of that process
and its workers: the largest process's RSS, their summed RSS and their summed PSS.

    .venv/bin/python tests/bench/bench_harvest.py [--scale 10] [--workers 3] [--database-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.simulate import start_in_subprocess  # noqa: E402

NETWORKS = ["370000", "420000", "130000"]


def sample_memory(pid: int, stop: threading.Event, out: dict):
    """Peaks of the harvest's memory: the largest process's RSS, the sum of the tree's RSS (which
    counts the pages the processes share — libraries — once per process) and the sum of its PSS
    (proportional set size: each shared page divided among its sharers, so the tree's real total)."""
    peak_tree = peak_one = peak_pss = 0
    while not stop.is_set():
        try:
            root = psutil.Process(pid)
            procs = [root] + root.children(recursive=True)
            info = [p.memory_full_info() for p in procs if p.is_running()]
            rss = [i.rss for i in info]
            peak_tree, peak_one = max(peak_tree, sum(rss)), max(peak_one, max(rss, default=0))
            peak_pss = max(peak_pss, sum(i.pss for i in info))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out.update(peak_tree_mb=peak_tree / 2**20, peak_process_mb=peak_one / 2**20, peak_pss_mb=peak_pss / 2**20)


def cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument(
        "--workers", type=int, default=3, help="networks at once (default 3: what `hub harvest` picks for 3 networks on 2 cores)"
    )
    ap.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (and its database) afterwards")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="hub-bench-")
    db = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    print(f"starting the simulator (scale {args.scale}) …", flush=True)
    url, stop_sim = start_in_subprocess(networks=NETWORKS, scale=args.scale)
    simulator = [p for p in psutil.Process().children() if "hub.simulate" in " ".join(p.cmdline())]
    sim_cpu_before = cpu_seconds(simulator)
    try:
        env = dict(os.environ, HUB_DATABASE_URL=db, HUB_SIMULATOR_URL=url)
        hub = str(Path(sys.executable).with_name("hub"))
        subprocess.run([hub, "init"], env=env, check=True, capture_output=True)
        cmd = [hub, "harvest", *NETWORKS, "--workers", str(args.workers), "--json"]
        print("running:", " ".join(cmd[1:]), flush=True)
        before = os.times()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stop, mem = threading.Event(), {}
        sampler = threading.Thread(target=sample_memory, args=(proc.pid, stop, mem))
        sampler.start()
        out, err = proc.communicate()
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        sim_cpu = cpu_seconds(simulator) - sim_cpu_before
        after = os.times()  # children's times: `hub harvest` and the workers it waited for
        harvest_cpu = after.children_user + after.children_system - before.children_user - before.children_system
    finally:
        stop_sim()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)  # ~350 MB of SQLite per run at scale 10
    if proc.returncode not in (0, 1):
        print(err, file=sys.stderr)
        sys.exit(proc.returncode)
    results = json.loads(out)
    fetched = sum(r["fetched"] for r in results)
    for r in results:
        print(
            f"  {r['network']} {r['kind']:<11} {r['state']:<9} fetched {r['fetched']:>7,} created {r['created']:>7,} "
            f"rejected {r['rejected']:>5,} {r['seconds']:>6.1f}s  requests {r['telemetry'].get('requests')}"
        )
    print(
        f"records: {fetched:,} in {seconds:.1f} s = {fetched / seconds:,.0f} records/s end to end "
        f"(workers {args.workers}, cores {os.cpu_count()})"
    )
    print(
        f"peak memory: RSS {mem.get('peak_process_mb', 0):.0f} MB largest process, {mem.get('peak_tree_mb', 0):.0f} MB summed over "
        f"the harvest's processes; PSS {mem.get('peak_pss_mb', 0):.0f} MB summed (shared pages counted once)"
    )
    print(
        f"CPU: harvest {harvest_cpu:.1f} s ({1000 * harvest_cpu / fetched:.2f} ms a record), simulator {sim_cpu:.1f} s, "
        f"of {seconds * (os.cpu_count() or 1):.1f} core-seconds available"
    )


if __name__ == "__main__":
    main()
