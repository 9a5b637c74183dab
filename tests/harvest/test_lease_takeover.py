"""A queued harvest given up for dead (its worker froze: SIGSTOP, a paused VM, a partition) and run
again by another worker: the retry takes the lease over, and the first run, when it wakes up, writes
nothing more — two harvests of one network side by side, the first to end releasing the other's
lease, was what one lease name shared by every attempt allowed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hub.harvest import lease
from hub.harvest.jobs import JOBS
from hub.harvest.pipeline import Harvester
from hub.harvest.writer import INSTRUMENTS
from hub.store.networks import sync_networks


def test_a_run_whose_lease_was_taken_over_stops_at_its_next_write(store, settings, registry):
    sync_networks(store, registry)
    code, frozen, woken = "370000", threading.Event(), threading.Event()
    written = []

    def after_a_batch(network, kind, counts):
        if not frozen.is_set():  # the first batch is written: the worker freezes here
            with store.read() as conn:
                written.append(conn.execute(select(func.count()).select_from(INSTRUMENTS)).scalar_one())
            frozen.set()
            woken.wait(30)

    outcome = {}

    def first_attempt():
        try:
            Harvester(store, settings, progress=after_a_batch).harvest(
                registry.get(code), full=True, holder=f"queue:{code}:first", takes_over=f"queue:{code}"
            )
        except lease.LeaseLost as exc:
            outcome["lost"] = str(exc)

    thread = threading.Thread(target=first_attempt)
    thread.start()
    assert frozen.wait(60)
    # Another worker's attempt of the same queue work; an unrelated holder would still be refused.
    assert lease.acquire(store, code, "host:1:other") is None
    retry = lease.acquire(store, code, f"queue:{code}:second", takes_over=f"queue:{code}")
    assert retry is not None
    woken.set()
    thread.join(60)

    assert "queue:370000:second" in outcome["lost"]
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(INSTRUMENTS)).scalar_one() == written[0]  # nothing after the freeze
        state, message = conn.execute(select(JOBS.c.state, JOBS.c.message).where(JOBS.c.network == code)).one()
        assert conn.execute(select(lease.LEASES.c.holder).where(lease.LEASES.c.network == code)).scalar() == retry.holder
    assert state == "failed" and "lease" in message  # and the first run did not release the retry's lease


def test_without_taking_over_a_live_lease_is_refused(store):
    assert lease.acquire(store, "420000", "queue:420000:a", takes_over="queue:420000") is not None
    assert lease.acquire(store, "420000", "queue:4200001:b", takes_over="queue:4200001") is None
    with pytest.raises(lease.LeaseBusy):
        with lease.hold(store, "420000", holder="host:2:x"):
            pass
