"""`hub backup` and `hub restore`: a consistent copy of a live SQLite store, and putting one back."""

from __future__ import annotations

from pathlib import Path

import click

from hub.store import backup as backups


def _report(verb: str, snapshot: backups.Snapshot) -> None:
    click.echo(
        f"{verb} {snapshot.path}: {snapshot.bytes:,} bytes, {snapshot.instruments:,} active instruments, "
        f"schema {snapshot.revision or 'unknown'}"
    )


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def backup(destination):
    """Copy the SQLite store to DESTINATION while the hub runs (SQLite's online backup API).

    The copy holds every transaction committed before it began, checked and written as one file;
    harvests and pushes go on meanwhile. Never `cp` a live store: its WAL holds the latest commits.
    PostgreSQL stores are backed up with pg_dump instead (docs/operations.md, "Backups")."""
    from hub.config import settings

    _report("backed up to", backups.backup(settings().database_url, destination))


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(source, yes):
    """Replace the SQLite store with the backup SOURCE (made by `hub backup`).

    Stop the scheduler, workers and web processes first; run `hub init` afterwards (it migrates a
    backup of an older release). The backup is checked before anything is replaced."""
    from hub.config import settings

    url = settings().database_url
    snapshot = backups.describe(source)
    if not yes:
        click.confirm(
            f"replace the store {backups.sqlite_file(url) or url} with {source} ({snapshot.instruments:,} active instruments)? "
            "every change made since the backup is lost",
            abort=True,
        )
    _report("restored from", backups.restore(url, source))
    click.echo("run `hub init`, then start the hub's processes again")


COMMANDS = [backup, restore]
