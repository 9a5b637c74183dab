"""Time POST /api/v1/evaluations with the built-in framework over a store (not a timed test).

    .venv/bin/python tests/evaluations_web/bench_post.py [DATABASE_URL] [--runs N ...]

Default store: settings' database_url (after `hub demo` it holds the 30 demo networks). The store is
copied first when it is a SQLite file, so the benchmark writes nothing into it. Prints the time of
each POST (checked and queued: the answer) and until its request succeeded (the app's in-process
queue computes and stores it; on PostgreSQL run a `hub worker` beside it), and of the first
report.html and page charts, which are drawn on first request and then kept.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    from hub.auth.tokens import create_token
    from hub.config import settings
    from hub.store.db import Store
    from hub.web import create_app

    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?", default=settings().database_url)
    parser.add_argument("--runs", type=int, nargs="*", default=[0, 1000, 5000])
    args = parser.parse_args()
    url = args.url
    if url.startswith("sqlite:///"):
        copy = Path(tempfile.mkdtemp(prefix="hub-bench-")) / "hub.sqlite"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    store = Store(url)
    app = create_app({"STORE": store, "TESTING": True, "FEED_WORKER": True})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(store, 'evaluator')[1]}"}
    for runs in args.runs:
        t = time.perf_counter()
        r = client.post(
            "/api/v1/evaluations", json={"framework": "networks-2013", "runs": runs, "seed": 1, "publish": True}, headers=headers
        )
        answered = time.perf_counter() - t
        assert r.status_code == 202, r.get_json()
        while (status := client.get(r.headers["Location"], headers=headers).get_json())["state"] in ("queued", "running"):
            time.sleep(0.02)  # a benchmark's polling interval, not a test's wait
        assert status["state"] == "succeeded", status
        done = time.perf_counter() - t
        body = status["evaluation"]
        print(
            f"POST runs={runs:>5}: answered in {answered:6.3f} s, succeeded after {done:6.2f} s "
            f"({body['counts']['ranked']} of {body['counts']['units']} networks ranked)"
        )
    eid = body["id"]
    for path in (
        f"/api/v1/evaluations/{eid}",
        f"/evaluations/{eid}",
        f"/evaluations/{eid}/charts/score.svg",
        f"/api/v1/evaluations/{eid}/report.html",
        f"/api/v1/evaluations/{eid}/report.html",
    ):
        t = time.perf_counter()
        assert client.get(path).status_code == 200
        print(f"GET {path}: {time.perf_counter() - t:6.2f} s")
    app.extensions["hub_jobs"].stop()
    store.dispose()


if __name__ == "__main__":
    main()
