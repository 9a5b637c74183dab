"""`hub scheduler`: the long-running process that harvests, probes and raises alerts (docs/operations.md)."""

from __future__ import annotations

import faulthandler
import logging
import signal
import threading

import click

from hub.cli.store_cmd import init_store
from hub.config import Registry, settings


@click.command()
@click.option("--network", "networks", multiple=True, help="Only these networks (repeatable); default: every enabled pulled network.")
@click.option(
    "--harvest-here",
    is_flag=True,
    help="Run harvests in this process even on PostgreSQL (a deployment without `hub worker`); by default they are queued for the workers.",
)
def scheduler(networks, harvest_here):
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C.

    Harvests every network by its schedule (conf/networks.yaml), probes them, recovers crashed jobs,
    picks up "harvest now" requests and raises alerts. Run one or several (on any hosts) against the
    same database: a lease per network keeps each harvest single. On PostgreSQL due harvests are
    queued for `hub worker` processes (see --harvest-here)."""
    from hub.ops.scheduler import HubScheduler

    root = logging.getLogger("hub")
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)  # an unattended process should say what it does
    # APScheduler warns whenever a tick finds the previous maintenance still running; that is expected.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    registry = Registry.load()
    for code in networks:
        registry.get(code)  # an unknown code fails here, with the known ones listed
    store = init_store()
    stop = threading.Event()

    def on_signal(signum, frame):
        logging.getLogger("hub.scheduler").warning("signal %s: stopping after the running batches", signum)
        stop.set()

    # `kill -USR1 <pid>` prints every thread's stack to stderr: how to see where a stuck run waits.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sched = HubScheduler(store, registry, settings(), networks=list(networks) or None, harvest_here=harvest_here)
    sched.start()
    click.echo(f"scheduler running: {', '.join(sched.networks) or 'no networks'} (SIGTERM or Ctrl-C to stop)", err=True)
    while not stop.wait(1.0):
        pass
    sched.stop(wait=True)
    return 0


COMMANDS = [scheduler]
