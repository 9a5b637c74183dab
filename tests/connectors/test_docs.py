"""docs/connectors.md names every family, option and hbkx service key the connectors offer."""

from __future__ import annotations

import pytest
from tests.connectors.conformance import PROJECT_ROOT

from connectors import connector_class
from connectors.hbkx_json import SERVICE_KEYS

DOC = (PROJECT_ROOT / "docs" / "connectors.md").read_text(encoding="utf-8")
FAMILIES = ["sdyq-xml", "hbkx-json", "yqlm-html", "tabular"]


@pytest.mark.parametrize("family", FAMILIES)
def test_family_and_its_options_are_documented(family):
    assert f"## `{family}`" in DOC
    section = DOC.split(f"## `{family}`")[1].split("\n## ")[0]
    for option in connector_class(family).options_schema().fields:
        assert f"| `{option}` |" in section, f"option {option} of {family} is not documented"


@pytest.mark.parametrize("key", list(SERVICE_KEYS))
def test_hbkx_service_keys_are_documented(key):
    assert f"| `{key}` |" in DOC


def test_adding_a_family_is_documented():
    section = DOC.split("## Adding a family")[1].split("\n## ")[0]
    for place in ("connectors/base.py", "instrument_hub.families", "instrument_hub.simulators", "pyproject.toml", "ConnectorConformance"):
        assert place in section
