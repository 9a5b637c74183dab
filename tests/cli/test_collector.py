"""`hub` commands, which write batches of records, collect garbage at a batch writer's pace
(hub.collector): Python's default young threshold of 700 cost a harvest ~8 % of its CPU."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

from hub import PROJECT_ROOT, collector

#: Runs `hub init` in a fresh interpreter and prints the collector's thresholds afterwards.
PROBE = """
import gc, sys
from hub.cli import cli
cli.main(["init"], standalone_mode=False)
print(*gc.get_threshold())
"""


def test_a_hub_command_collects_at_the_batch_writers_pace(tmp_path):
    fresh = subprocess.run([sys.executable, "-c", "import gc; print(*gc.get_threshold())"], capture_output=True, text=True, check=True)
    assert fresh.stdout.split()[0] == "700"  # Python's default, which the command changes
    ran = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        env={**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.sqlite"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    young, middle, old = map(int, ran.stdout.split()[-3:])
    assert (young, middle, old) == (collector.YOUNG_THRESHOLD, *gc.get_threshold()[1:])
