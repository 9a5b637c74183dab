"""`hub reindex`: rebuild the catalogue search index from the instruments table."""

from __future__ import annotations

import time

import click


@click.command("reindex")
def reindex():
    """Rebuild the search index (after changing the analyser, or to repair it). Normally the index
    follows every harvest, push and remap by itself."""
    from hub.search import reindex_all
    from hub.store.db import open_store

    started = time.monotonic()
    store = open_store()
    n = reindex_all(store)
    click.echo(f"indexed {n} active instruments in {time.monotonic() - started:.1f} s")


COMMANDS = [reindex]
