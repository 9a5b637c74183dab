"""`hub harvest A B --workers N` as real processes: a busy network is skipped, not a crash; workers
end with their parent."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import psutil
from sqlalchemy import select

from hub.cli import exit_codes
from hub.harvest import lease
from hub.harvest.jobs import JOBS
from hub.harvest.parallel import _harvest_one
from hub.store.networks import sync_networks

HUB = str(Path(sys.executable).parent / "hub")
ROOT = Path(__file__).resolve().parents[2]


def wait_for(what, check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _env(store, sim):
    return {**os.environ, "HUB_DATABASE_URL": store.url, "HUB_SIMULATOR_URL": sim.url, "HUB_HOME": str(ROOT)}


def _hold(store, code):
    # A holder of this host whose process (this test) is alive: `hub harvest`'s recovery must not free it.
    held = lease.acquire(store, code, lease.new_holder(), ttl=timedelta(minutes=10), purpose="full")
    assert held is not None
    return held


def test_a_busy_network_in_a_worker_process_comes_back_skipped(store, registry, sim, monkeypatch):
    """The lease error crossed the process boundary as an exception that could not be unpickled,
    which broke the whole pool; the worker now answers a `skipped` result."""
    sync_networks(store, registry)
    monkeypatch.setenv("HUB_DATABASE_URL", store.url)  # spawned children inherit the environment
    held = _hold(store, "130000")
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        [result] = pool.submit(_harvest_one, store.url, "130000", True, None).result(timeout=120)
    assert result.state == "skipped" and result.network == "130000" and result.job_id is None
    assert "already being harvested" in result.message and held.holder in result.message


def test_hub_harvest_skips_the_busy_network_harvests_the_other_and_says_so(store, sim):
    _hold(store, "130000")
    done = subprocess.run(
        [HUB, "harvest", "370000", "130000", "--workers", "2", "--json"],
        env=_env(store, sim),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == exit_codes.SKIPPED.code, (done.returncode, done.stderr[-2000:])
    results = {r["network"]: r for r in json.loads(done.stdout)}
    assert results["370000"]["state"] == "succeeded" and results["370000"]["created"] > 0
    assert results["130000"]["state"] == "skipped" and "already being harvested" in results["130000"]["message"]
    with store.read() as conn:
        assert [r.network for r in conn.execute(select(JOBS.c.network))] == ["370000"], "a skipped network starts no job"


def test_workers_end_when_hub_harvest_is_killed(store, sim):
    # Every request takes long, Shandong's single one longest: all three harvests are certainly still
    # running when the parent is killed (however slowly the workers start), two of them in workers
    # blocked on a socket.
    for code, delay in (("370000", 120.0), ("420000", 8.0), ("130000", 8.0)):
        sim.set_fault(code, "slow", delay=delay)
    proc = subprocess.Popen(
        [HUB, "harvest", "370000", "420000", "130000", "--workers", "3", "--full"],
        env=_env(store, sim),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        parent = psutil.Process(proc.pid)

        def workers_harvesting():
            with store.read() as conn:
                running = conn.execute(select(JOBS.c.network).where(JOBS.c.state == "running")).all()
            return len(running) == 3 and parent.children(recursive=True)

        descendants = wait_for("three harvests running, two of them in workers", workers_harvesting, timeout=60)
        workers = [p for p in descendants if "_harvest_one" in " ".join(p.cmdline()) or "multiprocessing" in " ".join(p.cmdline())]
        assert len(workers) >= 2, [p.cmdline() for p in descendants]
        # An orphan finishes the request it is blocked on (8 s here, in real life at most the HTTP read
        # timeout) or its 30 s grace period, whichever comes first; before the fix it waited forever.
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        gone = wait_for(
            "every worker to end after its parent was killed",
            lambda: all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in descendants),
            timeout=60,
        )
        assert gone
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in psutil.Process().children(recursive=True):
            if p.pid == proc.pid or p.ppid() == proc.pid:
                p.kill()
    # The workers' harvests ended as interrupted on their way out; the killed parent's own stays for
    # `hub init` / the scheduler to mark as crashed (design rule 3).
    with store.read() as conn:
        states = dict(conn.execute(select(JOBS.c.network, JOBS.c.state)).all())
        messages = [m for (m,) in conn.execute(select(JOBS.c.message).where(JOBS.c.state == "failed"))]
    assert sorted(states.values()).count("failed") >= 2, states
    assert all("interrupted" in (m or "") for m in messages), messages
