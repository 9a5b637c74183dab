"""Store hooks: code that must run in the same transaction whenever instruments change.

The search index registers here, so harvests, pushes and remaps keep it current without knowing it
exists. A hook is `fn(conn, instrument_ids: list[str]) -> None`; it sees the rows as written.
Modules in `_PROVIDERS` register their hooks when imported; they are imported on first use.
"""

from __future__ import annotations

import importlib

_PROVIDERS = ("hub.search",)
_CHANGED = []
_loaded = False


def on_instruments_changed(fn):
    """Register `fn(conn, ids)`; called after instruments are created, updated or withdrawn."""
    _CHANGED.append(fn)
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


def instruments_changed(conn, ids) -> None:
    _load_providers()
    if ids:
        for fn in _CHANGED:
            fn(conn, list(ids))
