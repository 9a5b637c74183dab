"""A network's page: the number on its "search all" link is the number that search shows.

The page listed the network's instruments with retired ones included while the search its link opens
leaves them out: Tianjin's page said "search all 437" and the click showed 425 (440 listed)."""

from __future__ import annotations

import re

import pytest

from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from hub.config import Registry
from hub.web import create_app
from tests.factories import make_instruments


@pytest.fixture
def client(sqlite_store):
    upgrade(sqlite_store)
    sync_networks(sqlite_store, Registry.load())
    make_instruments(sqlite_store, [dict(network="370000", status="retired" if n < 3 else "normal") for n in range(12)])
    make_instruments(sqlite_store, 4, network="420000")
    return create_app({"STORE": sqlite_store, "TESTING": True}).test_client()


def _number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_search_all_link_names_what_the_search_shows_and_why_fewer_than_listed(client, lang):
    page = client.get(f"/networks/370000?lang={lang}").get_data(as_text=True)
    listed = _number(re.search(r'id="network-count">([\d,]+)<', page).group(1))
    link = re.search(r'<a class="more" href="(/\?network=370000)">[^<]*?([\d,]+)[^<]*</a>', page)
    search = client.get(link.group(1)).get_data(as_text=True)
    shown = int(re.search(r'data-total="(\d+)"', search).group(1))
    assert (listed, _number(link.group(2)), shown) == (12, 9, 9)
    assert "network-left-out" in page and "12" in re.search(r'id="network-left-out">([^<]+)<', page).group(1)
    assert ("已报废" if lang == "zh" else "retired") in page


def test_a_pushed_batch_of_service_statistics_is_not_shown_as_a_catalogue_push(client, sqlite_store):
    """A province's page listed its pushed service statistics as 推送, fetched 8,347, updated 8,347:
    the same words as a catalogue update (found reading the pages as a province)."""
    from hub.harvest.jobs import finish_job, start_job

    for kind, year in (("push", None), ("push", 2012)):
        finish_job(sqlite_store, start_job(sqlite_store, "420000", kind, year=year), "succeeded")
    page = client.get("/networks/420000?lang=zh").get_data(as_text=True)
    kinds = re.findall(r"<td>#\d+</td><td>([^<]+)</td>", page)
    assert kinds == ["推送的服务统计 2012", "推送"]
