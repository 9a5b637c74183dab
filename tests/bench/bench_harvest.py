"""Benchmark: harvest a 10x simulation of the three reference networks (~95,000 instruments), beside its floor.

Targets (issue 17): at least 6,000 records/s end to end on SQLite on 2 cores, peak RSS no higher than
before; the PostgreSQL figure beside it. Figures measured so far: docs/benchmarks.md.

For each backend — SQLite (a fresh file) and PostgreSQL (a fresh database, when the server at
--postgres answers) — one run prints:
* the floor: the XML exports of the run's sdyq-xml networks, fetched once beforehand, parsed with a
  plain lxml iterparse (one dict a record, its JSON) and bulk-inserted with the driver's executemany
  into a table of the same database, 1,000 rows a transaction: what no harvest can beat;
* the hub: `hub harvest` of every network end to end, in its own process (and the workers it
  starts), with its peak memory: the largest process's RSS, the tree's summed RSS and summed PSS,
  and under each network where its wall time went (the job's `phases_s`, `hub.telemetry.Phases`);
  on SQLite, the write transactions' time summed over the networks: SQLite takes one writer at a
  time, so that sum is a bound no split of the rest of the work can beat; and the bound the CPU a
  record sets on these cores, however well the work is spread.
Both rates are records/s; CPU seconds are given beside wall time because the machine is shared
(another process's load moves wall time, much less CPU time).

The simulator runs in its own process (its memory is not the hub's, its CPU is on the same machine),
warm (`hub simulate --warm`): every record is built before the clock starts, as a real network's
server is another machine's work. Cold, it generated each record while the hub read it: 17 s of the
run's 130 core-seconds at scale 10 (0.1–0.2 ms a record), on the two cores the hub is measured on.
--cold-simulator measures that way again.

    .venv/bin/python tests/bench/bench_harvest.py [--scale 10] [--workers 3] [--backend sqlite|postgresql|both]
        [--postgres URL] [--database-url URL] [--runs N] [--keep] [--cold-simulator]

With --runs N each backend is run N times, a fresh database each, and the median and range of the
rates, the CPU a record, the largest process's peak RSS and the floor / hub ratio close its report.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import psutil
import requests
from lxml import etree
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.simulate import start_in_subprocess  # noqa: E402

NETWORKS = ["370000", "420000", "130000"]
POSTGRES = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FLOOR_BATCH = 1_000
#: Issue 17's target on SQLite, records/s end to end on 2 cores.
TARGET = 6_000


def sample_tree(pid: int, stop: threading.Event, out: dict):
    """Peaks of the harvest's memory: the largest process's RSS, the sum of the tree's RSS (which
    counts the pages the processes share — libraries — once per process) and the sum of its PSS
    (proportional set size: each shared page divided among its sharers, so the tree's real total).
    And its CPU: each process's own user + system time as last seen, summed. Workers forked from a
    fork server are its children, not the harvest's, so the harvest's `os.times()` never counts them;
    a process's last ≤ 50 ms before it exits are missed."""
    peak_tree = peak_one = peak_pss = 0
    cpu: dict[tuple[int, float], float] = {}  # (pid, start time) → CPU seconds: a pid may be reused
    while not stop.is_set():
        try:
            root = psutil.Process(pid)
            procs = [root] + root.children(recursive=True)
            info = []
            for p in procs:
                try:
                    with p.oneshot():
                        info.append(p.memory_full_info())
                        t = p.cpu_times()
                        cpu[(p.pid, p.create_time())] = t.user + t.system
                except psutil.Error:
                    continue  # ended since it was listed
            rss = [i.rss for i in info]
            peak_tree, peak_one = max(peak_tree, sum(rss)), max(peak_one, max(rss, default=0))
            peak_pss = max(peak_pss, sum(i.pss for i in info))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out.update(peak_tree_mb=peak_tree / 2**20, peak_process_mb=peak_one / 2**20, peak_pss_mb=peak_pss / 2**20, tree_cpu=sum(cpu.values()))


def cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


# ---------------------------------------------------------------------------------------- the floor


def xml_exports(url: str, codes: list[str]) -> list[tuple[str, bytes]]:
    """(code, export bytes) of the sdyq-xml networks among `codes`, as the simulator serves them."""
    os.environ["HUB_SIMULATOR_URL"] = url
    from hub.config import Registry

    registry = Registry.load()
    out = []
    for code in codes:
        network = registry.get(code)
        if network.family != "sdyq-xml":
            continue
        creds = network.credentials
        response = requests.get(
            network.base_url.rstrip("/") + "/exchange/instruments.xml", auth=(creds["username"], creds["password"]), timeout=300
        )
        response.raise_for_status()
        out.append((code, response.content))
    return out


def floor(database_url: str, exports: list[tuple[str, bytes]]) -> dict:
    """Parse `exports` with iterparse and executemany their rows into `database_url`: records/s, CPU."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_floor")
            conn.exec_driver_sql(
                "CREATE TABLE bench_floor (id VARCHAR(160) PRIMARY KEY, network VARCHAR(6), source_id VARCHAR(120), payload TEXT)"
            )
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO bench_floor (id, network, source_id, payload) VALUES ({mark}, {mark}, {mark}, {mark})"
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            records, cpu, started = 0, time.process_time(), time.perf_counter()
            for code, data in exports:
                rows = []
                for _, element in etree.iterparse(io.BytesIO(data), tag="{*}Instrument"):
                    payload = {child.tag: (child.text or "").strip() for child in element if isinstance(child.tag, str)}
                    sid = payload.get("YQBH") or f"#{records}"
                    rows.append((f"{code}:{sid}", code, sid, orjson.dumps(payload).decode()))
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
                    if len(rows) == FLOOR_BATCH:
                        cursor.executemany(sql, rows)
                        raw.commit()
                        records += len(rows)
                        rows = []
                if rows:
                    cursor.executemany(sql, rows)
                    raw.commit()
                    records += len(rows)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            cursor.execute("DROP TABLE bench_floor")
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return dict(records=records, seconds=seconds, cpu=cpu)


# ---------------------------------------------------------------------------------------- the hub


def run_hub(database_url: str, url: str, simulator, workers: int) -> dict:
    """`hub init` then `hub harvest` of NETWORKS into `database_url`; its rate, CPU and memory."""
    env = dict(os.environ, HUB_DATABASE_URL=database_url, HUB_SIMULATOR_URL=url)
    hub = str(Path(sys.executable).with_name("hub"))
    subprocess.run([hub, "init"], env=env, check=True, capture_output=True)
    cmd = [hub, "harvest", *NETWORKS, "--workers", str(workers), "--json"]
    sim_cpu_before = cpu_seconds(simulator)
    before = os.times()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop, tree = threading.Event(), {}
    sampler = threading.Thread(target=sample_tree, args=(proc.pid, stop, tree))
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    after = os.times()  # children's times: `hub harvest` and the processes it waited for
    if proc.returncode not in (0, 1):
        print(err, file=sys.stderr)
        sys.exit(proc.returncode)
    results = json.loads(out)
    return dict(
        results=results,
        records=sum(r["fetched"] for r in results),
        seconds=seconds,
        # The larger: a process the harvest waited for may have ended between two samples.
        cpu=max(tree.pop("tree_cpu"), after.children_user + after.children_system - before.children_user - before.children_system),
        simulator_cpu=cpu_seconds(simulator) - sim_cpu_before,
        **tree,
    )


def report(backend: str, hub: dict, low: dict | None, workers: int) -> None:
    print(f"[{backend}]")
    for r in hub["results"]:
        print(
            f"  {r['network']} {r['kind']:<11} {r['state']:<9} fetched {r['fetched']:>7,} created {r['created']:>7,} "
            f"rejected {r['rejected']:>5,} {r['seconds']:>6.1f}s  requests {r['telemetry'].get('requests')}"
        )
        phases = r["telemetry"].get("phases_s") or {}
        print("         " + ", ".join(f"{phase.replace('_', ' ')} {seconds:.1f} s" for phase, seconds in phases.items()))
    n = hub["records"]
    if low:
        print(
            f"  floor: {low['records']:,} records (sdyq-xml exports) in {low['seconds']:.1f} s = "
            f"{low['records'] / low['seconds']:,.0f} records/s wall, {low['records'] / low['cpu']:,.0f} records/s of CPU "
            f"({1000 * low['cpu'] / low['records']:.3f} ms CPU a record; iterparse + executemany, one process)"
        )
    print(
        f"  hub:   {n:,} records in {hub['seconds']:.1f} s = {n / hub['seconds']:,.0f} records/s end to end wall, "
        f"{n / hub['cpu']:,.0f} records/s of CPU ({1000 * hub['cpu'] / n:.3f} ms CPU a record; workers {workers}, cores {os.cpu_count()})"
        + (f"; floor / hub = {(low['records'] / low['seconds']) / (n / hub['seconds']):.1f}x" if low else "")
    )
    writing = sum((r["telemetry"].get("phases_s") or {}).get("writing", 0.0) for r in hub["results"])
    if backend == "sqlite" and writing:
        # SQLite has one writer at a time: the networks' write transactions (the `writing` phase,
        # commits included) cannot overlap, so however the rest is split their sum bounds the run.
        print(
            f"  one writer: the write transactions held SQLite's write lock {writing:.1f} s of the {hub['seconds']:.1f} s "
            f"({100 * writing / hub['seconds']:.0f} %); at that pace no split of the other work gets past {n / writing:,.0f} records/s"
        )
    print(
        f"  peak memory: RSS {hub.get('peak_process_mb', 0):.0f} MB largest process, {hub.get('peak_tree_mb', 0):.0f} MB summed over "
        f"the harvest's processes; PSS {hub.get('peak_pss_mb', 0):.0f} MB summed (shared pages counted once)"
    )
    cores = os.cpu_count() or 1
    print(
        f"  CPU: harvest {hub['cpu']:.1f} s, simulator {hub['simulator_cpu']:.1f} s, "
        f"of {hub['seconds'] * cores:.1f} core-seconds available; at {1000 * hub['cpu'] / n:.3f} ms a record, "
        f"{cores} cores kept busy give at most {cores * n / hub['cpu']:,.0f} records/s"
        + (f" (the target of {TARGET:,} needs {1000 * cores / TARGET:.3f} ms or less)" if backend == "sqlite" else ""),
        flush=True,
    )


def summarize(backend: str, runs: list[tuple[dict | None, dict]]) -> None:
    """Median and range over repeated runs: one run of this machine moves ±10 % (other load, CPU
    frequency), so one figure cannot show a change smaller than that; the floor beside the hub in
    each run gives the machine's pace at that moment."""
    if len(runs) < 2:
        return

    def spread(values, fmt) -> str:
        return f"{fmt(statistics.median(values))} (range {fmt(min(values))}–{fmt(max(values))})"

    hubs = [hub for _, hub in runs]
    print(f"[{backend}] over {len(runs)} runs:")
    print(f"  hub:   {spread([h['records'] / h['seconds'] for h in hubs], '{:,.0f}'.format)} records/s end to end wall")
    print(f"         {spread([1000 * h['cpu'] / h['records'] for h in hubs], '{:.3f}'.format)} ms CPU a record")
    print(f"         {spread([h.get('peak_process_mb', 0) for h in hubs], '{:.0f}'.format)} MB peak RSS of the largest process")
    lows = [low for low, _ in runs if low]
    if len(lows) == len(runs):
        print(f"  floor: {spread([low['records'] / low['seconds'] for low in lows], '{:,.0f}'.format)} records/s wall")
        ratios = [(low["records"] / low["seconds"]) / (hub["records"] / hub["seconds"]) for low, hub in runs if low]
        print(f"  floor / hub: {spread(ratios, '{:.1f}x'.format)}", flush=True)


def postgres_database(server_url: str) -> tuple[str, object] | None:
    """A fresh database on the server at `server_url` and a function that drops it; None when it does not answer."""
    try:
        import psycopg
    except ImportError:
        return None
    url = make_url(server_url)
    name = f"hub_bench_harvest_{os.getpid()}"
    dsn = dict(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres", dbname="postgres")
    if url.password:
        dsn["password"] = url.password
    try:
        with psycopg.connect(**dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return None

    def drop():
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument(
        "--workers", type=int, default=3, help="networks at once (default 3: what `hub harvest` picks for 3 networks on 2 cores)"
    )
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both", help="both: PostgreSQL too when it answers")
    ap.add_argument("--postgres", default=POSTGRES, help="a PostgreSQL server (URL); a fresh database is made on it and dropped")
    ap.add_argument("--database-url", help="harvest into this database instead (one backend, no floor)")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (and its SQLite database) afterwards")
    ap.add_argument("--cold-simulator", action="store_true", help="a simulator that generates records as they are read (not --warm)")
    ap.add_argument("--runs", type=int, default=1, help="run each backend N times (a fresh database each), then the median and range")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="hub-bench-")
    print(f"starting the simulator (scale {args.scale}, {'cold' if args.cold_simulator else 'warm'}) …", flush=True)
    url, stop_sim = start_in_subprocess(networks=NETWORKS, scale=args.scale, warm=not args.cold_simulator, timeout=300)
    simulator = [p for p in psutil.Process().children() if "hub.simulate" in " ".join(p.cmdline())]
    try:
        exports = [] if args.no_floor or args.database_url else xml_exports(url, NETWORKS)
        print(f"running: harvest {' '.join(NETWORKS)} --workers {args.workers}", flush=True)
        if args.database_url:
            report(
                make_url(args.database_url).get_backend_name(), run_hub(args.database_url, url, simulator, args.workers), None, args.workers
            )
            return
        if args.backend in ("sqlite", "both"):
            runs = []
            for i in range(args.runs):
                keep = args.keep and i == args.runs - 1  # the last run's databases, when asked to keep them
                files = [Path(tmp) / f"floor{i}.sqlite", Path(tmp) / f"bench{i}.sqlite"]
                low = floor(f"sqlite:///{files[0]}", exports) if exports else None
                runs.append((low, run_hub(f"sqlite:///{files[1]}", url, simulator, args.workers)))
                report("sqlite", runs[-1][1], low, args.workers)
                if not keep:
                    for f in files:
                        for part in (f, Path(f"{f}-wal"), Path(f"{f}-shm")):
                            part.unlink(missing_ok=True)  # ~350 MB a run at scale 10
            summarize("sqlite", runs)
        if args.backend in ("postgresql", "both"):
            runs = []
            for _ in range(args.runs):
                made = postgres_database(args.postgres)
                if made is None:
                    print(f"[postgresql] {make_url(args.postgres).render_as_string()} does not answer: skipped", flush=True)
                    return
                pg_url, drop = made
                try:
                    low = floor(pg_url, exports) if exports else None
                    runs.append((low, run_hub(pg_url, url, simulator, args.workers)))
                    report("postgresql", runs[-1][1], low, args.workers)
                finally:
                    drop()
            summarize("postgresql", runs)
    finally:
        stop_sim()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)  # ~350 MB of SQLite per run at scale 10


if __name__ == "__main__":
    main()
