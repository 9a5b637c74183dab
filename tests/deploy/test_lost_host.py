"""A host lost in the middle of a transaction: its PostgreSQL session ends within the keepalive.

A worker host that loses power or its network cannot close its sessions. The queue retries its jobs
on another host after `operations.worker_stalled_seconds`, but those wait on the locks the lost
session still holds (one duplicate resolution at a time, a network's counts, the rows it wrote) for
as long as PostgreSQL keeps the session: with the kernel's default keepalive, over two hours. The
hub's connections set both ends' keepalive (`hub.store.db.KEEPALIVE_S`), so the server gives the
session up, and its locks, within a minute.

Here the lost host is a network namespace joined to this one by a veth pair; a throwaway PostgreSQL
cluster listens on both the pair's address and 127.0.0.1. A process in the namespace takes the lock
every duplicate resolution holds, through the hub's own store, and says so; then the pair's link
goes down and the process is killed (its goodbye cannot reach the server: the host is lost). A
process of this host then asks for the same lock. Keepalive shortened to 1 + 2 × 1 s so the test is
quick; the same code path builds the production values.

Needs root (network namespaces, a cluster run as `postgres`) and PostgreSQL's server binaries;
skipped without them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.dedup.store import RESOLVING
from hub.store import db, locks
from tests.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
SHORT_KEEPALIVE = {"idle": 1, "interval": 1, "count": 2}  # given up ~3 s after the link goes down

HOLDER = """
import sys, time
from hub.store import db, locks
from hub.dedup.store import RESOLVING
db.KEEPALIVE_S = {keepalive!r}
store = db.Store(sys.argv[1])
with store.write() as conn:
    locks.hold(conn, RESOLVING)
    print("held", flush=True)
    time.sleep(600)
"""


def _server_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _why_not() -> str | None:
    if os.environ.get("HUB_TEST_POSTGRES") == "off":
        return "PostgreSQL tests are off (HUB_TEST_POSTGRES=off)"
    if os.geteuid() != 0:
        return "needs root: network namespaces and a cluster run as `postgres`"
    if shutil.which("ip") is None or shutil.which("runuser") is None:
        return "needs iproute2's `ip` and `runuser`"
    if _server_binaries() is None:
        return "needs PostgreSQL's server binaries (initdb, pg_ctl)"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")]


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def _as_postgres(program: Path, *args: str) -> list[str]:
    # PostgreSQL's server refuses to run as root.
    return ["runuser", "-u", "postgres", "--", str(program), *args]


@pytest.fixture
def lost_host():
    """(namespace, URL from inside it, URL from this host, cut()): a cluster reachable from a
    network namespace over a veth pair, and a function that takes the pair's link down."""
    tag = f"{os.getpid() % 10_000}"
    ns, here, there = f"hublost{tag}", f"hubl{tag}a", f"hubl{tag}b"
    subnet = os.getpid() % 250  # 10.231.<subnet>.0/30, one per test process
    host_ip, peer_ip = f"10.231.{subnet}.1", f"10.231.{subnet}.2"
    work = Path(tempfile.mkdtemp(prefix="hub-lost-host-"))
    bin_dir = _server_binaries()
    assert bin_dir is not None
    port = free_port()
    created_ns = started = False
    try:
        try:
            _run("ip", "netns", "add", ns)
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"cannot create a network namespace here: {exc.stderr.decode().strip()}")
        created_ns = True
        _run("ip", "link", "add", here, "type", "veth", "peer", "name", there)
        _run("ip", "link", "set", there, "netns", ns)
        _run("ip", "addr", "add", f"{host_ip}/30", "dev", here)
        _run("ip", "link", "set", here, "up")
        _run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{peer_ip}/30", "dev", there)
        _run("ip", "netns", "exec", ns, "ip", "link", "set", there, "up")
        _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")

        shutil.chown(work, "postgres")
        data = work / "data"
        _run(*_as_postgres(bin_dir / "initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"))
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {peer_ip}/32 trust\n")
        options = f"-c listen_addresses=127.0.0.1,{host_ip} -p {port} -k {work} -c fsync=off"
        _run(
            "runuser",
            "-u",
            "postgres",
            "--",
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(work / "log"),
            "-w",
            "start",
        )
        started = True
        yield (
            ns,
            f"postgresql+psycopg://postgres@{host_ip}:{port}/postgres",
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
            lambda: _run("ip", "link", "set", here, "down"),
        )
    finally:
        if started:
            subprocess.run(
                ["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D", str(work / "data"), "-m", "immediate", "stop"],
                capture_output=True,
            )
        subprocess.run(["ip", "link", "del", here], capture_output=True)  # both ends of the pair
        if created_ns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def _hold_in(ns: str, url: str) -> subprocess.Popen:
    """A process in namespace `ns` holding the resolution lock through the hub's store at `url`."""
    holder = subprocess.Popen(
        ["ip", "netns", "exec", ns, sys.executable, "-c", HOLDER.format(keepalive=SHORT_KEEPALIVE), url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = holder.stdout.readline() if holder.stdout else ""
    assert line.strip() == "held", f"the holder did not take the lock: {line}{holder.stdout.read() if holder.stdout else ''}"
    return holder


def test_the_locks_of_a_lost_host_are_given_up_within_the_keepalive(lost_host):
    # The server's own default (the kernel's, as PostgreSQL leaves it) is what the hub must not rely on.
    assert int(Path("/proc/sys/net/ipv4/tcp_keepalive_time").read_text()) > 60, "this kernel gives up dead peers quickly anyway"
    ns, url_there, url_here, cut = lost_host
    holder = _hold_in(ns, url_there)
    here = db.Store(url_here)
    try:
        with here.read() as conn:  # the lost host's session, as the server sees it
            assert conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")).scalar_one() == 1
        cut()
        holder.kill()  # its FIN never reaches the server: the link is down
        holder.wait(10)
        asked = time.monotonic()
        with here.write() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '30s'"))  # the default keepalive would wait over 2 hours
            locks.hold(conn, RESOLVING)
        waited = time.monotonic() - asked
        # 1 s idle + 2 probes 1 s apart, plus the kernel's timer granularity.
        assert waited < 10, f"the lost host's lock was held {waited:.1f} s"
        remote = text("SELECT count(*) FROM pg_stat_activity WHERE client_addr IS NOT NULL AND client_addr <> '127.0.0.1'")

        def remote_sessions() -> int:
            with here.read() as conn:  # a transaction a look: the server keeps its view of sessions per transaction
                return conn.execute(remote).scalar_one()

        wait_until(lambda: remote_sessions() == 0, timeout=10, what="the lost host's session to end")
    finally:
        holder.kill()
        here.dispose()


def test_every_hub_connection_to_postgresql_carries_both_ends_keepalive(lost_host):
    """The store's engine and the queue's connections alike, and a URL's own values win."""
    import psycopg

    from hub.queue.postgres import conninfo

    _, _, url, _ = lost_host
    given_up_ms = 1000 * (db.KEEPALIVE_S["idle"] + db.KEEPALIVE_S["interval"] * db.KEEPALIVE_S["count"])
    expected = [str(db.KEEPALIVE_S[k]) for k in ("idle", "interval", "count")] + [str(given_up_ms)]
    shows = (
        "SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'),"
        " current_setting('tcp_keepalives_count'), current_setting('tcp_user_timeout')"
    )
    store = db.Store(url)
    try:
        with store.read() as conn:
            assert list(conn.execute(text(shows)).one()) == expected
    finally:
        store.dispose()
    with psycopg.connect(conninfo(url)) as conn:
        assert list(conn.execute(shows).fetchone()) == expected
        assert conn.info.get_parameters()["keepalives_idle"] == expected[0]
        assert conn.info.get_parameters()["tcp_user_timeout"] == str(given_up_ms)
    own = url + "?keepalives_idle=5&options=-c%20tcp_keepalives_idle%3D7%20-c%20search_path%3Dpublic"
    with psycopg.connect(conninfo(own)) as conn:
        assert list(conn.execute(shows).fetchone()) == ["7", *expected[1:]]
        assert conn.execute("SHOW search_path").fetchone()[0] == "public"
        assert conn.info.get_parameters()["keepalives_idle"] == "5"
