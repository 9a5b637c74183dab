"""Extension points: the one way code outside (and inside) this repository adds to the hub.

Every extension is a Python module named by an entry point in one of the groups below; importing the
module registers what it offers with the registry of that kind (`@register`, `@transform`,
`METRICS.register`, `@on_instruments_changed` …). The hub's own connectors, transforms, methods and
hooks are declared the same way in this project's `pyproject.toml`, so an outside package is never a
second-class citizen. `docs/extending.md` walks through writing one.

The entry point's *name* is meaningful only for families: it is the family name, so the list of
families can be read without importing a single connector (`names("families")`).
"""

from __future__ import annotations

import importlib
import sys
import threading
from importlib.metadata import EntryPoint, entry_points

from hub.errors import ConfigError

#: kind → (entry point group, what a module of that group registers).
GROUPS: dict[str, tuple[str, str]] = {
    "families": ("instrument_hub.families", "a connector class, `@connectors.register(<entry point name>)`"),
    "simulators": ("instrument_hub.simulators", "a simulated network server, `@hub.simulate.families.register(...)`"),
    "transforms": ("instrument_hub.transforms", "mapping transforms, `@hub.mapping.registry.transform(...)`"),
    "evaluation": (
        "instrument_hub.evaluation",
        "evaluation methods: `METRICS`, `NORMALISATIONS`, `AGGREGATIONS` … `.register(...)`",
    ),
    "store_hooks": ("instrument_hub.store_hooks", "store hooks, `@hub.store.hooks.on_instruments_changed`"),
}

_loaded: set[str] = set()  # kinds whose modules are all imported
_loading: set[str] = set()  # kinds being imported now, by the thread holding _lock
# Reentrant: a module being loaded may ask its own registry (same thread, returns at once), while
# another thread (parallel harvests) waits until the registry is complete rather than seeing it empty.
_lock = threading.RLock()


#: (kind, sys.path) → that group's entry points. A scan reads every installed distribution's
#: metadata (~10 ms), and the registries ask for the names on every lookup: loading the network
#: registry once asked 126 times, about a second of each harvest process. What is installed is a
#: function of sys.path until a package is installed into the running process: `load` (and so
#: `reload`) scans afresh.
_scans: dict[tuple, list[EntryPoint]] = {}


def _entry_points(kind: str, *, fresh: bool = False) -> list[EntryPoint]:
    key = (kind, tuple(sys.path))
    scan = None if fresh else _scans.get(key)
    if scan is None:
        # Sorted by name, so registration order (and any error) does not depend on install order.
        scan = _scans[key] = sorted(entry_points(group=GROUPS[kind][0]), key=lambda ep: (ep.name, ep.value))
    return scan


def names(kind: str) -> list[str]:
    """The names declared in `kind`'s group, without importing anything."""
    return sorted({ep.name for ep in _entry_points(kind)})


def load(kind: str) -> None:
    """Import every module declared for `kind`, once per process. A module that fails to import is
    a start-up error naming the entry point and its distribution, never a silently missing feature."""
    if kind in _loaded:
        return
    with _lock:
        if kind in _loaded or kind in _loading:
            return
        _loading.add(kind)
        try:
            for ep in _entry_points(kind, fresh=True):
                try:
                    importlib.import_module(ep.module)
                except ImportError as exc:
                    dist = ep.dist.name if ep.dist else "?"
                    raise ConfigError(f"entry point {GROUPS[kind][0]}:{ep.name}", ep.value, f"cannot import ({dist}): {exc}") from exc
            _loaded.add(kind)
        finally:
            _loading.discard(kind)


def loaded(kind: str) -> bool:
    """Whether every module of `kind` has been imported (False inside a module still loading)."""
    return kind in _loaded


def reload(kind: str) -> None:
    """Forget that `kind` was loaded (after a package was installed into the running process)."""
    with _lock:
        _loaded.discard(kind)
    load(kind)
