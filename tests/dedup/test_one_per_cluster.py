"""One result per instrument: the search API and page show each cluster's representative unless
asked for every source record, their facets and totals follow, the cards say where else the
instrument is listed, the national statistics are cached on the search versions that every cluster
change bumps, and a record's OAI-PMH datestamp moves when its cluster changes. Both backends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree
from sqlalchemy import update

from hub.dedup import store as dedup
from hub.dedup.store import CLUSTERS, resolve_pending
from hub.web import create_app
from tests.factories import make_instruments

#: a valid credit code registered in Wuhan (4201..): Hubei's network is the owner's home network
HUBEI_CREDIT = "12420100466006770A"
OWNER = {"name": "华中科技大学", "credit_code": HUBEI_CREDIT, "type": "university", "level": "central"}
OTHER = dict(name="电子天平", model="XS205", category="030100", original_value=30000, commissioned="2015", manufacturer="Mettler")
REPO = "hub.nrii.example.cn"
OAI = {"o": "http://www.openarchives.org/OAI/2.0/"}


@pytest.fixture
def listed(store):
    """The same instrument listed by Shandong's and Hubei's networks (equally complete), and another."""
    a, b = make_instruments(store, [dict(network="370000", owner=OWNER), dict(network="420000", owner=OWNER)])
    [c] = make_instruments(store, [dict(network="130000", **OTHER)])
    resolve_pending(store)
    with store.read() as conn:
        assert dedup.cluster_id(conn, a) == dedup.cluster_id(conn, b) == min(a, b)
    return a, b, c


@pytest.fixture
def client(store):
    return create_app({"STORE": store, "TESTING": True}).test_client()


def _ids(client, **args):
    body = client.get("/api/v1/instruments", query_string=args).get_json()
    return body, {item["id"] for item in body["items"]}


def _network_facet(body) -> dict:
    return {f["value"]: f["count"] for f in body["facets"]["network"]}


def test_search_shows_one_record_per_instrument_unless_asked(store, client, listed):
    a, b, c = listed
    body, ids = _ids(client)
    # the home network's record represents the cluster, though Shandong's has the smaller id
    assert ids == {b, c} and body["total"] == 2 and body["all_sources"] is False
    assert _network_facet(body) == {"420000": 1, "130000": 1}
    hit = next(i for i in body["items"] if i["id"] == b)
    assert hit["also_listed_networks"] == 1 and hit["cluster_id"] == min(a, b)
    body, ids = _ids(client, all_sources="true")
    assert ids == {a, b, c} and body["total"] == 3 and body["all_sources"] is True
    assert _network_facet(body) == {"370000": 1, "420000": 1, "130000": 1}
    _, ids = _ids(client, q="液相色谱")
    assert ids == {b}


def test_the_page_says_which_mode_it_shows_and_where_else_a_record_is_listed(client, listed):
    a, b, c = listed
    page = client.get("/?lang=en").get_data(as_text=True)
    assert f"/instruments/{b}" in page and f"/instruments/{a}" not in page
    assert "also listed in 1 other network" in page
    assert "One result per instrument" in page and "all_sources=true" in page
    page = client.get("/?lang=en&all_sources=true").get_data(as_text=True)
    assert f"/instruments/{a}" in page and "Every network" in page
    assert "还被另外 1 个网络收录" in client.get("/?lang=zh").get_data(as_text=True)


def test_an_operators_split_shows_both_again_at_once(store, client, listed):
    a, b, c = listed
    assert _ids(client)[0]["total"] == 2  # cached now
    dedup.decide(store, "split", a, b, actor="test")
    body, ids = _ids(client)
    assert ids == {a, b, c} and body["total"] == 3  # the cluster change bumped the versions the cache keys on
    dedup.decide(store, "confirm", a, b, actor="test")
    assert _ids(client)[1] == {b, c}


def test_national_statistics_are_cached_until_a_cluster_changes(store, client, listed, monkeypatch):
    from hub.web.api import networks

    calls = []
    real = networks.national_totals
    monkeypatch.setattr(networks, "national_totals", lambda conn: calls.append(1) or real(conn))
    first = client.get("/api/v1/stats").get_json()["national"]
    assert (first["instruments"], first["instruments_raw"], first["duplicates"]) == (2, 3, 1)
    assert client.get("/api/v1/stats").get_json()["national"] == first and len(calls) == 1
    a, b, _ = listed
    dedup.decide(store, "split", a, b, actor="test")
    after = client.get("/api/v1/stats").get_json()["national"]
    assert (after["instruments"], after["duplicates"]) == (3, 0) and len(calls) == 2
    assert "3" in client.get("/stats").get_data(as_text=True)


def _harvested_since(client, since: datetime) -> set[str]:
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = etree.fromstring(client.get(f"/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&from={stamp}").data)
    if xml.find("o:error", OAI) is not None:
        assert xml.find("o:error", OAI).get("code") == "noRecordsMatch"
        return set()
    return {h.findtext("o:identifier", namespaces=OAI).removeprefix(f"oai:{REPO}:") for h in xml.iterfind(".//o:header", OAI)}


def test_a_records_oai_datestamp_moves_when_its_cluster_changes(store, client, listed):
    a, b, c = listed
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    # stored in January (the factories' time); clustered just now: an incremental harvest sees both
    assert _harvested_since(client, since) == {a, b}
    with store.write() as conn:  # as if the cluster had formed long ago
        conn.execute(update(CLUSTERS).values(clustered_at=datetime(2026, 2, 1, tzinfo=timezone.utc)))
    assert _harvested_since(client, since) == set()
    dedup.decide(store, "split", a, b, actor="test")  # both leave their cluster
    assert _harvested_since(client, since) == {a, b}
    with store.write() as conn:
        conn.execute(update(CLUSTERS).values(clustered_at=datetime(2026, 2, 1, tzinfo=timezone.utc)))
    dedup.decide(store, "split", a, c, actor="test")  # changes nobody's cluster: no datestamp moves
    assert _harvested_since(client, since) == set()
