"""Store hooks: code that must run in the same transaction whenever instruments change.

The search index registers here, so harvests, pushes and remaps keep it current without knowing it
exists. A hook is `fn(conn, instrument_ids: list[str]) -> None`; it sees the rows as written.
"""

from __future__ import annotations

_CHANGED = []


def on_instruments_changed(fn):
    """Register `fn(conn, ids)`; called after instruments are created, updated or withdrawn."""
    _CHANGED.append(fn)
    return fn


def instruments_changed(conn, ids) -> None:
    if ids:
        for fn in _CHANGED:
            fn(conn, list(ids))
