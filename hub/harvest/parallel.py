"""Harvest several networks at once: one in this process, the others in worker processes.

Networks are independent, and one process cannot use more than one core (mapping and tokenising are
Python), so `hub harvest --all` runs `workers` harvests at a time. This process runs one of them
itself — it has everything loaded already, and an idle parent would cost a whole interpreter's
memory — while a feeder thread keeps `workers - 1` worker processes busy; both take networks from
one queue, so a slow network never leaves the others waiting. Each process opens its own store
connection; SQLite serialises their short per-batch write transactions (BEGIN IMMEDIATE waits, it
does not fail). Workers report progress over a queue so one terminal line can show the whole run.

A network whose lease another process holds is not an error: it comes back as a result in state
`skipped`, wherever it ran. Workers end when this process is gone (killed with SIGKILL, say): a
thread in each watches the parent's sentinel (`multiprocessing.parent_process()`, portable), stops
a running harvest as interrupted, and exits; without it an orphaned worker waits for work forever.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from sqlalchemy import func, select

from connectors import connector_class
from hub import collector
from hub.harvest.jobs import Counts
from hub.harvest.lease import LeaseBusy
from hub.harvest.writer import INSTRUMENTS

_progress_queue = None
#: In a worker: set while a harvest runs, so the parent watcher knows whether to interrupt one.
_busy = threading.Event()
_orphaned = threading.Event()
#: How long an orphaned worker gives its harvest to record itself as interrupted before it exits anyway.
ORPHAN_GRACE_SECONDS = 30.0


def default_workers(n_networks: int) -> int:
    # Twice the cores: many networks are bound by their own rate limits and page latency, not CPU.
    return max(1, min(n_networks, 2 * (os.cpu_count() or 1), 8))


def _context():
    """Workers are forked from a server that imported the harvest once (`hub.harvest.preload`), where
    the platform has one; elsewhere spawned, each importing it itself."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # Taken by the server when it starts: the first harvest_many of this process.
    ctx.set_forkserver_preload(["hub.harvest.preload"])
    return ctx


def _init_worker(q, environ):
    global _progress_queue
    _progress_queue = q
    # The fork server keeps the environment it started with; a worker takes this process's, as a
    # spawned one would (the configuration it reads names the home, the database, the simulator).
    os.environ.clear()
    os.environ.update(environ)
    collector.for_batches()  # a new process starts with Python's defaults

    def interrupt(signum, frame):
        # Only the first: another, raised while the harvest unwinds, would cut short its job's mark
        # and its lease's release.
        signal.signal(signal.SIGTERM, lambda signum, frame: None)
        raise SystemExit(128 + signum)  # unwinds the harvest: its job is marked interrupted, its lease released

    signal.signal(signal.SIGTERM, interrupt)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _watch_parent(sentinel):
    """Exit when the parent process is gone. A harvest in progress is interrupted first (SIGTERM to
    ourselves: SystemExit in the main thread) and `_harvest_one` exits once it has unwound."""
    multiprocessing.connection.wait([sentinel])
    _orphaned.set()
    if _busy.is_set():
        os.kill(os.getpid(), signal.SIGTERM)
        # `_harvest_one` exits as soon as the harvest has unwound; this is only the backstop.
        time.sleep(ORPHAN_GRACE_SECONDS)
    os._exit(128 + signal.SIGTERM)


def skipped_result(network, exc: LeaseBusy, *, full: bool):
    """The result of a network not harvested because another process holds its lease."""
    from hub.harvest.pipeline import RunResult

    return RunResult(network.code, "full" if full else "harvest", None, "skipped", Counts(), str(exc))


def _harvest_or_skip(harvester, network, *, full, year):
    try:
        return harvester.harvest(network, full=full, year=year)
    except LeaseBusy as exc:
        return [skipped_result(network, exc, full=full)]


def _report(network, kind, counts):
    if _progress_queue is not None:
        _progress_queue.put((network, kind, counts.as_dict()))


def _harvest_one(database_url, code, full, year):
    # Imported on use, as elsewhere in this module: every `hub` command imports it (in a worker forked
    # from the server they are loaded already, `hub.harvest.preload`).
    from hub.config import Registry, settings
    from hub.harvest.pipeline import Harvester
    from hub.store.db import Store

    store = Store(database_url)
    _busy.set()
    try:
        network = Registry.load().get(code)
        return _harvest_or_skip(Harvester(store, settings(), progress=_report), network, full=full, year=year)
    finally:
        _busy.clear()
        store.dispose()
        if _orphaned.is_set():
            os._exit(128 + signal.SIGTERM)  # nobody is left to take the result


def harvest_many(store, settings, networks, *, full=False, year=None, workers=None, progress=None, on_result=None):
    """Harvest `networks` (NetworkConfigs), up to `workers` at a time; return every RunResult.

    `progress(network, kind, counts)` is called in this process as harvests report; `on_result(results)`
    when a network is done. Both are called under one lock, from more than one thread.
    """
    from hub.harvest.pipeline import Harvester

    workers = workers or default_workers(len(networks))
    if workers <= 1 or len(networks) <= 1:
        results = []
        harvester = Harvester(store, settings, progress=progress)
        for network in networks:
            done = _harvest_or_skip(harvester, network, full=full, year=year)
            results += done
            if on_result:
                on_result(done)
        return results

    with store.read() as conn:
        sizes = dict(conn.execute(select(INSTRUMENTS.c.network, func.count()).group_by(INSTRUMENTS.c.network)).all())
    # Paced networks first (their waiting overlaps the rest), then largest first by what the store
    # holds, which keeps the workers busy to the end.
    pending = collections.deque(sorted(networks, key=lambda n: (not connector_class(n.family).paced, -sizes.get(n.code, 0))))
    lock = threading.Lock()  # guards `pending`, `results` and the caller's callbacks
    results = []

    def take():
        with lock:
            return pending.popleft() if pending else None

    def report(network, kind, counts):
        if progress:
            with lock:
                progress(network, kind, counts)

    def finished(done):
        with lock:
            results.extend(done)
            if on_result:
                on_result(done)

    ctx = _context()
    q = ctx.Queue()
    stop = threading.Event()

    def drain():
        while not stop.is_set() or not q.empty():
            try:
                network, kind, counts = q.get(timeout=0.2)
            except queue.Empty:
                continue
            report(network, kind, Counts(**counts))

    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=ctx, initializer=_init_worker, initargs=(q, dict(os.environ))) as pool:
        failures = []

        def feed():
            running = set()
            try:
                while True:
                    while len(running) < workers - 1 and (network := take()) is not None:
                        running.add(pool.submit(_harvest_one, store.url, network.code, full, year))
                    if not running:
                        return
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        finished(future.result())
            except BaseException as exc:  # a worker's crash: reported by the caller's thread below
                failures.append(exc)
                with lock:
                    pending.clear()

        drainer = threading.Thread(target=drain, name="harvest-progress", daemon=True)
        feeder = threading.Thread(target=feed, name="harvest-feeder", daemon=True)
        drainer.start()
        feeder.start()
        harvester = Harvester(store, settings, progress=report)
        try:
            while not failures and (network := take()) is not None:
                finished(_harvest_or_skip(harvester, network, full=full, year=year))
        except BaseException:
            with lock:
                pending.clear()  # interrupted (SIGTERM, a bug): start nothing more; running ones finish
            raise
        finally:
            feeder.join()
            stop.set()
            drainer.join(5)
    if failures:
        raise failures[0]
    order = {n.code: i for i, n in enumerate(networks)}
    return sorted(results, key=lambda r: (order[r.network], r.kind != "full" and r.kind != "incremental"))
