"""`hub counts`: check the kept facet counts against the search documents, and repair them."""

from __future__ import annotations

import contextlib

import click

from hub.cli._output import echo_table

#: How many of a network's differing values a line names.
SHOWN = 3


@contextlib.contextmanager
def _snapshot(store):
    """A read of the kept counts and the documents as of one moment, whatever commits meanwhile."""
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            yield conn
    else:
        with store.read() as conn:  # a SQLite read transaction reads one snapshot from its first read
            yield conn


def _described(differences: dict) -> str:
    shown = [
        f"{scope or '(all)'} {facet}={value or '(none)'}: kept {kept:,}, documents {counted:,}"
        for (scope, facet, value), (kept, counted) in sorted(differences.items())[:SHOWN]
    ]
    more = len(differences) - len(shown)
    return "; ".join(shown) + (f"; and {more:,} more" if more > 0 else "")


@click.command("counts")
@click.argument("networks", nargs=-1, metavar="[CODE]…")
@click.option("--repair", is_flag=True, help="Count each network that differs again from its documents.")
def counts_cmd(networks, repair):
    """Check the kept facet counts against the search documents, network by network.

    The home page and every single-filter search show counts the writers keep as they write
    (docs/catalogue.md). They equal a count of the documents unless something wrote the documents
    behind the writers' back (SQL by hand, a restored table). Each network is read in one snapshot;
    one a harvest is counting at its end is left to it (searches count it live meanwhile).
    Exit 1 when a network differs and was not repaired."""
    from hub.config import Registry
    from hub.search import counts, versions
    from hub.search.stale_counts import marked_networks
    from hub.store import locks
    from hub.store.db import open_store

    registry = Registry.load()
    for code in networks:
        registry.get(code)  # an unknown code is a usage error naming the known ones
    store = open_store()
    with store.read() as conn:
        codes = list(networks) or counts.counted_networks(conn)
        stale = set(marked_networks(conn))
    rows, left = [], 0
    for code in codes:
        if code in stale:
            rows.append((code, "stale", "a harvest counts it at its end; searches count it live meanwhile"))
            continue
        with _snapshot(store) as conn:
            differences = counts.drift(conn, code)
        if not differences:
            rows.append((code, "ok", ""))
            continue
        if not repair:
            left += 1
            rows.append((code, "differs", _described(differences)))
            continue
        with store.write() as conn:
            locks.hold(conn, counts.lock_name(code))
            counts.recount_network(conn, code)
            versions.bump_networks(conn, [code])  # answers cached on the old counts are not served again
        rows.append((code, "repaired", _described(differences)))
    echo_table(["network", "counts", "where they differed"], rows)
    if left:
        click.echo(f"{left} network(s) differ: `hub counts --repair` counts them again", err=True)
        return 1
    return 0


COMMANDS = [counts_cmd]
