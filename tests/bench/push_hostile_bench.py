"""Peak memory of the push path for a maximum-size body of hostile records (issue 12, defect 3).

    .venv/bin/python tests/bench/push_hostile_bench.py [--mib 64] [--gzip] [--database-url URL]

Starts the web app in its own process (a real HTTP server, its background worker on), pushes one
JSON batch of `--mib` MiB (default: the body limit) made of hostile records — 10 MB fields, fields just
under the record cap, NUL and other control characters, lone surrogates, formulas, repeated ids —
mixed with valid ones, waits until the batch is applied, and prints the server's peak resident memory
(VmHWM) before the push, after receiving it and after applying it, with the batch's counts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.feed import samples  # noqa: E402
from hub.schema import MAX_RECORD_CHARS  # noqa: E402
from tests.hostile.corpus import TEXT  # noqa: E402


def hostile_body(target_bytes: int) -> tuple[bytes, int]:
    """A JSON array of about `target_bytes`: every record carries one hostile value (or is valid)."""
    kinds = [
        ("technical", TEXT["long_10mb"]),  # over the record cap: rejected before mapping
        ("technical", "x" * (MAX_RECORD_CHARS - 3_000)),  # under the cap, over the field's 10,000
        ("technical", TEXT["nul"]),
        ("innerId", "BJ\x00{i}"),
        ("subject", [TEXT["control_chars"]]),
        ("cname", TEXT["lone_surrogate"]),
        ("cname", TEXT["formula"]),
        ("cname", TEXT["zero_width"]),
        (None, None),
        (None, None),
    ]
    parts, size, i = [], 2, 0  # parts: encoded records
    while size < target_bytes - 200_000:
        rec = samples.beijing_records(1, start=i)[0]
        field, value = kinds[i % len(kinds)]
        if field:
            rec[field] = value.format(i=i) if field == "innerId" else value
        if i % 50 == 49:
            rec["innerId"] = samples.beijing_records(1, start=i - 1)[0]["innerId"]  # a repeat
        text = _dumps(rec)
        if size + len(text) > target_bytes and field:
            rec[field] = "x"
            text = _dumps(rec)
        parts.append(text)
        size += len(text) + 2
        i += 1
    return b"[\n" + b",\n".join(parts) + b"\n]", len(parts)


def _dumps(rec) -> bytes:
    # A lone surrogate can only travel as a JSON escape ("\ud800"), never as UTF-8 bytes.
    return json.dumps(rec, ensure_ascii=False).encode("utf-8", "backslashreplace")


SERVER = """
import sys
from werkzeug.serving import WSGIRequestHandler, make_server
from hub.auth.tokens import create_token
from hub.config import Registry, Settings
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from hub.web import create_app
store = Store(sys.argv[1]); upgrade(store); registry = Registry.load(); sync_networks(store, registry)
token = create_token(store, "publisher", "110000")[1]
app = create_app({"STORE": store, "REGISTRY": registry, "SETTINGS": Settings.load(), "FEED_WORKER": True})
class Quiet(WSGIRequestHandler):
    def log_request(self, *a, **k):
        pass
server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
print(server.server_port, token, flush=True)
server.serve_forever()
"""


def hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mib", type=float, default=64.0, help="body size in MiB (default: the 64 MiB body limit)")
    ap.add_argument("--gzip", action="store_true", help="send the body gzip-compressed")
    ap.add_argument("--database-url")
    args = ap.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    body, n = hostile_body(int(args.mib * 1024 * 1024) - 1024)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, url], stdout=subprocess.PIPE, cwd=ROOT, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    try:
        port, token = proc.stdout.readline().split()
        base = f"http://127.0.0.1:{port}"
        idle = hwm_mib(proc.pid)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        data = body
        if args.gzip:
            data, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        t0 = time.perf_counter()
        r = requests.post(f"{base}/api/v1/networks/110000/batches?mode=upsert", data=data, headers=headers, timeout=600)
        received, t1 = hwm_mib(proc.pid), time.perf_counter()
        assert r.status_code in (200, 202), (r.status_code, r.text[:500])
        report_url = base + r.headers["Location"]
        while (report := requests.get(report_url, headers=headers, timeout=60).json())["state"] not in ("done", "failed"):
            time.sleep(0.5)
        t2 = time.perf_counter()
        c = report["counts"]
        print(
            f"{len(body) / 2**20:.1f} MiB JSON body{' (gzip, ' + format(len(data) / 2**20, '.1f') + ' MiB sent)' if args.gzip else ''}, "
            f"{n:,} records on {url.split(':')[0]}: HTTP {r.status_code} in {t1 - t0:.1f}s, {report['state']} in {t2 - t1:.1f}s"
        )
        print(f"counts: {json.dumps(c)}")
        print(
            f"server peak RSS (VmHWM): idle {idle:.0f} MiB, after receiving {received:.0f} MiB, after applying {hwm_mib(proc.pid):.0f} MiB"
        )
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
