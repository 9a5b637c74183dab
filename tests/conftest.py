"""Shared fixtures: a real store per test, on SQLite and, where reachable, on PostgreSQL.

`store` is parametrised: every test that uses it runs on a fresh SQLite file and, when a PostgreSQL
server answers at HUB_TEST_POSTGRES_URL (default: the local server, database `test`), again in a fresh
schema there. Migrations build both, so the migrations are tested on every run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hub import PROJECT_ROOT
from hub.config import Registry, Settings, settings
from hub.simulate import SimulatorServer
from hub.store.db import Store
from hub.store.migrate import upgrade

PG_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    if os.environ.get("HUB_TEST_POSTGRES", "auto") == "off":
        return False
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        if os.environ.get("HUB_TEST_POSTGRES") == "required":
            raise
        return False


POSTGRES = _postgres_reachable()


@pytest.fixture(autouse=True)
def _settings_read_afresh():
    """`hub.config.settings()` is read once a process. A test that points HUB_DATABASE_URL or
    HUB_HOME elsewhere (a CLI test on its own store) must not get the settings an earlier test of the
    same worker loaded: it exported an empty default store instead of its own (CI, xdist)."""
    settings.cache_clear()
    yield
    settings.cache_clear()


#: Shandong, Hubei, Hebei: the three reference networks the harvest and operations tests run against.
REFERENCE_NETWORKS = ["370000", "420000", "130000"]


@contextlib.contextmanager
def reference_simulator(scale: float):
    """The reference networks on a real localhost server, without Hubei's 10 requests a second (the
    suite should not idle on it; pacing has tests of its own)."""
    with SimulatorServer(networks=REFERENCE_NETWORKS, scale=scale, port=0) as server:
        server.set_fault("420000", "rate_limit", per_second=None)
        yield server


@pytest.fixture
def sim_scale():
    """Scale of the reference simulator behind `sim`; a folder's conftest overrides it."""
    return 0.1


@pytest.fixture
def sim(sim_scale):
    """The reference networks on a real localhost server, fresh for each test."""
    with reference_simulator(sim_scale) as server:
        yield server


def hub_home(root: Path, networks_yaml: str, settings_yaml: str) -> Path:
    """A HUB_HOME for `hub` subprocesses: its own conf/ (networks and settings), the repository's
    mappings."""
    conf = root / "conf"
    conf.mkdir(parents=True)
    (conf / "networks.yaml").write_text(networks_yaml, encoding="utf-8")
    (conf / "settings.yaml").write_text(settings_yaml, encoding="utf-8")
    (root / "mappings").symlink_to(PROJECT_ROOT / "mappings")
    return root


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def at_once(fn, calls, *, timeout: float = 120.0) -> list[Exception]:
    """`fn(*args)` for each `args` of `calls`, each in its own thread, released together by a
    barrier; returns the exceptions they raised (a test asserts there are none)."""
    start, errors = threading.Barrier(len(calls)), []

    def run(*args):
        start.wait()
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 — returned to the test, whichever failed
            errors.append(exc)

    threads = [threading.Thread(target=run, args=args) for args in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return errors


def wait_until(condition, *, timeout: float = 60.0, what: str = "the condition", interval: float = 0.05):
    """Poll `condition()` until it returns something true, and return that; fail naming `what` after
    `timeout` seconds. Tests wait for what they need to see, never for a fixed time that a loaded
    machine may not honour."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def registry(sim, monkeypatch):
    """The network registry pointed at the simulator of the test's folder (its own `sim` fixture)."""
    monkeypatch.setenv("HUB_SIMULATOR_URL", sim.url)
    return Registry.load()


def fail_fast_settings(*, max_retries: int, **changes) -> Settings:
    """The configured settings, with back-off short enough that a fault surfaces in seconds, not
    after minutes, and batches of 100 so that small simulations still span several."""
    s = Settings.load()
    http = dict(s.http, backoff=0.01, max_retries=max_retries, read_timeout=10)
    return dataclasses.replace(s, http=http, batch_size=100, **changes)


BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES else [])


def make_store(backend: str, tmp_path) -> tuple[Store, callable]:
    if backend == "sqlite":
        store = Store(f"sqlite:///{tmp_path}/hub.sqlite")
        return store, store.dispose
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    store = Store(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")

    def cleanup():
        store.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return store, cleanup


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """A migrated, empty store on each available backend."""
    s, cleanup = make_store(request.param, tmp_path)
    upgrade(s)
    yield s
    cleanup()


@pytest.fixture
def client(app):
    """A test client of the folder's `app`, with its own cookie jar."""
    return app.test_client()


def auth(token):
    """Headers that present `token` as a bearer token (none for a missing token)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def sqlite_store(tmp_path):
    s, cleanup = make_store("sqlite", tmp_path)
    upgrade(s)
    yield s
    cleanup()
