"""An outside package adds a connector family and a mapping transform, and the hub harvests through
them from a real local HTTP server.

The package (tests/extension_example/) is installed by the `example_installed` fixture
(tests/extension/conftest.py); the hub finds it only through `importlib.metadata` entry points.
"""

from __future__ import annotations

import json
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import select

import connectors
from hub import plugins
from hub.config import NetworkConfig, Registry
from hub.harvest.pipeline import Harvester
from hub.mapping import registry as transforms
from hub.store.models import Instrument, RecordErrorRow
from hub.store.networks import sync_networks
from tests.conftest import fail_fast_settings
from tests.local_http import serving

#: Three instruments in fen, one of them with a value no transform can read, and a deletion.
LINES = [
    {"id": "N1", "title": "场发射扫描电子显微镜", "owner": "海南大学", "value_fen": "123456789"},
    {"id": "N2", "title": "高效液相色谱仪", "owner": "海南大学", "value_fen": 50000000},
    {"id": "N3", "title": "核磁共振波谱仪", "owner": "海南大学", "value_fen": "12.5"},
    {"id": "N4", "deleted": True},
]


class _Export(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/hainan/instruments.ndjson":
            self.send_error(404)
            return
        body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in LINES).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def export_server():
    with serving(_Export) as url:
        yield url


MAPPING = """\
network: "460000"
family: example-ndjson
source_id: id
fields:
  name: title
  owner.name: owner
  original_value: {from: value_fen, transform: fen_to_yuan}
"""


def test_the_example_is_unknown_until_installed():
    """The test below proves something only if the hub does not ship the family itself."""
    assert "example-ndjson" not in connectors.all_families()
    assert "fen_to_yuan" not in transforms.names()


def test_an_installed_package_adds_a_family_and_a_transform(example_installed):
    assert "example-ndjson" in connectors.all_families()
    assert "example-ndjson" in plugins.names("families")
    assert "fen_to_yuan" in transforms.names()


def test_harvest_through_the_extension_family(example_installed, export_server, store, tmp_path):
    mapping = tmp_path / "460000.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    network = NetworkConfig(
        code="460000",
        name="海南省大型科学仪器共享平台 (example)",
        province="海南省",
        family="example-ndjson",
        mapping=str(mapping),
        base_url=f"{export_server}/hainan",
    )
    sync_networks(store, Registry([network]))

    [result] = Harvester(store, fail_fast_settings(max_retries=0)).harvest(network, full=True)

    assert result.state == "succeeded", result.message
    assert (result.counts.fetched, result.counts.created, result.counts.rejected) == (4, 2, 1)
    with store.read() as conn:
        values = dict(conn.execute(select(Instrument.id, Instrument.original_value).order_by(Instrument.id)).all())
        errors = conn.execute(select(RecordErrorRow.source_id, RecordErrorRow.message)).all()
    assert values == {"460000:N1": Decimal("1234567.89"), "460000:N2": Decimal("500000.00")}
    assert [(sid, "expected whole fen" in msg) for sid, msg in errors] == [("N3", True)]
