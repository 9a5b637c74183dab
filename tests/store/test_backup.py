"""`hub backup` and `hub restore` through the real executable: a backup taken while `hub harvest`
writes holds every record committed before it, and restores into a working store."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.cli import exit_codes
from hub.harvest.jobs import JOBS
from hub.store.db import Store
from hub.store.models import Instrument
from tests.conftest import PG_URL, hub_home, wait_until

HUB = str(Path(sys.executable).parent / "hub")
INSTRUMENTS = Instrument.__table__

NETWORKS_YAML = """
networks:
  - code: "420000"
    name: 湖北省大型科学仪器协作共用平台
    province: 湖北省
    family: hbkx-json
    base_url: ${HUB_SIMULATOR_URL:-http://127.0.0.1:8790}/420000
    mapping: 420000.yaml
    credentials: {app_key: hub, app_secret: hub-secret}
    options: {page_size: 20}
"""

SETTINGS_YAML = """
batch_size: 20
http: {backoff: 0.01, max_retries: 1, read_timeout: 10}
"""


@pytest.fixture
def sim_scale():
    return 0.2


@pytest.fixture
def home(tmp_path, sim):
    return hub_home(tmp_path / "home", NETWORKS_YAML, SETTINGS_YAML)


def hub(home, url, *args, sim=None, wait=True):
    env = {**os.environ, "HUB_HOME": str(home), "HUB_DATABASE_URL": url}
    if sim is not None:
        env["HUB_SIMULATOR_URL"] = sim.url
    env.pop("HUB_DEBUG", None)
    command = [HUB, *map(str, args)]
    if not wait:
        return subprocess.Popen(command, env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=120)


def active_ids(store: Store) -> set[str]:
    with store.read() as conn:
        return set(conn.execute(select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.withdrawn_at.is_(None))).scalars())


def harvest_running(store: Store) -> bool:
    with store.read() as conn:
        return conn.execute(select(JOBS.c.id).where(JOBS.c.state == "running")).first() is not None


@pytest.mark.slow
def test_a_backup_taken_during_a_harvest_restores_every_committed_record(home, sim, tmp_path):
    live = tmp_path / "hub.sqlite"
    url = f"sqlite:///{live}"
    assert hub(home, url, "init").returncode == 0
    sim.set_fault("420000", "slow", delay=0.3, path="instruments")  # a harvest of several seconds
    harvest = hub(home, url, "harvest", "420000", "--full", "--workers", "1", sim=sim, wait=False)
    store = Store(url)
    try:
        wait_until(lambda: len(active_ids(store)) >= 60, timeout=60, what="a harvest with records committed")
        committed = active_ids(store)
        # What `cp hub.sqlite` would have kept: the main file lacks the commits still in the WAL.
        plain_copy = tmp_path / "cp.sqlite"
        shutil.copyfile(live, plain_copy)
        with sqlite3.connect(plain_copy) as conn:
            copied = {row[0] for row in conn.execute("SELECT id FROM instruments")}
        assert committed - copied, "the WAL held nothing uncheckpointed: the test proved nothing"

        done = hub(home, url, "backup", tmp_path / "backup.sqlite")
        assert done.returncode == 0, done.stderr
        assert harvest_running(store), "the harvest ended before the backup: the test proved nothing"
        assert "backed up to" in done.stdout and "active instruments" in done.stdout
        assert not Path(f"{tmp_path}/backup.sqlite-wal").exists()  # one self-contained file

        assert harvest.wait(120) == 0, harvest.stderr
        whole = active_ids(store)
    finally:
        if harvest.poll() is None:
            harvest.kill()
        store.dispose()

    restored_path = tmp_path / "restored" / "hub.sqlite"
    restored_url = f"sqlite:///{restored_path}"
    done = hub(home, restored_url, "restore", "--yes", tmp_path / "backup.sqlite")
    assert done.returncode == 0, done.stderr
    assert hub(home, restored_url, "init").returncode == 0
    restored = Store(restored_url)
    try:
        found = active_ids(restored)
    finally:
        restored.dispose()
    assert committed <= found, f"{len(committed - found)} committed records missing from the backup"
    assert found < whole  # taken mid-harvest: part of it, not the end
    stats = hub(home, restored_url, "stats", "--json")
    assert stats.returncode == 0, stats.stderr


def test_a_file_that_is_not_a_backup_is_refused_and_the_store_kept(home, tmp_path):
    url = f"sqlite:///{tmp_path}/hub.sqlite"
    assert hub(home, url, "init").returncode == 0
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    done = hub(home, url, "restore", "--yes", junk)
    assert done.returncode == exit_codes.USAGE.code
    assert done.stderr.startswith("error:") and "not a readable SQLite database" in done.stderr
    assert "Traceback" not in done.stderr
    assert hub(home, url, "stats").returncode == 0


def test_a_postgresql_store_is_pointed_to_pg_dump(home, tmp_path):
    done = hub(home, PG_URL, "backup", tmp_path / "b.sqlite")
    assert done.returncode == exit_codes.USAGE.code
    assert "pg_dump" in done.stderr and "Traceback" not in done.stderr
