"""Store hooks: code that must run in the same transaction whenever instruments change.

The search index registers here, so harvests, pushes and remaps keep it current without knowing it
exists. A hook is `fn(conn, instrument_ids: list[str], prepared) -> None`; it sees the rows as
written. A hook may also register `prepare(rows, dialect) -> prepared`: CPU work on the rows about
to be written (`(instruments row, owner dict)` pairs; the store's dialect name) that the writer runs
*before* it takes the write transaction, so that SQLite's single write lock is held for writing
only; `prepared` is None when the caller had nothing to prepare (withdrawals, tests' factories).
`prepared` may keep the row and owner dicts themselves: the writer completes them (owner id, stamps,
the owner unit's stored values) before it calls the hook, and calls it only for rows it wrote active.
Modules named by entry points in the group `instrument_hub.store_hooks` (the search index among them,
declared in pyproject.toml like an extension's) register their hooks when imported, on first use; the
store never names the packages above it.
"""

from __future__ import annotations

from hub import plugins

_CHANGED: list[tuple] = []  # (fn, prepare or None)
_SHOWN: list = []
_UPGRADED: list = []


def on_instruments_changed(fn=None, *, prepare=None):
    """Register `fn(conn, ids, prepared)`, called after instruments are created, updated or withdrawn;
    usable bare (`@on_instruments_changed`) or with a `prepare=` function."""
    if fn is None:
        return lambda f: on_instruments_changed(f, prepare=prepare)
    _CHANGED.append((fn, prepare))
    return fn


def _load_providers():
    plugins.load("store_hooks")


def prepare_changes(rows: list[tuple[dict, dict]], dialect: str) -> dict:
    """Each hook's preparation of rows about to be written to a `dialect` store; pass the result to
    `instruments_changed`."""
    _load_providers()
    return {fn: prepare(rows, dialect) for fn, prepare in _CHANGED if prepare is not None and rows}


def instruments_changed(conn, ids, prepared: dict | None = None) -> None:
    _load_providers()
    if ids:
        for fn, _ in _CHANGED:
            fn(conn, list(ids), (prepared or {}).get(fn))


def on_records_shown_changed(fn):
    """Register `fn(conn, networks)`, called when what some records of these networks show changed
    without any document being written (records a listing had lacked, stamped as seen again):
    whoever keeps whole answers must not serve the old ones."""
    _SHOWN.append(fn)
    return fn


def records_shown_changed(conn, networks) -> None:
    _load_providers()
    networks = set(networks)
    if networks:
        for fn in _SHOWN:
            fn(conn, networks)


def after_upgrade(fn):
    """Register `fn(conn, applied: set[str])`, called after `hub.store.migrate.upgrade` applied the
    revisions `applied`, in the same transaction: derived data (an index) is rebuilt here rather than
    in a migration, which must not import the code that builds it."""
    _UPGRADED.append(fn)
    return fn


def schema_upgraded(conn, applied: set[str]) -> None:
    _load_providers()
    for fn in _UPGRADED:
        fn(conn, applied)
