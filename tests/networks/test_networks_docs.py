"""docs/networks.md lists every registry entry as the registry configures it."""

from __future__ import annotations

import re

import pytest

from hub import PROJECT_ROOT
from hub.config import Registry

DOC = (PROJECT_ROOT / "docs" / "networks.md").read_text(encoding="utf-8")
REGISTRY = Registry.load()
#: code → the cells of its row in the table of all networks
ROWS = {
    cells[0]: cells
    for cells in (
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in DOC.splitlines()
        if re.match(r"^\| (\d{6}|[MACF][A-Z0-9]{5}) \|", line)
    )
}


def _option(key, value):
    return f"`{key}: {str(value).lower() if isinstance(value, bool) else value}`"


def test_the_table_has_one_row_per_registered_network():
    assert set(ROWS) == {n.code for n in REGISTRY}


@pytest.mark.parametrize("network", list(REGISTRY), ids=lambda n: n.code)
def test_each_row_says_what_the_registry_says(network):
    code, province, name, family, _size, _unit, _variant, mapping, options, schedule = ROWS[network.code]
    assert (province, name, family, mapping) == (network.province, network.name, f"`{network.family}`", f"`{network.mapping}`")
    shown = [o.strip() for o in options.split(",")] if options != "–" else []
    assert shown == [_option(k, v) for k, v in network.options.items()]
    s = network.schedule
    if s.get("interval_minutes"):
        assert f"every {s['interval_minutes']} min" in schedule
    if s.get("cron"):
        assert f"`{s['cron']}`" in schedule
    assert f"{s['full_every_days']} d" in schedule


def test_every_option_set_in_the_registry_is_explained_on_the_page():
    used = {k for n in REGISTRY for k in n.options}
    assert used and all(f"`{k}" in DOC.split("## How the roster")[1] for k in used)
