"""`hub demo` — the README's main job — end to end at a small scale: all 30 networks arrive."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.store.db import Store
from hub.store.models import Evaluation, Instrument
from tests.evaluation.invariants import assert_uncertainty_invariants

HUB = str(Path(sys.executable).with_name("hub"))


@pytest.mark.slow
def test_demo_brings_every_network_in_and_ranks_them(tmp_path):
    url = f"sqlite:///{tmp_path}/demo.sqlite"
    env = dict(os.environ, HUB_DATABASE_URL=url)
    env.pop("HUB_SIMULATOR_URL", None)
    # With --no-serve and no --port the demo's server takes any free port: a taken 8000 stopped a run
    # that serves nobody (an evaluator's probe). 8000 is held here unless something holds it already.
    with contextlib.ExitStack() as held:
        with contextlib.suppress(OSError):
            blocker = held.enter_context(socket.socket())
            blocker.bind(("127.0.0.1", 8000))
            blocker.listen()
        done = subprocess.run([HUB, "demo", "--scale", "0.02", "--no-serve"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    # The pushes' HTTP requests to the demo's own server are no log lines of the user's: 35 of them,
    # in terminal colours, came between the progress lines.
    logged = [line for line in done.stderr.splitlines() if "/batches" in line and not line.startswith("pushing")]
    assert not logged, logged[:3]
    assert "from 32 networks" in done.stdout  # the 30 provinces and the two spreadsheet registers
    # two periods and the movement between them (issue 16)
    assert "movement 2011 → 2012" in done.stdout
    store = Store(url)
    try:
        with store.read() as conn:
            networks = conn.execute(
                select(func.count(func.distinct(Instrument.network))).where(Instrument.withdrawn_at.is_(None))
            ).scalar_one()
            published = conn.execute(select(func.count()).select_from(Evaluation).where(Evaluation.published.is_(True))).scalar_one()
        assert networks == 32 and published == 1
        with store.read() as conn:
            report = json.loads(conn.execute(select(Evaluation.report)).scalar_one())
        # the two spreadsheet registers are not provinces: the ranking stays the 30 provinces
        assert report["panel"]["periods"] == [2011, 2012] and len(report["panel"]["units"]) == 30
        assert assert_uncertainty_invariants(report) == 30
    finally:
        store.dispose()
