"""`hub export`: the national catalogue (or any search of it) as JSON Lines, CSV or XLSX."""

from __future__ import annotations

import sys

import click


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "xlsx"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one normalised record per line (common schema + id + provenance); csv: UTF-8 with BOM; xlsx.",
)
@click.option("--network", help="Only this network (6-digit code).")
@click.option("--q", "q", help="Only instruments matching this search text.")
@click.option("--category", help="Only this category code or prefix (01, 0105, 010500).")
@click.option(
    "--all-sources",
    is_flag=True,
    help="Every network's record of an instrument several networks list (default: one record per instrument, as search shows).",
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file (default: standard output).")
def export(fmt, network, q, category, all_sources, out):
    """Export active instruments, streamed in constant memory. Withdrawn instruments are not exported.

    An instrument listed by several networks is exported once (its cluster's representative, with
    its cluster_id), unless --all-sources is given (docs/duplicates.md)."""
    from marshmallow import ValidationError

    from hub.exports.formats import FORMATS
    from hub.exports.stream import records
    from hub.search import load_params
    from hub.store.db import open_store

    if network is not None:
        from hub.config import Registry

        Registry.load().get(network)  # an unknown code is an error (exit 2), not "exported 0"
    try:
        given = {"network": network, "q": q, "category": category, "all_sources": all_sources or None}
        params = load_params({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        raise click.BadParameter("; ".join(f"{k}: {', '.join(v)}" for k, v in exc.messages.items())) from None
    if fmt == "xlsx" and out is None and sys.stdout.isatty():
        raise click.UsageError("an XLSX file is binary: give --out FILE or redirect standard output")
    writer = FORMATS[fmt][0]
    sink = open(out, "wb") if out else sys.stdout.buffer
    n = 0

    def counted(rows):
        nonlocal n
        for row in rows:
            n += 1
            yield row

    store = open_store()
    try:
        for chunk in writer(counted(records(store, params))):
            sink.write(chunk)
    finally:
        if out:
            sink.close()
        else:
            sink.flush()
    click.echo(f"exported {n} instruments" + (f" to {out}" if out else ""), err=True)
    if not all_sources and (left_out := _represented_elsewhere(store, given, n)):
        # A province exporting its own network found 79 of its instruments missing without a word.
        click.echo(
            f"and left out {left_out:,} records of this selection whose instrument another network's record represents "
            "(one record per instrument, as search shows): --all-sources exports every record",
            err=True,
        )


def _represented_elsewhere(store, given: dict, exported: int) -> int:
    """How many records of the selection the one-record-per-instrument export left out."""
    from hub.search import load_params, search

    every = load_params({**{k: v for k, v in given.items() if v is not None}, "all_sources": True, "page_size": 1})
    with store.read() as conn:
        return max(0, search(conn, every).total - exported)


COMMANDS = [export]
