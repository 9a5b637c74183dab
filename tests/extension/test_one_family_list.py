"""One list of families, read everywhere: the network registry, the mapping loader and the
simulator's network table accept a family exactly when it is registered (here: only once the
example package is installed)."""

from __future__ import annotations

import csv

import pytest

from hub.config import Registry
from hub.errors import ConfigError
from hub.mapping import Mapping
from hub.simulate.network_table import TABLE, network_table

REGISTRY = """\
networks:
  - code: "460000"
    name: 海南 (example)
    province: 海南省
    family: example-ndjson
    base_url: http://127.0.0.1:9/hainan
    mapping: {mapping}
"""
MAPPING = 'network: "460000"\nfamily: example-ndjson\nsource_id: id\nfields:\n  name: title\n  owner.name: owner\n'


def _files(tmp_path):
    mapping = tmp_path / "460000.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    registry = tmp_path / "networks.yaml"
    registry.write_text(REGISTRY.format(mapping=mapping), encoding="utf-8")
    with open(TABLE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["family"] = "example-ndjson"
    table = tmp_path / "networks.csv"
    with open(table, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return registry, mapping, table


def _readers(registry, mapping, table):
    return {
        "registry": lambda: Registry.load(registry),
        "mapping": lambda: Mapping.load(mapping),
        "simulator table": lambda: network_table.__wrapped__(table),
    }


@pytest.mark.parametrize("reader", ["registry", "mapping", "simulator table"])
def test_an_unregistered_family_is_refused_naming_the_known_ones(tmp_path, reader):
    read = _readers(*_files(tmp_path))[reader]
    with pytest.raises(ConfigError, match=r"example-ndjson.*|.*'sdyq-xml'") as caught:
        read()
    assert "sdyq-xml" in str(caught.value) and "example-ndjson" in str(caught.value)


@pytest.mark.parametrize("reader", ["registry", "mapping", "simulator table"])
def test_a_registered_family_is_accepted(tmp_path, example_installed, reader):
    read = _readers(*_files(tmp_path))[reader]
    assert read()
