"""The network lease: one holder at a time across processes, expiry, renewal, recovery after a kill."""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.clock import as_utc
from hub.harvest import lease
from hub.harvest.lease import LEASES
from tests.conftest import wait_until
from tests.ops import lease_worker


def test_a_free_lease_is_taken_and_a_held_one_is_refused(store):
    first = lease.acquire(store, "370000", "a:1:x", purpose="harvest")
    assert first is not None
    assert lease.acquire(store, "370000", "b:2:y") is None
    assert lease.current(store, "370000")["holder"] == "a:1:x"
    assert lease.acquire(store, "420000", "b:2:y") is not None, "other networks are independent"
    lease.release(store, first)
    assert lease.acquire(store, "370000", "b:2:y") is not None


def test_an_expired_lease_is_takeable_and_its_old_holder_cannot_renew_it(store):
    old = lease.acquire(store, "370000", "a:1:x", ttl=timedelta(seconds=-1))
    new = lease.acquire(store, "370000", "b:2:y")
    assert new is not None
    assert lease.renew(store, old) is False
    lease.release(store, old)  # releasing a lease no longer ours must not free the new holder's
    assert lease.current(store, "370000")["holder"] == "b:2:y"


def test_hold_renews_in_the_background_and_releases_at_the_end(store):
    # Renewed every ttl/3; the test waits for renewals to happen rather than for a time, so a slow
    # machine makes it slower, never wrong. The ttl leaves a stalled renewal thread seconds of slack.
    ttl = timedelta(seconds=6)
    with lease.hold(store, "370000", ttl=ttl, purpose="full") as mine:
        first = as_utc(lease.current(store, "370000")["expires_at"])

        def renewed_twice():
            live = lease.current(store, "370000")
            assert live is not None and live["holder"] == mine.holder, "the lease lapsed while held"
            return as_utc(live["expires_at"]) >= first + ttl / 3 * 1.5

        wait_until(renewed_twice, what="the lease's expiry to move on by renewals")
        with pytest.raises(lease.LeaseBusy, match=r"network 370000 is already being harvested \(full by .*:\d+:"):
            with lease.hold(store, "370000", ttl=ttl):
                pass
        assert lease.current(store, "370000")["holder"] == mine.holder
    with store.read() as conn:
        assert conn.execute(select(LEASES)).all() == []


def test_contending_processes_never_hold_the_lease_at_once(store):
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=lease_worker.contend, args=(store.url, 25, out)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    spans = sorted(span for _, held, _ in results for span in held)
    assert len(spans) >= 10, "too few turns to show anything"
    assert sum(busy for *_, busy in results) > 0, "the processes never met: the test proved nothing"
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert s2 >= e1, f"two holders at once: {s1:.3f}-{e1:.3f} and {s2:.3f}-{e2:.3f}"


def test_the_lease_of_a_killed_process_is_recovered_at_once(store):
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Queue()
    proc = ctx.Process(target=lease_worker.hold_and_wait, args=(store.url, ready))
    proc.start()
    pid = ready.get(timeout=30)
    assert lease.acquire(store, "420000", lease.new_holder()) is None
    assert lease.recover_leases(store) == [], "a live holder keeps its lease"
    os.kill(pid, signal.SIGKILL)
    proc.join(timeout=10)
    assert lease.recover_leases(store) == ["420000"]
    assert lease.acquire(store, "420000", lease.new_holder()) is not None


def test_the_lease_of_a_predecessor_with_this_process_s_pid_is_recovered(store):
    """A container restarted keeps its hostname and its process's pid: the lease its predecessor held
    (taken before this process started) is not this process's, and is freed at once rather than
    holding the network back for the rest of its time to live."""
    import psutil

    from datetime import datetime, timezone

    held = lease.acquire(store, "420000", f"{lease.HOST}:{os.getpid()}:0dead000", ttl=timedelta(minutes=10))
    assert held is not None
    started = datetime.fromtimestamp(psutil.Process().create_time(), timezone.utc)
    with store.write() as conn:
        conn.execute(LEASES.update().where(LEASES.c.network == "420000").values(acquired_at=started - timedelta(minutes=5)))
    assert lease.recover_leases(store) == ["420000"]
    mine = lease.acquire(store, "420000", lease.new_holder())
    assert mine is not None
    assert lease.recover_leases(store) == [], "this process's own lease is alive"
