"""Backing up and restoring a SQLite store while the hub runs (`hub backup`, `hub restore`).

A plain `cp` of a live store is not a backup. In WAL mode a commit lands in `hub.sqlite-wal` and
reaches `hub.sqlite` only at a checkpoint (we checkpoint every ~64 MB of WAL, `hub.store.db`), so a
copy of the main file alone lacks whatever was committed since — a harvest's last thousands of
records — and a copy of both files taken while a writer appends can pair a main file and a WAL of
different moments. SQLite's online backup API copies the database as one read transaction sees it:
every transaction committed before it began, none after, whatever the WAL holds; the writers go on
meanwhile (readers never block them in WAL mode).

The copy is written beside its destination, checked (`PRAGMA integrity_check`, and that it is a
hub store: it has the migrations' version table), switched to a rollback journal so that it is one
self-contained file, and only then renamed onto the destination: a backup interrupted half-way never
leaves a half-written file under the name of a good one.

A restore goes through the same API the other way, into the store's own file under its write lock,
so SQLite replaces the pages and the WAL consistently; the hub's processes must be stopped first
(they keep leases, schedules and caches of the store they read), and `hub init` afterwards migrates
a backup taken by an older release.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hub.errors import HubError
from hub.store.db import BUSY_TIMEOUT_MS, sqlite_file


class BackupError(HubError):
    """A backup or restore that cannot be done as asked: the message says why and what to do."""


@dataclass(frozen=True)
class Snapshot:
    """What a backup file holds, as `hub backup` and `hub restore` report it."""

    path: Path
    bytes: int
    revision: str
    instruments: int


def _store_file(url: str) -> Path:
    path = sqlite_file(url)
    if path is None:
        raise BackupError(
            "hub backup and hub restore copy SQLite stores; back up PostgreSQL with its own tools "
            '(pg_dump -Fc, or continuous archiving; docs/operations.md, "Backups")'
        )
    return Path(path)


@contextlib.contextmanager
def _connect(path: Path, *, must_exist: bool = True) -> Iterator[sqlite3.Connection]:
    if must_exist and not path.is_file():
        raise BackupError(f"{path} does not exist")
    # mode=ro for a source would refuse to recover a WAL left by a crash; rw never creates a file.
    uri = f"file:{path}?mode={'rw' if must_exist else 'rwc'}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def describe(path: Path) -> Snapshot:
    """Check that PATH is a whole, readable hub store and say what it holds."""
    try:
        with _connect(path) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path} is damaged: {'; '.join(problems[:3])}")
            try:
                (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone() or ("",)
                (instruments,) = conn.execute("SELECT count(*) FROM instruments WHERE withdrawn_at IS NULL").fetchone()
            except sqlite3.OperationalError:
                raise BackupError(f"{path} is not a hub store (no migrations or instruments table)") from None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from None
    return Snapshot(path=path, bytes=path.stat().st_size, revision=revision, instruments=instruments)


def _copy(source: Path, target: Path) -> None:
    """Copy SOURCE onto TARGET with the online backup API, in one step (one read transaction of
    SOURCE, so one consistent moment; a stepwise copy would start over at every commit of a harvest)."""
    try:
        with _connect(source) as src, _connect(target, must_exist=False) as dst:
            src.backup(dst)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"copying {source} to {target} failed: {exc}") from None


def backup(url: str, destination: Path) -> Snapshot:
    """Write a consistent copy of the store at URL to DESTINATION (replaced if it exists)."""
    source = _store_file(url)
    destination = Path(destination)
    if destination.is_dir():
        raise BackupError(f"{destination} is a directory; give the backup's file name")
    if destination.resolve() == source.resolve():
        raise BackupError(f"{destination} is the store itself; give another file")
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} does not exist")
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        with _connect(partial) as conn:
            # The copy inherits WAL mode from the store's header; one file is what an operator
            # expects to move, archive or restore.
            conn.execute("PRAGMA journal_mode=DELETE")
        snapshot = describe(partial)
        os.replace(partial, destination)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm"), Path(f"{partial}-journal")):
            leftover.unlink(missing_ok=True)
    return Snapshot(path=destination, bytes=snapshot.bytes, revision=snapshot.revision, instruments=snapshot.instruments)


def restore(url: str, source: Path) -> Snapshot:
    """Replace the store at URL with the backup SOURCE (checked first; the store is left as it was
    when the backup is not a whole hub store)."""
    target = _store_file(url)
    source = Path(source)
    if target.exists() and source.resolve() == target.resolve():
        raise BackupError(f"{source} is the store itself; give a backup file")
    snapshot = describe(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, target)
    with _connect(target) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    return snapshot
