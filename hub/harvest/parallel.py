"""Harvest several networks at once, one process per network at a time.

Networks are independent, and one process cannot use more than one core (mapping and tokenising are
Python), so `hub harvest --all` runs `workers` processes. Each opens its own store connection; SQLite
serialises their short per-batch write transactions (BEGIN IMMEDIATE waits, it does not fail).
Progress comes back over a queue so one terminal line can show the whole run.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed

from sqlalchemy import func, select

from connectors import connector_class
from hub.harvest.jobs import Counts
from hub.harvest.writer import INSTRUMENTS

_progress_queue = None


def default_workers(n_networks: int) -> int:
    # Twice the cores: many networks are bound by their own rate limits and page latency, not CPU.
    return max(1, min(n_networks, 2 * (os.cpu_count() or 1), 8))


def _init_worker(q):
    global _progress_queue
    _progress_queue = q


def _report(network, kind, counts):
    if _progress_queue is not None:
        _progress_queue.put((network, kind, counts.as_dict()))


def _harvest_one(database_url, code, full, year):
    # Imported in the worker: a spawned process starts from nothing.
    from hub.config import Registry, settings
    from hub.harvest.pipeline import Harvester
    from hub.store.db import Store

    store = Store(database_url)
    try:
        network = Registry.load().get(code)
        return Harvester(store, settings(), progress=_report).harvest(network, full=full, year=year)
    finally:
        store.dispose()


def harvest_many(store, settings, networks, *, full=False, year=None, workers=None, progress=None, on_result=None):
    """Harvest `networks` (NetworkConfigs) with up to `workers` processes; return every RunResult.

    `progress(network, kind, counts)` is called in this process as workers report; `on_result(results)`
    when a network is done.
    """
    from hub.harvest.pipeline import Harvester

    workers = workers or default_workers(len(networks))
    if workers <= 1 or len(networks) <= 1:
        results = []
        harvester = Harvester(store, settings, progress=progress)
        for network in networks:
            done = harvester.harvest(network, full=full, year=year)
            results += done
            if on_result:
                on_result(done)
        return results

    with store.read() as conn:
        sizes = dict(conn.execute(select(INSTRUMENTS.c.network, func.count()).group_by(INSTRUMENTS.c.network)).all())
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    stop = threading.Event()

    def drain():
        while not stop.is_set() or not q.empty():
            try:
                network, kind, counts = q.get(timeout=0.2)
            except queue.Empty:
                continue
            if progress:
                progress(network, kind, Counts(**counts))

    # Paced networks first (their waiting overlaps the rest), then largest first by what the store
    # holds, which keeps the workers busy to the end.
    ordered = sorted(networks, key=lambda n: (not connector_class(n.family).paced, -sizes.get(n.code, 0)))
    results = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(q,)) as pool:
        drainer = threading.Thread(target=drain, daemon=True)
        drainer.start()
        futures = {pool.submit(_harvest_one, store.url, n.code, full, year): n for n in ordered}
        try:
            for future in as_completed(futures):
                done = future.result()
                results += done
                if on_result:
                    on_result(done)
        finally:
            stop.set()
            drainer.join(5)
    order = {n.code: i for i, n in enumerate(networks)}
    return sorted(results, key=lambda r: (order[r.network], r.kind != "full" and r.kind != "incremental"))
