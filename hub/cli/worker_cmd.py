"""`hub worker`: the process that runs queued jobs — pushed batches, harvests asked for by hand or by
the scheduler (docs/operations.md, "More than one machine")."""

from __future__ import annotations

import faulthandler
import logging
import signal
import threading

import click

from hub.cli.store_cmd import init_store
from hub.config import Registry, settings


@click.command()
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64), help="Jobs this process runs at once.")
def worker(concurrency):
    """Run queued jobs in the foreground until SIGTERM or Ctrl-C (the running jobs finish first).

    On PostgreSQL: a procrastinate worker; run as many as you like, on any hosts, against the same
    database. A job whose worker dies (its heartbeat stops) is retried by another. On SQLite the web
    process runs its jobs itself; a worker there runs the same in-process loop in the foreground."""
    from hub.queue import open_queue

    root = logging.getLogger("hub")
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)  # an unattended process should say what it does
    store = init_store()
    jobs = open_queue(store, settings(), Registry.load())
    stop = threading.Event()
    # `kill -USR1 <pid>` prints every thread's stack to stderr: how to see where a stuck job waits.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    # The in-process loop stops on these; procrastinate installs its own handlers while it runs.
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    click.echo(f"worker running on {store.dialect} (SIGTERM or Ctrl-C to stop)", err=True)
    jobs.run_worker(concurrency=concurrency, stop=stop)
    return 0


COMMANDS = [worker]
