"""A total over no known values reads "unknown" (未知) on every page, never a blank or 0
(docs/networks.md): /networks said 未知 where /stats left the cell empty for the same network."""

from __future__ import annotations

import re

import pytest

from hub.store.db import Store
from hub.store.migrate import upgrade
from tests.factories import instrument_defaults, make_instruments


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from hub.web import create_app

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('unknown')}/hub.sqlite")
    upgrade(store)
    # One network whose register states values, one whose register states none (as FGBUK1's).
    make_instruments(store, [{**instrument_defaults(n, "370000"), "original_value": 500_000} for n in range(3)])
    make_instruments(store, [{**instrument_defaults(n, "420000"), "original_value": None} for n in range(3, 5)])
    yield create_app({"STORE": store, "TESTING": True}).test_client()
    store.dispose()


@pytest.mark.parametrize("lang, unknown", [("zh", "未知"), ("en", "unknown")])
def test_a_network_without_values_reads_unknown_on_the_statistics_page(client, lang, unknown):
    body = client.get(f"/stats?lang={lang}").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', body)
    by_network = [cells for label, cells in rows if "Hubei" in label or "湖北" in label]
    assert by_network, rows
    assert re.findall(r'<td class="num">([^<]*)</td>', by_network[0])[-1] == unknown
    listing = client.get(f"/networks?lang={lang}").get_data(as_text=True)
    assert unknown in listing
