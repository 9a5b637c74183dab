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


@pytest.mark.parametrize("lang, unknown", [("zh", "未知"), ("en", "unknown")])
def test_a_group_whose_instruments_state_no_value_reads_unknown_not_zero(client, lang, unknown):
    """The instruments of unknown value, and those of unknown status that stated none, were worth
    "0.00 元" on /stats, and a register without values "0.00" in /api/v1/stats (found reading the
    pages and probing the API)."""
    body = client.get(f"/stats?lang={lang}").get_data(as_text=True)
    bands = body[body.index('id="chart-value_band"') :]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', bands)
    [cells] = [cells for label, cells in rows if label in ("未知", "Unknown", "unknown")][:1]
    assert re.findall(r'<td class="num">([^<]*)</td>', cells)[-1] == unknown
    stats = client.get("/api/v1/stats").json
    assert {g["value"]: g["total_value"] for g in stats["by_network"]}["420000"] is None
    assert stats["by_value_band"][-1]["value"] == "unknown" and stats["by_value_band"][-1]["total_value"] is None
    assert stats["total_value"] == "1500000.00"  # the values stated, the others unknown, not 0
