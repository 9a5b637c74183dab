"""Catalogue benchmark (a script a person reruns, not a timed test; needs `pip install -e '.[bench]'`).

    .venv/bin/python tests/bench/bench_catalogue.py                      # 300,000 instruments, SQLite
    .venv/bin/python tests/bench/bench_catalogue.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    # a million, built once and kept (the PostgreSQL database must exist and be named *bench*):
    createdb -h 127.0.0.1 -U postgres bench1m
    PG=postgresql+psycopg://postgres@127.0.0.1:5432/bench1m
    .venv/bin/python tests/bench/bench_catalogue.py --n 1000000 --dir /data/bench --reuse --build-only --postgres $PG
    .venv/bin/python tests/bench/bench_catalogue.py --n 1000000 --dir /data/bench --reuse --skip-export --postgres $PG

Steps: generate N realistic instruments straight into a store (bulk Core inserts, then one
`index_all`; with --reuse kept, resumed when stopped during indexing, and upgraded to the code's
migrations when reused), then, against gunicorn (2 workers), each figure with the load average:
1. the home page cold: the first request (API and HTML) after each of 20 catalogue changes;
2. the whole catalogue repeated (no q, and q=仪);
3. single client: GET /api/v1/instruments with q + a province or city + one more filter (+ facets,
   always returned): p50 / p95 over a fixed mix;                             target p95 ≤ 100 ms
4. broad: q + nation-wide filters (10,000–110,000 matches);                 target p95 ≤ 100 ms
   and the same questions asked again after one network's documents change (what a visitor meets
   while a harvest commits its batches; after the first such change, from which each is kept by
   network):                                                                 target p95 ≤ 100 ms
5. wide: no q, one or two filters (a province, a category, a value band: up to 800,000 matches),
   pages 1–50;                                                               target p95 ≤ 100 ms
6. 8 concurrent clients: requests per second, and gunicorn's CPU per request; target ≥ 150/s
7. `hub export` of the whole catalogue in csv, jsonl and xlsx: peak RSS of the process; target < 300 MB
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.search.index import index_all  # noqa: E402
from hub.store.db import Store  # noqa: E402
from hub.store.migrate import upgrade  # noqa: E402
from hub.store.models import Instrument, Network, OwnerUnit  # noqa: E402
from hub.web.api.answers import default_directory  # noqa: E402

# (name, name_en, category, manufacturers/models, functions)
TYPES = [
    (
        "高效液相色谱仪",
        "HPLC",
        "010500",
        [("Agilent", "1260 Infinity II"), ("Waters", "e2695"), ("岛津", "LC-20AT")],
        "药物成分分析、食品添加剂检测",
    ),
    ("超高效液相色谱仪", "UPLC", "010500", [("Waters", "ACQUITY H-Class")], "中药指纹图谱、杂质分析"),
    ("气相色谱仪", "Gas chromatograph", "010500", [("Agilent", "7890B"), ("岛津", "GC-2014")], "农药残留、挥发性成分检测"),
    ("离子色谱仪", "Ion chromatograph", "010500", [("Thermo Fisher", "ICS-5000+")], "水中阴阳离子分析"),
    ("气相色谱-质谱联用仪", "GC-MS", "010200", [("Agilent", "7890A-5975C"), ("岛津", "GCMS-QP2020")], "挥发性有机物定性定量"),
    ("液相色谱-质谱联用仪", "LC-MS", "010200", [("Agilent", "6470"), ("AB Sciex", "Triple Quad 5500")], "药物代谢、兽药残留分析"),
    ("电感耦合等离子体质谱仪", "ICP-MS", "010200", [("Thermo Fisher", "iCAP RQ"), ("Agilent", "7900")], "痕量元素分析，可与液相色谱联用"),
    (
        "场发射扫描电子显微镜",
        "FE-SEM",
        "010100",
        [("Hitachi", "SU8010"), ("Zeiss", "Sigma 300"), ("FEI", "Nova NanoSEM 450")],
        "材料表面形貌观察与能谱分析",
    ),
    ("扫描电子显微镜", "SEM", "010100", [("Hitachi", "SU3500"), ("JEOL", "JSM-7800F")], "微观形貌观察"),
    ("透射电子显微镜", "TEM", "010100", [("JEOL", "JEM-2100F"), ("FEI", "Talos F200X")], "晶体结构与纳米材料表征"),
    ("核磁共振波谱仪", "NMR spectrometer", "010600", [("Bruker", "AVANCE III 400"), ("Bruker", "AVANCE NEO 600")], "有机化合物结构鉴定"),
    ("X射线衍射仪", "XRD", "010300", [("Bruker", "D8 ADVANCE"), ("Rigaku", "SmartLab")], "物相分析、晶粒尺寸测定"),
    ("X射线荧光光谱仪", "XRF", "010300", [("PANalytical", "Axios"), ("Rigaku", "ZSX Primus")], "主次量元素分析"),
    ("傅里叶变换红外光谱仪", "FTIR", "010400", [("Thermo Fisher", "Nicolet iS50"), ("Bruker", "VERTEX 70")], "官能团鉴定"),
    ("紫外可见分光光度计", "UV-Vis", "010400", [("岛津", "UV-2600"), ("PerkinElmer", "Lambda 950")], "吸光度测定，可作液相色谱检测器参比"),
    ("原子吸收光谱仪", "AAS", "010400", [("PerkinElmer", "PinAAcle 900T")], "重金属元素测定"),
    ("激光拉曼光谱仪", "Raman", "010400", [("Horiba", "LabRAM HR Evolution"), ("Renishaw", "inVia")], "分子结构分析"),
    ("激光共聚焦显微镜", "Confocal microscope", "010800", [("Zeiss", "LSM 880"), ("Leica", "TCS SP8")], "活细胞成像"),
    ("原子力显微镜", "AFM", "010800", [("Bruker", "Dimension Icon")], "表面粗糙度与纳米力学"),
    ("同步热分析仪", "STA", "010900", [("Netzsch", "STA 449 F3")], "热重与差热分析"),
    ("差示扫描量热仪", "DSC", "010900", [("TA Instruments", "Q2000")], "玻璃化转变与熔融焓测定"),
    ("流式细胞仪", "Flow cytometer", "011000", [("BD", "FACSAria III"), ("Beckman", "CytoFLEX")], "细胞分选与免疫表型分析"),
    ("实时荧光定量PCR仪", "qPCR", "011000", [("Bio-Rad", "CFX96"), ("Thermo Fisher", "QuantStudio 5")], "基因表达定量"),
    ("全自动生化分析仪", "Biochemistry analyser", "011000", [("Roche", "cobas c 311")], "临床生化检测"),
    ("总有机碳分析仪", "TOC analyser", "011100", [("岛津", "TOC-L")], "水质总有机碳测定"),
    ("微波消解仪", "Microwave digester", "011200", [("CEM", "MARS 6")], "样品前处理，配合电感耦合等离子体质谱"),
    ("万能材料试验机", "Universal testing machine", "020100", [("Instron", "5982"), ("MTS", "E45")], "拉伸、压缩、弯曲试验"),
    ("激光粒度分析仪", "Laser particle sizer", "020500", [("Malvern", "Mastersizer 3000")], "粒径分布测定"),
    ("工业CT", "Industrial CT", "020600", [("YXLON", "FF35 CT")], "无损检测与三维重构"),
    ("三坐标测量机", "CMM", "030100", [("Hexagon", "Global S")], "几何尺寸精密测量"),
    ("高性能计算集群", "HPC cluster", "050000", [("曙光", "TC4600"), ("浪潮", "NF5280M5")], "科学计算与数值模拟"),
    ("小动物活体成像系统", "In vivo imaging", "060000", [("PerkinElmer", "IVIS Lumina III")], "活体荧光与生物发光成像"),
]
PREFIXES = ["", "", "", "全自动", "高分辨", "便携式", "台式", "智能"]
OWNER_TYPES = ["university"] * 5 + ["institute"] * 3 + ["enterprise"] * 2 + ["other"]
LEVELS = ["central", "provincial", "provincial", "municipal", None]
STATUSES = ["normal"] * 8 + ["standby", "awaiting_repair"]
SHARING = ["external"] * 7 + ["internal"] * 2 + ["none"]
PROVINCES = [
    "110000",
    "120000",
    "130000",
    "140000",
    "150000",
    "210000",
    "220000",
    "230000",
    "310000",
    "320000",
    "330000",
    "340000",
    "350000",
    "360000",
    "370000",
    "410000",
    "420000",
    "430000",
    "440000",
    "450000",
    "460000",
    "500000",
    "510000",
    "520000",
    "530000",
    "540000",
    "610000",
    "620000",
    "630000",
    "640000",
]
QUERIES = [
    "液相色谱",
    "电镜",
    "SU8010",
    "核磁",
    "HPLC",
    "质谱",
    "显微镜",
    "色谱",
    "GC-MS",
    "X射线",
    "PCR",
    "热分析",
    "Bruker",
    "光谱",
    "粒度",
]


def generate(store: Store, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    I, O = Instrument.__table__, OwnerUnit.__table__
    with store.write() as conn:
        conn.execute(
            insert(Network), [{"code": p, "name": f"{p}大型科学仪器共享网", "province": p, "family": "sdyq-xml"} for p in PROVINCES]
        )
        owners = []
        for p in PROVINCES:
            for k in range(100):
                owners.append(
                    {"network": p, "name": f"{p[:2]}省第{k}研究单位", "type": rnd.choice(OWNER_TYPES), "level": rnd.choice(LEVELS)}
                )
        conn.execute(insert(O), owners)
        owner_ids = {}
        for oid, net in conn.execute(text("SELECT id, network FROM owner_units")):
            owner_ids.setdefault(net, []).append(oid)
    batch = []
    for i in range(n):
        name, name_en, cat, makers, functions = rnd.choice(TYPES)
        maker, model = rnd.choice(makers)
        net = rnd.choice(PROVINCES)
        city = f"{net[:2]}{rnd.randint(1, 12):02d}00"
        value = (
            Decimal(rnd.choice([rnd.randint(300_000, 900_000), rnd.randint(500_000, 3_000_000), rnd.randint(1_000_000, 15_000_000)]))
            if rnd.random() > 0.03
            else None
        )
        upd = now - timedelta(days=rnd.randint(0, 2000))
        row = {
            "id": f"{net}:B{i:07d}",
            "network": net,
            "source_id": f"B{i:07d}",
            "name": rnd.choice(PREFIXES) + name,
            "name_en": name_en,
            "category": cat,
            "model": model,
            "manufacturer": maker,
            "country": rnd.choice(["CN", "US", "JP", "DE"]),
            "original_value": value,
            "commissioned": f"{rnd.randint(2000, 2025)}-{rnd.randint(1, 12):02d}",
            "owner_id": rnd.choice(owner_ids[net]),
            "province_code": net,
            "province_name": f"{net}省",
            "city_code": city,
            "city_name": f"{city}市",
            "county_code": None,
            "county_name": None,
            "address": f"科技路{rnd.randint(1, 999)}号",
            "specs": f"分辨率 {rnd.randint(1, 99)} nm；功率 {rnd.randint(1, 50)} kW",
            "functions": functions,
            "services": "对外提供测试服务",
            "fee_text": f"{rnd.randint(50, 2000)}元/样",
            "fee_amount": Decimal(rnd.randint(50, 2000)),
            "fee_unit": "样",
            "booking_url": None,
            "contact_name": "联系人",
            "contact_phone": "010-12345678",
            "contact_email": None,
            "status": rnd.choice(STATUSES),
            "sharing": rnd.choice(SHARING),
            "certifications": "CMA" if rnd.random() < 0.3 else None,
            "subjects": None,
            "source_updated": upd,
            "first_seen": upd,
            "last_seen": now,
            "withdrawn_at": None,
            "withdrawn_reason": None,
            "content_hash": hashlib.sha256(str(i).encode()).hexdigest(),
            "last_job_id": 1,
            "last_batch_id": None,
        }
        row["certified"] = row["certifications"] is not None
        batch.append(row)
        if len(batch) == 5000 or i == n - 1:
            with store.write() as conn:
                conn.execute(insert(I), batch)
            batch = []
    with store.write() as conn:
        index_all(conn)
    _analyse(store)


def _analyse(store: Store) -> None:
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with store.write() as conn:
            conn.execute(text("ANALYZE"))


def broad_mix(count: int, seed: int = 13) -> list[str]:
    """q + two nation-wide filters: result sets of 10,000-30,000 instruments (the hard case)."""
    rnd = random.Random(seed)
    filters = [
        lambda: {"category": rnd.choice(["01", "0105", "0101"]), "certified": rnd.choice(["true", "false"])},
        lambda: {"owner_type": rnd.choice(["university", "institute"]), "min_value": "500000"},
    ]
    return ["/api/v1/instruments?" + urllib.parse.urlencode({"q": rnd.choice(QUERIES), **rnd.choice(filters)()}) for _ in range(count)]


def wide_mix(count: int, seed: int = 17) -> list[str]:
    """No q, one or two wide filters (a province, a category, a value band: 30k-500k matches), some
    pages deep: what a visitor browsing by facet clicks."""
    rnd = random.Random(seed)
    filters = [
        lambda: {"network": rnd.choice(PROVINCES)},
        lambda: {"category": rnd.choice(["01", "0105", "0101", "02"])},
        lambda: {"min_value": "1000000", "max_value": "1999999.99"},
        lambda: {"sharing": "external", "certified": rnd.choice(["true", "false"])},
        lambda: {"network": rnd.choice(PROVINCES), "owner_type": rnd.choice(["university", "institute"])},
    ]
    out = []
    for _ in range(count):
        params = {**rnd.choice(filters)(), "page": rnd.choice([1, 1, 2, 5, 50])}
        out.append("/api/v1/instruments?" + urllib.parse.urlencode(params))
    return out


def request_mix(count: int, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    # What a user of the national catalogue narrows by: a province (network) or a city, then one more.
    filters = [
        lambda: {"network": rnd.choice(PROVINCES), "sharing": "external"},
        lambda: {"network": rnd.choice(PROVINCES), "certified": rnd.choice(["true", "false"])},
        lambda: {"network": rnd.choice(PROVINCES), "min_value": "500000"},
        lambda: {"city": f"{rnd.choice(PROVINCES)[:2]}0{rnd.randint(1, 9)}00", "category": "01"},
        lambda: {"network": rnd.choice(PROVINCES), "owner_type": rnd.choice(["university", "institute"])},
    ]
    out = []
    for _ in range(count):
        params = {"q": rnd.choice(QUERIES), **rnd.choice(filters)()}
        out.append("/api/v1/instruments?" + urllib.parse.urlencode(params))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Seconds gunicorn lets one request run before it kills the worker (its default is 30). The first
#: q=仪 (every instrument matches: facets and ranking of a million) is a warm-up, not a measured
#: request, and took more than 30 s on a loaded 2-core machine: the killed worker ended the run.
WORKER_TIMEOUT = 120


def start_gunicorn(url: str, workers: int = 2):
    # What an earlier run kept on the host's shelf (answers, counts and pages by network) would make
    # this run's first-time questions answers kept from then (a PostgreSQL rerun: p95 66 ms against 1,293).
    shutil.rmtree(default_directory(url), ignore_errors=True)
    port = free_port()
    # A benchmark's own key (the app refuses to start without one: it signs OAI-PMH resumption tokens).
    env = {"HUB_SECRET_KEY": "bench-" + uuid.uuid4().hex, **os.environ, "HUB_DATABASE_URL": url}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    proc = subprocess.Popen(
        [gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", str(WORKER_TIMEOUT)]
        + ["--log-level", "warning", "hub.web.wsgi:app"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/api/v1/stats", timeout=30).read()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def fetch(url: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        r.read()
        assert r.status == 200
    return time.perf_counter() - t


def single_client(base: str, paths: list[str]) -> dict:
    for p in paths[:20]:
        fetch(base + p)  # warm caches and connections
    timed = sorted((fetch(base + p), p) for p in paths)
    times = [t for t, _ in timed]
    return {
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[int(0.95 * len(times)) - 1],
        "max_ms": 1000 * times[-1],
        "requests": len(times),
        # What the tail is made of (the p95 is one of these when fewer than 100 requests were made).
        "slowest": [(round(1000 * t), urllib.parse.unquote(p)) for t, p in timed[-SLOWEST:][::-1]],
    }


#: How many of a phase's slowest requests are printed after its figures, to show what the tail is made of.
SLOWEST = 5


def print_slowest(backend: str, figures: dict) -> None:
    for ms, path in figures.get("slowest", []):
        print(f"[{backend}]     {ms:>6} ms  {path}", flush=True)


def concurrent(base: str, paths: list[str], clients: int = 8) -> dict:
    chunks = [paths[i::clients] for i in range(clients)]
    errors = []

    def run(chunk):
        for p in chunk:
            try:
                fetch(base + p)
            except Exception as exc:  # counted, reported
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    return {"requests_per_s": len(paths) / elapsed, "errors": len(errors), "requests": len(paths), "clients": clients}


def export_rss(url: str, fmt: str, out: Path) -> dict:
    env = {**os.environ, "HUB_DATABASE_URL": url}
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from hub.cli import main; main()", "export", "--format", fmt, "--out", str(out)],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    message = proc.stderr.read().decode().strip()
    if proc.returncode:
        raise SystemExit(f"export failed: {message}")
    return {
        "format": fmt,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "seconds": time.perf_counter() - t,
        "size_mb": out.stat().st_size / 2**20,
        "message": message,
    }


def _count(store: Store, table: str) -> int:
    try:
        with store.read() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    except Exception:  # no such table yet: a fresh database
        return -1


def _drop_all(store: Store) -> None:
    """Empty a half-built database, so that a rebuild starts from nothing."""
    if store.dialect == "sqlite":
        path = Path(store.url.split("///", 1)[-1])
        store.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        if "bench" not in store.engine.url.database:
            raise SystemExit(f"{store.url} holds another catalogue: only a database named *bench* is emptied and rebuilt")
        with store.write() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def build(url: str, n: int, backend: str) -> None:
    """Generate and index N instruments at `url`, unless it holds them already.

    Resumable: a database whose instruments are all there but whose index is not complete (a run
    stopped during indexing) is only reindexed; anything else is emptied and built again."""
    store = Store(url)
    instruments, documents = _count(store, "instruments"), _count(store, "search_docs")
    if instruments == n and documents == n:
        t = time.perf_counter()
        upgrade(store)  # a catalogue built by older code gets the newer migrations (and what they fill)
        print(f"[{backend}] reusing {n} instruments at {url} (upgraded in {time.perf_counter() - t:.0f} s)", flush=True)
        store.dispose()
        return
    t = time.perf_counter()
    if instruments != n:
        if instruments >= 0:
            _drop_all(store)
            store = Store(url)
        upgrade(store)
        generate(store, n)
    else:
        with store.write() as conn:
            index_all(conn)
        _analyse(store)
    print(f"[{backend}] generated and indexed {n} instruments in {time.perf_counter() - t:.0f} s", flush=True)
    store.dispose()


def touch(url: str, k: int) -> None:
    """A catalogue change, as a harvest makes one: instrument k's document is rewritten through the
    store hook, which bumps its network's index version (every cached count is then stale)."""
    from hub.store import hooks

    store = Store(url)
    with store.write() as conn:
        ident = conn.execute(text("SELECT id FROM instruments ORDER BY id LIMIT 1 OFFSET :k"), {"k": k}).scalar_one()
        conn.execute(text("UPDATE instruments SET last_seen = :t WHERE id = :i"), {"t": datetime.now(timezone.utc), "i": ident})
        hooks.instruments_changed(conn, [ident])
    store.dispose()


def cold(base: str, url: str, paths: list[str], rounds: int) -> dict:
    """Each path as the first request after a catalogue change (what a visitor meets after every
    harvest), `rounds` times: p50 / p95 over all of them."""
    times = []
    for r in range(rounds):
        touch(url, 1000 * r + 1)
        times += [fetch(base + p) for p in paths]
    times.sort()
    return {
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[max(0, int(0.95 * len(times)) - 1)],
        "max_ms": 1000 * times[-1],
        "requests": len(times),
    }


def after_changes(base: str, url: str, paths: list[str], rounds: int, per_round: int = 6) -> tuple[dict, dict]:
    """Questions asked before, asked again after a change in one network: (the first time each is asked
    after a change — ranked and counted again in every network, kept by network from then on —, then
    `rounds` rounds of a change and `per_round` of the questions)."""
    asked = list(dict.fromkeys(paths))
    for p in asked:
        fetch(base + p)
    touch(url, 7)
    first = [(fetch(base + p), p) for p in asked]
    times = []
    for r in range(rounds):
        touch(url, 1000 * r + 7)
        times += [(fetch(base + p), p) for p in paths[r * per_round % len(paths) :][:per_round]]
    return _figures(first), _figures(times)


def _figures(timed: list[tuple[float, str]]) -> dict:
    timed = sorted(timed)
    times = [t for t, _ in timed]
    return {
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[max(0, int(0.95 * len(times)) - 1)],
        "max_ms": 1000 * times[-1],
        "requests": len(times),
        "slowest": [(round(1000 * t), urllib.parse.unquote(p)) for t, p in timed[-SLOWEST:][::-1]],
    }


def load() -> str:
    """The machine's load average and this process tree's CPU seconds: the machine is shared."""
    return f"load {os.getloadavg()[0]:.2f}"


def server_cpu(proc) -> float:
    """CPU seconds the gunicorn master and its workers have used (from /proc)."""
    import psutil

    try:
        parent = psutil.Process(proc.pid)
        procs = [parent, *parent.children(recursive=True)]
        return sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    except psutil.Error:
        return float("nan")


def measure(backend: str, url: str, args, paths: list[str]) -> None:
    proc, base = start_gunicorn(url)
    try:
        cpu0 = server_cpu(proc)
        # Started workers first: what a process computes once (labels, city names, connections) is
        # not what a catalogue change costs; the home page itself stays uncounted until `cold`.
        for p in [*paths[:10], "/?network=110000", "/api/v1/instruments?network=110000"] * 2:
            fetch(base + p)
        home = ["/api/v1/instruments", "/"]
        c = cold(base, url, home, args.cold_rounds)
        print(
            f"[{backend}] home page COLD (first request after a catalogue change; API + HTML page):"
            f" p50 {c['p50_ms']:.0f} ms, p95 {c['p95_ms']:.0f} ms, max {c['max_ms']:.0f} ms over {c['requests']} ({load()})",
            flush=True,
        )
        browse = single_client(base, ["/api/v1/instruments", "/api/v1/instruments?" + urllib.parse.urlencode({"q": "仪"})] * 10)
        print(
            f"[{backend}] whole catalogue, repeated (no q / q=仪): p50 {browse['p50_ms']:.0f} ms, p95 {browse['p95_ms']:.0f} ms ({load()})",
            flush=True,
        )
        one = single_client(base, paths)
        print(
            f"[{backend}] single client: p50 {one['p50_ms']:.1f} ms, p95 {one['p95_ms']:.1f} ms,"
            f" max {one['max_ms']:.0f} ms over {one['requests']} requests ({load()})",
            flush=True,
        )
        print_slowest(backend, one)
        broad = single_client(base, broad_mix(args.broad))
        print(
            f"[{backend}] broad filters (q + nation-wide filters, 10k-30k matches):"
            f" p50 {broad['p50_ms']:.0f} ms, p95 {broad['p95_ms']:.0f} ms, max {broad['max_ms']:.0f} ms ({load()})",
            flush=True,
        )
        print_slowest(backend, broad)
        first, again = after_changes(base, url, broad_mix(args.broad), args.cold_rounds)
        print(
            f"[{backend}] broad filters, first asked again after a change (each ranked and counted in every network):"
            f" p50 {first['p50_ms']:.0f} ms, p95 {first['p95_ms']:.0f} ms, max {first['max_ms']:.0f} ms over {first['requests']}"
            f" ({load()})",
            flush=True,
        )
        print(
            f"[{backend}] broad filters, asked again after later changes in one network (a harvest's batches):"
            f" p50 {again['p50_ms']:.0f} ms, p95 {again['p95_ms']:.0f} ms, max {again['max_ms']:.0f} ms over {again['requests']}"
            f" ({load()})",
            flush=True,
        )
        print_slowest(backend, again)
        wide = single_client(base, wide_mix(args.broad))
        print(
            f"[{backend}] wide filters, no q (a province or a category: up to 500k matches), deep pages:"
            f" p50 {wide['p50_ms']:.0f} ms, p95 {wide['p95_ms']:.0f} ms, max {wide['max_ms']:.0f} ms ({load()})",
            flush=True,
        )
        print_slowest(backend, wide)
        before = server_cpu(proc)
        many = concurrent(base, paths * 2)
        spent = server_cpu(proc) - before
        # On a shared machine the wall-clock rate measures the neighbours too; the server's CPU per
        # request does not (on SQLite it includes the database's work, on PostgreSQL not the server's).
        print(
            f"[{backend}] 8 clients, gunicorn -w 2: {many['requests_per_s']:.0f} requests/s"
            f" ({many['requests']} requests, {many['errors']} errors) ({load()});"
            f" gunicorn CPU {1000 * spent / many['requests']:.1f} ms per request, i.e. {2 * many['requests'] / spent:.0f} requests/s"
            " on 2 free cores",
            flush=True,
        )
        print(f"[{backend}] server CPU over the measurement: {server_cpu(proc) - cpu0:.1f} s", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--postgres", help="also run on PostgreSQL at this URL (a fresh schema is created and dropped, unless --reuse)")
    ap.add_argument("--dir", default="/tmp/hub-bench", help="where the SQLite database (bench-N.sqlite) and exports go")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="keep the catalogues: the SQLite file in --dir and the --postgres database itself (not a scratch schema)"
        " are built once, resumed when a build was interrupted, and measured as they are afterwards",
    )
    ap.add_argument("--build-only", action="store_true", help="build (or complete) the catalogues, measure nothing")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--broad", type=int, default=60, help="requests of the broad and the wide mix")
    ap.add_argument("--cold-rounds", type=int, default=20, help="catalogue changes, each followed by the home page")
    ap.add_argument("--skip-export", action="store_true")
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    args = ap.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    targets = []
    if args.only != "postgres":
        targets.append(("sqlite", f"sqlite:///{work}/bench-{args.n}.sqlite"))
    if args.postgres and args.only != "sqlite":
        targets.append(("postgres", args.postgres))
    paths = request_mix(args.requests)
    for backend, url in targets:
        cleanup = None
        if backend == "postgres" and not args.reuse:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"

            def cleanup(admin=admin, schema=schema):
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()

        try:
            if backend == "sqlite" and not args.reuse:
                _drop_all(Store(url))
            build(url, args.n, backend)
            if args.build_only:
                continue
            measure(backend, url, args, paths)
            if not args.skip_export:
                for fmt in ("csv", "jsonl", "xlsx"):
                    r = export_rss(url, fmt, work / f"export-{backend}.{fmt}")
                    print(
                        f"[{backend}] export {fmt}: peak RSS {r['peak_rss_mb']:.0f} MB, {r['seconds']:.0f} s,"
                        f" {r['size_mb']:.0f} MB ({r['message']})",
                        flush=True,
                    )
        finally:
            if cleanup:
                cleanup()


if __name__ == "__main__":
    main()
