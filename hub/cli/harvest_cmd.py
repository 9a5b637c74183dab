"""`hub harvest` and `hub remap`."""

from __future__ import annotations

import json
import signal

import click

from hub import stopping
from hub.cli import exit_codes
from hub.cli._output import Progress, echo_table
from hub.cli.store_cmd import init_store
from hub.config import Registry, settings
from hub.harvest.parallel import harvest_many
from hub.harvest.remap import remap as remap_network


def _ignored(signum, frame):
    pass


def terminate_cleanly():
    """SIGTERM raises `Terminated` (a SystemExit) so running jobs are finished as interrupted, not
    left "running", and the command ends with its documented code and one line. Only the first: a
    second one, raised again while the first unwinds, would cut short the very writes that mark the
    job and release the lease (SIGKILL is what stops a process outright). The stop is also kept in
    `hub.stopping`: raised inside a finalizer it would be lost, and the next batch raises it again."""

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, _ignored)
        stopping.ask(exit_codes.Terminated)
        raise exit_codes.Terminated()

    signal.signal(signal.SIGTERM, handler)


def run_harvest(codes, *, all_networks=False, full=False, year=None, progress=None, store=None, workers=None):
    registry = Registry.load()
    if all_networks:
        networks = [n for n in registry if n.pulled and n.enabled]
    else:
        networks = [registry.get(code) for code in codes]
        for n in networks:
            if not n.pulled:
                raise click.UsageError(f"network {n.code} pushes its data (family {n.family}); it cannot be harvested")
    store = init_store(store)
    results = harvest_many(
        store, settings(), networks, full=full, year=year, workers=workers, progress=progress, on_result=getattr(progress, "finished", None)
    )
    if hasattr(progress, "done"):
        progress.done()
    return results


def summary_rows(results):
    return [
        [
            r.network,
            r.kind,
            r.state,
            f"{r.counts.fetched:,}",
            f"{r.counts.created:,}",
            f"{r.counts.updated:,}",
            f"{r.counts.unchanged:,}",
            f"{r.counts.withdrawn:,}",
            f"{r.counts.rejected:,}",
            f"{r.counts.deleted:,}",
            f"{r.counts.not_found:,}",
            f"{r.seconds:.1f}s",
            r.telemetry.get("requests", ""),
            r.message or "",
        ]
        for r in results
    ]


SUMMARY_HEADERS = [
    "network",
    "kind",
    "state",
    "fetched",
    "created",
    "updated",
    "unchanged",
    "withdrawn",
    "rejected",
    # Explicit deletions, with no column a run's fetched records would not add up to its counts.
    "deleted",
    "not found",
    "time",
    "requests",
    "message",
]
#: The columns of SUMMARY_HEADERS aligned right: the counts, the time and the requests.
SUMMARY_RIGHT = set(range(3, 13))


@click.command()
@click.argument("codes", nargs=-1)
@click.option("--all", "all_networks", is_flag=True, help="Every enabled pulled network of the registry.")
@click.option("--full", is_flag=True, help="A full listing even where an incremental one would do.")
@click.option("--year", type=int, help="Also fetch the service statistics of this year.")
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    help="Networks harvested at once: one in this process, the others in worker processes (default: twice the cores, at most 8).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (no progress line).")
def harvest(codes, all_networks, full, year, workers, as_json):
    """Harvest networks by code (e.g. 370000), or --all. Exits 1 if any network failed, else 3 if one
    was skipped because another process is harvesting it (its lease is held), else 0."""
    if not codes and not all_networks:
        raise click.UsageError("name one or more network codes, or --all")
    terminate_cleanly()
    progress = Progress(enabled=False if as_json else None)
    results = run_harvest(codes, all_networks=all_networks, full=full, year=year, progress=progress, workers=workers)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        echo_table(SUMMARY_HEADERS, summary_rows(results), right=SUMMARY_RIGHT)
    return outcome_code(results)


def outcome_code(results) -> int:
    """`failed` when any network failed, else `skipped` when another process held one, else `ok`."""
    states = {r.state for r in results}
    if states - {"succeeded", "skipped"}:
        return exit_codes.FAILED.code
    return exit_codes.SKIPPED.code if "skipped" in states else exit_codes.OK.code


@click.command()
@click.argument("code")
def remap(code):
    """Map CODE's stored raw records again (after a mapping change), without refetching."""
    terminate_cleanly()
    network = Registry.load().get(code)
    store = init_store()
    progress = Progress()
    result = remap_network(store, network, batch_size=settings().batch_size, progress=progress)
    progress.done()
    echo_table(SUMMARY_HEADERS, summary_rows([result]), right=SUMMARY_RIGHT)


COMMANDS = [harvest, remap]
