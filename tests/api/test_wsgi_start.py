"""The production entry point (hub.web.wsgi) builds, as the process starts, what a search would
otherwise build for its first visitor: the slip lexicon of every network's names."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.factories import make_corpus

from hub import PROJECT_ROOT

#: Imports the entry point as gunicorn does and says whose names its slip lexicon holds.
PROBE = """
import hub.web.wsgi
from hub.search import lexicon
[kept] = lexicon._CACHE.values()
print(" ".join(sorted(kept["networks"])))
"""


def _started(url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_SECRET_KEY": "wsgi-test-key-0123456789abcdef"}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_the_slip_lexicon_is_built_as_a_web_process_starts(sqlite_store):
    networks = {i.split(":", 1)[0] for i in make_corpus(sqlite_store)}
    started = _started(sqlite_store.url)
    assert started.returncode == 0, started.stderr
    assert set(started.stdout.split()) == networks


def test_a_store_not_yet_initialised_still_starts_and_says_so(tmp_path):
    started = _started(f"sqlite:///{tmp_path}/empty.sqlite")
    assert "slip lexicon not built at start" in started.stderr
    assert "ValueError" in started.stderr  # the probe's: nothing was kept, the app itself started
