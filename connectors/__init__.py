"""Registry of connector families. Built-ins register exactly as an extension would.

    @register("sdyq-xml")
    class SdyqXmlConnector(Connector): ...

`connector_class(family)` finds one; `families()` lists them. Modules named in `_BUILTINS` are imported
on first use, so importing `connectors` stays cheap.
"""

from __future__ import annotations

import importlib

from connectors.base import Connector, RawRecord, ServiceRow

__all__ = ["Connector", "RawRecord", "ServiceRow", "register", "connector_class", "families"]

_REGISTRY: dict[str, type[Connector]] = {}
_BUILTINS = ("connectors.sdyq_xml", "connectors.hbkx_json", "connectors.yqlm_html", "connectors.oai_pmh", "connectors.tabular")
_loaded = False


def register(family: str):
    def decorate(cls):
        cls.family = family
        _REGISTRY[family] = cls
        return cls

    return decorate


def _load_builtins():
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTINS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # A family not written yet is simply absent; any other missing import is a real error.
            if exc.name != module:
                raise


def families() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def connector_class(family: str) -> type[Connector]:
    _load_builtins()
    try:
        return _REGISTRY[family]
    except KeyError:
        raise LookupError(f"no connector family {family!r}; known: {', '.join(sorted(_REGISTRY))}") from None
