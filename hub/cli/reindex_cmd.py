"""`hub reindex`: rebuild the catalogue search index from the instruments table, in resumable batches."""

from __future__ import annotations

import sys
import time

import click

from hub import stopping
from hub.cli import exit_codes
from hub.cli.harvest_cmd import terminate_cleanly


@click.command("reindex")
@click.option("--batch", type=click.IntRange(1, 100_000), default=2000, show_default=True, help="Instruments per write transaction.")
@click.option("--resume-after", metavar="ID", help="Start after this instrument id (printed when a run is interrupted).")
def reindex(batch, resume_after):
    """Rebuild the search index (after changing the analyser, or to repair it). Normally the index
    follows every harvest, push and remap by itself.

    Each batch is its own transaction: searches keep answering during the rebuild, harvests are not
    held up for its whole length, and an interrupted run resumes with --resume-after."""
    from hub.search import reindex_all
    from hub.store.db import open_store

    started = time.monotonic()
    store = open_store()
    state = {"last": resume_after, "done": 0}
    tty = sys.stderr.isatty()

    def progress(last, done):
        state.update(last=last, done=done)
        if tty:
            click.echo(f"\rindexed {done:,} … {last}", nl=False, err=True)

    terminate_cleanly()
    try:
        n = reindex_all(store, batch=batch, resume_after=resume_after, progress=progress)
    except (KeyboardInterrupt, exit_codes.Terminated) as exc:
        stopping.arrived(exc)
        # Ctrl-C and SIGTERM alike: say where to resume, with the code the exit-code table gives each.
        status = exit_codes.TERMINATED if isinstance(exc, exit_codes.Terminated) else exit_codes.INTERRUPTED
        resume = f" --resume-after '{state['last']}'" if state["last"] else ""
        error = click.ClickException(f"interrupted after {state['done']:,} instruments: run `hub reindex{resume}` to go on")
        error.exit_code = status.code
        raise error from None
    if tty:
        click.echo(err=True)
    click.echo(f"indexed {n} active instruments in {time.monotonic() - started:.1f} s")


COMMANDS = [reindex]
