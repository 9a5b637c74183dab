"""One server per interface family, looked up by the family name of a network's table row.

A family class is constructed with the network's `NetworkState` and answers
``handle(request, path, ctx) -> werkzeug Response`` for paths below ``/{code}``; ``error(status,
headers)`` renders an error the way that family's real servers do. `ctx` carries the per-request
faults the family itself must act on (``empty``: listings return nothing; ``truncate``: share of a
streamed body after which it is cut, ``boundary`` at a record boundary; ``keep``: share of a JSON
page's rows kept; ``drop_token``: an OAI page without its resumption token). A family whose bodies
are built whole names its record boundary in ``record_end`` (bytes), where the server cuts them.
"""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES: dict[str, type] = {}


def register(name):
    def wrap(cls):
        cls.family = name
        FAMILIES[name] = cls
        return cls

    return wrap


@dataclass
class Ctx:
    empty: bool = False
    truncate: float | None = None
    #: the `truncate` fault cuts at a record boundary (the family's `record_end` marker)
    boundary: bool = False
    #: share of a page's rows kept (`short_page`; hbkx-json)
    keep: float | None = None
    #: the page loses its resumption token (`drop_token`; oai-pmh)
    drop_token: bool = False
    #: set by a family that cut a streamed body itself
    truncated: bool = False


_SPECIAL = frozenset('&<>"')


def escape(text) -> str:
    text = str(text)
    if _SPECIAL.isdisjoint(text):  # most values need nothing; checking is cheaper than four replaces
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def wire_number(rec, unit: str) -> str:
    """The record's original value as written in a numeric field of `unit` (yuan | wanyuan): 万元 with
    two decimals, yuan whole; "" when the record gives none (a slipped value keeps its slip)."""
    number = rec.written_value(unit)
    if number is None:
        return ""
    return f"{number:.2f}" if isinstance(number, float) else str(number)


def load_all():
    """Import every family server declared in the group `instrument_hub.simulators` (the built-ins
    in pyproject.toml, like an extension's)."""
    from hub import plugins

    plugins.load("simulators")
