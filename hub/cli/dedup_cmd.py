"""`hub dedup`: resolve duplicates across networks now (all from scratch, or only what changed)."""

from __future__ import annotations

import time

import click


@click.command("dedup")
@click.option("--all", "everything", is_flag=True, help="Resolve the whole catalogue from scratch (after changing conf/dedup.yaml).")
def dedup(everything):
    """Cluster the records of different networks that describe one instrument (docs/duplicates.md).

    Harvests and pushes resolve the records they changed by themselves; this command catches up
    (without --all) or starts over with new thresholds (--all). Operators' splits and confirmations hold either way."""
    from hub.dedup.store import resolve_all, resolve_pending
    from hub.store.db import open_store

    started = time.monotonic()
    store = open_store()
    if everything:
        result = resolve_all(store)
        multi = sum(1 for m in result.clusters().values() if len(m) > 1)
        click.echo(
            f"resolved {len(result.cluster_of):,} records into {multi:,} clusters of more than one "
            f"in {time.monotonic() - started:.1f} s; {result.pairs_scored:,} pairs scored"
        )
        for key, size in result.oversized:
            click.echo(f"block not compared (size {size} > max_block): {key}", err=True)
    else:
        n = resolve_pending(store)
        click.echo(f"re-resolved {n:,} records in {time.monotonic() - started:.1f} s")


COMMANDS = [dedup]
