"""The syntax of network codes: provinces by GB/T 2260, everyone else by a kind letter.

A provincial network is known by its province's 6-digit GB/T 2260 code (`370000`). A network that
is not a province's — a ministry's, an academy's, a city's or a foreign partner's register — gets a
code of the same length that can never be mistaken for a region code: a kind letter and five
capital letters or digits (docs/networks.md):

    M  ministry (部委)             MEDU01
    A  academy / institute system  ACAS01
    C  city (城市)                 CSZ001
    F  foreign partner (境外)      FGBYK1   (by convention the partner's ISO 3166 country next)

Six characters keep every `network` column as it is. A non-provincial network joins no provincial
ranking unless an evaluation framework names it (`hub.evaluation`, `include_networks:`).
"""

from __future__ import annotations

import re

PROVINCIAL = re.compile(r"^\d{6}$")
NON_PROVINCIAL = re.compile(r"^[MACF][A-Z0-9]{5}$")
NETWORK_CODE = re.compile(r"^(\d{6}|[MACF][A-Z0-9]{5})$")
#: The pattern as text, for schemas and API parameters.
NETWORK_CODE_PATTERN = NETWORK_CODE.pattern
KINDS = {"M": "ministry", "A": "academy", "C": "city", "F": "foreign partner"}
EXPECTED = (
    "expected a 6-digit GB/T 2260 province code, or a non-provincial code: a kind letter "
    "(M ministry, A academy, C city, F foreign partner) and 5 capital letters or digits"
)


def network_code_problem(code: str) -> str | None:
    """None when `code` is a valid network code, else what was expected."""
    return None if isinstance(code, str) and NETWORK_CODE.match(code) else EXPECTED


def is_provincial(code: str) -> bool:
    return bool(PROVINCIAL.match(code or ""))


def kind_of(code: str) -> str:
    """`province`, or the kind a non-provincial code's letter names."""
    return "province" if is_provincial(code) else KINDS.get((code or " ")[0], "unknown")
