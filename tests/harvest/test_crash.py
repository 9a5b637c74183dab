"""A harvest killed with SIGKILL midway loses nothing and leaves no job "running"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.harvest.jobs import JOBS
from hub.simulate import SimulatorServer
from hub.store.models import Instrument

HUB = str(Path(sys.executable).with_name("hub"))
I = Instrument.__table__


def _jobs(store):
    with store.read() as conn:
        return conn.execute(select(JOBS.c.id, JOBS.c.state, JOBS.c.fetched, JOBS.c.created).order_by(JOBS.c.id)).all()


@pytest.fixture
def hubei():
    """Hubei at full size: 18 pages, long enough to kill a harvest between two committed batches."""
    with SimulatorServer(networks=["420000"], scale=1.0, port=0) as server:
        yield server


@pytest.mark.slow
def test_sigkill_midway_then_again(hubei, store):
    sim = hubei
    sim.set_fault("420000", "rate_limit", per_second=None)
    sim.set_fault("420000", "slow", delay=0.4, path="/api/v3/instruments")
    env = dict(os.environ, HUB_SIMULATOR_URL=sim.url, HUB_DATABASE_URL=store.url)
    # Each page takes 0.4 s; batches are committed as they are read, so the kill lands between two.
    proc = subprocess.Popen([HUB, "harvest", "420000"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        jobs = _jobs(store) if proc.poll() is None else []
        if jobs and jobs[-1].state == "running" and jobs[-1].fetched > 0:
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail(f"the harvest never got going: {proc.stderr.read().decode()[-2000:]}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    [killed] = _jobs(store)
    assert killed.state == "running"  # what a crash leaves behind, until someone looks

    sim.clear_faults("420000")
    sim.set_fault("420000", "rate_limit", per_second=None)
    done = subprocess.run([HUB, "harvest", "420000", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    jobs = _jobs(store)
    assert [j.state for j in jobs] == ["crashed", "succeeded"]
    with store.read() as conn:
        active = conn.execute(select(func.count()).select_from(I).where(I.c.network == "420000", I.c.withdrawn_at.is_(None))).scalar_one()
    assert active == sim.state("420000").total  # nothing lost
    # The killed run's committed batches were kept (its heartbeat counts are in the same transactions),
    # and the second run only had to create the rest.
    assert killed.created > 0 and jobs[1].created == active - killed.created
