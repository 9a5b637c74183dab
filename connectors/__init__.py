"""Registry of connector families. Built-ins register exactly as an extension would.

    @register("sdyq-xml")
    class SdyqXmlConnector(Connector): ...

`connector_class(family)` finds one; `families()` lists them. The modules are named by entry points in
the group `instrument_hub.families` (the built-ins in this project's pyproject.toml, an extension in
its own); they are imported on first use, so importing `connectors` stays cheap. `docs/extending.md`
says how an outside package adds a family.
"""

from __future__ import annotations

from connectors.base import Connector, RawRecord, ServiceRow

__all__ = ["Connector", "RawRecord", "ServiceRow", "register", "connector_class", "families", "all_families", "WITHOUT_PULL"]

#: Families whose provinces push to the feed endpoint instead of being pulled: they have no connector.
WITHOUT_PULL = frozenset({"push"})

_REGISTRY: dict[str, type[Connector]] = {}


def register(family: str):
    def decorate(cls):
        cls.family = family
        _REGISTRY[family] = cls
        return cls

    return decorate


def _load_builtins():
    # Imported here: the plugin loader needs nothing from connectors, and importing it at the top
    # would make `connectors.base` users pay for the entry point scan.
    from hub import plugins

    plugins.load("families")
    # The entry point's name is the family's name: one that registered something else is a mistake
    # that would otherwise surface as "no connector family" at harvest time. (Not checked from inside
    # a family module still being imported.)
    missing = sorted(set(plugins.names("families")) - set(_REGISTRY))
    if missing and plugins.loaded("families"):
        raise LookupError(f"entry points in group instrument_hub.families registered no connector for {missing}")


def families() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def all_families() -> list[str]:
    """Every family a registry entry or a mapping file may name: the pulled ones and `push`. The one
    list of families; the config, the mapping loader and the simulator all read it."""
    return sorted(set(families()) | WITHOUT_PULL)


def connector_class(family: str) -> type[Connector]:
    _load_builtins()
    try:
        return _REGISTRY[family]
    except KeyError:
        raise LookupError(f"no connector family {family!r}; known: {', '.join(sorted(_REGISTRY))}") from None
