"""A harvest says where its wall time went (hub.telemetry.Phases): an operator whose harvest is slow
sees whether it waited for the source, mapped and indexed, queued for the store or wrote."""

from __future__ import annotations

import threading
import time

from hub.harvest.pipeline import Harvester
from hub.store.networks import sync_networks
from tests.harvest.test_harvest_simulated import job_row

BEFORE_THE_JOB_ENDED = {"reading", "preparing", "write_lock", "writing", "withdrawals", "counting"}


def test_a_harvest_says_where_its_time_went(harvester, registry, store):
    [run] = harvester.harvest(registry.get("370000"), full=True)
    assert run.state == "succeeded", run.message
    phases = run.telemetry["phases_s"]
    # After the job's end: duplicates, and on PostgreSQL the network's search posting lists.
    assert set(phases) == BEFORE_THE_JOB_ENDED | {"duplicates"} | ({"search lists"} if store.dialect == "postgresql" else set())
    assert phases["preparing"] > 0 and phases["writing"] > 0
    assert sum(phases.values()) <= run.seconds + 0.05  # each rounded to 10 ms
    # The job's row holds the phases up to its end; the duplicates are resolved after it.
    assert job_row(store, run.job_id).telemetry["phases_s"] == {p: s for p, s in phases.items() if p in BEFORE_THE_JOB_ENDED}


def test_waiting_for_sqlite_s_write_lock_is_told_apart_from_writing(sqlite_store, settings, registry):
    """Another writer holds SQLite's one write lock for a second after the harvest's first batch: the
    harvest's next write waits that second, and it is counted as waiting, not as writing."""
    sync_networks(sqlite_store, registry)
    held = threading.Event()

    def hold_the_lock():
        with sqlite_store.write():
            held.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold_the_lock)

    def after_a_batch(network, kind, counts):
        if not holder.is_alive() and not held.is_set():
            holder.start()
            held.wait(5)

    [run] = Harvester(sqlite_store, settings, progress=after_a_batch).harvest(registry.get("370000"))
    holder.join()
    assert run.state == "succeeded", run.message
    assert run.counts.fetched > settings.batch_size  # a batch was written after the lock was taken
    phases = run.telemetry["phases_s"]
    assert phases["write_lock"] >= 0.8
    assert phases["writing"] < phases["write_lock"]
