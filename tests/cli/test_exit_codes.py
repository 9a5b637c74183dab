"""Every command ends in one line and a documented exit code, through the real `hub` executable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import exit_codes
from hub.store.networks import sync_networks
from hub.config import Registry
from tests.conftest import PG_URL, POSTGRES, free_port, make_store

HUB = str(Path(sys.executable).parent / "hub")
ROOT = Path(__file__).resolve().parents[2]


def hub(*args, database_url=None, env=None, timeout=120):
    environ = {**os.environ, "HUB_HOME": str(ROOT), **(env or {})}
    if database_url is not None:
        environ["HUB_DATABASE_URL"] = database_url
    environ.pop("HUB_DEBUG", None)
    return subprocess.run([HUB, *map(str, args)], env=environ, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def one_line(done) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "SELECT" not in done.stderr and "[SQL" not in done.stderr
    return lines[0]


@pytest.mark.parametrize(
    "url, code, words",
    [
        pytest.param("nonsense", exit_codes.CONFIG, ["database URL is not usable", "HUB_DATABASE_URL"], id="not a URL"),
        pytest.param("postgresq://u@h/db", exit_codes.CONFIG, ["database URL is not usable", "postgresq"], id="unknown dialect"),
        pytest.param(
            f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
            exit_codes.DATABASE,
            ["cannot use the database", "refused", "check that the server runs"],
            id="PostgreSQL unreachable",
        ),
    ],
)
def test_a_bad_or_unreachable_database_is_one_line(url, code, words):
    done = hub("stats", database_url=url)
    line = one_line(done)
    assert done.returncode == code.code, (done.returncode, line)
    assert all(w in line for w in words), line


@pytest.mark.skipif(not POSTGRES, reason="no PostgreSQL server answers")
def test_a_missing_postgresql_database_says_create_it():
    done = hub("stats", database_url=PG_URL.rsplit("/", 1)[0] + "/hub_no_such_database")
    line = one_line(done)
    assert done.returncode == exit_codes.DATABASE.code
    assert 'database "hub_no_such_database" does not exist' in line and "`createdb hub_no_such_database`" in line and "hub init" in line


@pytest.mark.parametrize("backend", ["sqlite"] + (["postgres"] if POSTGRES else []))
def test_a_store_never_initialised_says_run_hub_init(backend, tmp_path):
    store, cleanup = make_store(backend, tmp_path)  # an empty database: no migrations run
    try:
        for args in (["stats"], ["export", "--format", "jsonl"], ["errors", "370000"]):
            done = hub(*args, database_url=store.url)
            line = one_line(done)
            assert done.returncode == exit_codes.NOT_INITIALISED.code, (args, line)
            assert "not initialised" in line and "run `hub init`" in line
    finally:
        cleanup()


def test_debug_shows_the_traceback():
    done = hub("--debug", "stats", database_url="nonsense")
    assert done.returncode == exit_codes.CONFIG.code
    assert "Traceback" in done.stderr and done.stderr.strip().splitlines()[-1].startswith("error: the database URL")


def test_export_of_an_unknown_network_is_an_error(sqlite_store):
    done = hub("export", "--network", "999999", database_url=sqlite_store.url)
    line = one_line(done)
    assert done.returncode == exit_codes.USAGE.code
    assert "network 999999: no such network" in line and "exported" not in done.stderr + done.stdout


def test_push_to_an_unreachable_hub_is_one_line(tmp_path):
    body = tmp_path / "batch.json"
    body.write_text("[]", encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}"
    done = hub("push", "110000", body, "--token", "hub_x", "--url", url, timeout=60)
    line = one_line(done)
    assert done.returncode == exit_codes.UNREACHABLE.code
    assert f"cannot reach {url}" in line and "HUB_URL" in line


@pytest.fixture
def rejected(store, tmp_path):
    """A store whose Shandong job rejected records (written as the harvest writes them)."""
    from hub.harvest.jobs import start_job, finish_job
    from hub.harvest.writer import Provenance, RecordWriter
    from hub.mapping import Mapping
    from connectors.base import RawRecord

    sync_networks(store, Registry.load())
    network = Registry.load().get("370000")
    job = start_job(store, "370000", "full")
    writer = RecordWriter(store, "370000", Mapping.load(network.mapping_path), Provenance(job_id=job.id))
    raws = [
        RawRecord("SD-1", {"YQBH": "SD-1"}, problem="record SD-1: detail page is cut short"),
        RawRecord("SD-2", {"YQBH": "SD-2"}, problem="record SD-2: no name"),
    ]
    prepared = writer.prepare(raws)
    with store.write() as conn:
        job.counts.add(writer.apply(conn, prepared))
    finish_job(store, job, "succeeded", listing_complete=True)
    return store, job


def test_hub_errors_lists_a_jobs_rejected_records(rejected):
    store, job = rejected
    done = hub("errors", "370000", database_url=store.url)
    assert done.returncode == exit_codes.OK.code, done.stderr
    assert f"network 370000, job {job.id} (full, succeeded" in done.stdout and "2 rejected records" in done.stdout
    assert "SD-1" in done.stdout and "detail page is cut short" in done.stdout
    as_json = json.loads(hub("errors", "370000", "--job", job.id, "--json", database_url=store.url).stdout)
    assert as_json["job"]["id"] == job.id and sorted(e["source_id"] for e in as_json["errors"]) == ["SD-1", "SD-2"]
    other = hub("errors", "370000", "--job", job.id + 1000, database_url=store.url)
    assert other.returncode == exit_codes.USAGE.code and f"job {job.id + 1000} is not a job of network 370000" in other.stderr
    unknown = hub("errors", "999999", database_url=store.url)
    assert unknown.returncode == exit_codes.USAGE.code and "no such network" in one_line(unknown)


def test_hub_errors_shows_the_latest_harvest_not_a_later_service_fetch(rejected):
    """A fetch of service statistics after the harvest hid its rejections and warnings: `hub errors`
    printed the service job's "0 rejected records" (a national centre's probe)."""
    from hub.harvest.jobs import finish_job, start_job

    store, job = rejected
    service = start_job(store, "370000", "service", year=2012)
    finish_job(store, service, "succeeded", listing_complete=True)
    done = hub("errors", "370000", database_url=store.url)
    assert f"job {job.id} (full" in done.stdout and "2 rejected records" in done.stdout, done.stdout


def test_revoking_an_unknown_token_is_a_usage_error(sqlite_store):
    done = hub("token", "revoke", "99999", database_url=sqlite_store.url)
    assert done.returncode == exit_codes.USAGE.code, done.stderr
    assert "no token with id '99999'" in done.stderr and "hub token list" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_harvest_stopped_by_sigterm_says_so_and_exits_terminated(sqlite_store, sim):
    """A supervisor or `timeout` stops `hub harvest` with SIGTERM: it exited 143, a code the table did
    not list, with nothing on standard error."""
    import signal
    import time

    from sqlalchemy import select

    from hub.harvest.jobs import JOBS
    from hub.harvest.lease import LEASES
    from hub.harvest.prepare import prepare_store

    prepare_store(sqlite_store)
    sim.set_fault("420000", "slow", delay=0.5, path="instruments")
    environ = {**os.environ, "HUB_HOME": str(ROOT), "HUB_DATABASE_URL": sqlite_store.url, "HUB_SIMULATOR_URL": sim.url}
    environ.pop("HUB_DEBUG", None)
    proc = subprocess.Popen(
        [HUB, "harvest", "420000", "--full", "--workers", "1"],
        env=environ,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def running():
            with sqlite_store.read() as conn:
                # A batch committed: the signal lands in the listing (tests/harvest/test_sigterm.py
                # lands it elsewhere too).
                return conn.execute(select(JOBS.c.id).where(JOBS.c.state == "running", JOBS.c.fetched > 0)).first()

        deadline = time.monotonic() + 60
        while not running():
            assert proc.poll() is None and time.monotonic() < deadline, "the harvest never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == exit_codes.TERMINATED.code, (proc.returncode, stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "SIGTERM" in lines[0] and "run the command again" in lines[0], stderr
    with sqlite_store.read() as conn:
        assert conn.execute(select(LEASES)).first() is None  # released for the next run
        state, message = conn.execute(select(JOBS.c.state, JOBS.c.message).where(JOBS.c.network == "420000")).one()
    assert state == "failed" and "interrupted" in message, (state, message)


@pytest.mark.parametrize("command", ["init", "worker"])
def test_a_host_installed_without_the_postgres_extra_says_how_to_install_it(command, tmp_path):
    """A new host set up as the README says (`pip install -e .`) and pointed at the shared
    PostgreSQL lacks the driver and the job queue, which come with the `postgres` extra. That is the
    installation, not a bug of the hub: the line says what to install, and exits as a configuration error."""
    missing = "psycopg"
    absent = tmp_path / "site" / missing
    absent.mkdir(parents=True)
    # What Python raises for a package that is not installed.
    (absent / "__init__.py").write_text(f"raise ModuleNotFoundError(\"No module named '{missing}'\", name={missing!r})\n")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    done = hub(command, database_url=url, env={"PYTHONPATH": str(tmp_path / "site")}, timeout=60)
    line = one_line(done)
    assert done.returncode == exit_codes.CONFIG.code, (done.returncode, line)
    assert missing in line and "pip install" in line and "[postgres]" in line and "a bug" not in line, line
