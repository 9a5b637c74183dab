"""Several networks at once: one harvested in the calling process, the others in worker processes."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from hub.harvest.jobs import JOBS
from hub.harvest.parallel import harvest_many
from hub.store.models import Instrument
from hub.store.networks import sync_networks
from tests.conftest import REFERENCE_NETWORKS

I = Instrument.__table__


def _run(store, settings, registry, workers):
    sync_networks(store, registry)
    seen, finished, threads = set(), [], set()

    def progress(network, kind, counts):
        seen.add(network)
        threads.add(threading.current_thread().name)

    results = harvest_many(
        store, settings, [registry.get(c) for c in REFERENCE_NETWORKS], workers=workers, progress=progress, on_result=finished.append
    )
    return results, seen, finished, threads


def test_every_network_is_harvested_once_and_reported(store, settings, registry):
    results, seen, finished, threads = _run(store, settings, registry, workers=2)

    assert [r.network for r in results] == REFERENCE_NETWORKS  # in the order asked, each once
    assert all(r.state == "succeeded" for r in results), [r.message for r in results]
    assert sorted(r.network for done in finished for r in done) == sorted(REFERENCE_NETWORKS)
    assert seen == set(REFERENCE_NETWORKS)
    # Progress came from this process's own harvest and from the workers' queue.
    assert "harvest-progress" in threads and len(threads) == 2
    with store.read() as conn:
        stored = dict(conn.execute(select(I.c.network, func.count()).group_by(I.c.network)).all())
        jobs = conn.execute(select(JOBS.c.network, JOBS.c.state)).all()
    assert {r.network: r.counts.created for r in results} == stored
    assert sorted(jobs) == sorted((c, "succeeded") for c in REFERENCE_NETWORKS)


def test_a_failing_network_fails_alone(store, settings, registry, sim):
    sim.set_fault("370000", "http_error", status=500)
    results, *_ = _run(store, settings, registry, workers=3)
    states = {r.network: r.state for r in results}
    assert states == {"370000": "failed", "420000": "succeeded", "130000": "succeeded"}
    assert "500" in next(r.message for r in results if r.network == "370000")
