"""Store hooks: code that must run in the same transaction whenever instruments change.

The search index registers here, so harvests, pushes and remaps keep it current without knowing it
exists. A hook is `fn(conn, instrument_ids: list[str], prepared) -> None`; it sees the rows as
written. A hook may also register `prepare(rows, dialect) -> prepared`: CPU work on the rows about
to be written (`(instruments row, owner dict)` pairs; the store's dialect name) that the writer runs
*before* it takes the write transaction, so that SQLite's single write lock is held for writing
only; `prepared` is None when the caller had nothing to prepare (withdrawals, tests' factories).
`prepared` may keep the row and owner dicts themselves: the writer completes them (owner id, stamps,
the owner unit's stored values) before it calls the hook, and calls it only for rows it wrote active.
Modules in `_PROVIDERS` register their hooks when imported; they are imported on first use.
"""

from __future__ import annotations

import importlib

_PROVIDERS = ("hub.search", "hub.dedup.store")
_CHANGED: list[tuple] = []  # (fn, prepare or None)
_loaded = False


def on_instruments_changed(fn=None, *, prepare=None):
    """Register `fn(conn, ids, prepared)`, called after instruments are created, updated or withdrawn;
    usable bare (`@on_instruments_changed`) or with a `prepare=` function."""
    if fn is None:
        return lambda f: on_instruments_changed(f, prepare=prepare)
    _CHANGED.append((fn, prepare))
    return fn


def _load_providers():
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _PROVIDERS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # a provider not written yet is absent; anything else is a bug
                raise


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
