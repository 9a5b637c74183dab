"""The operators' cluster pages under /admin: signed in like the rest of the dashboard, CSRF-checked,
a reason required, and the same service (hub.dedup.review) as the API; both backends."""

from __future__ import annotations

import re
from itertools import combinations

import pytest
from sqlalchemy import select

from hub.auth.audit import AUDIT
from hub.auth.tokens import create_token
from hub.config import Registry
from hub.dedup import store as dedup
from hub.dedup.store import resolve_pending
from hub.web import create_app
from tests.dedup.test_one_per_cluster import OTHER, OWNER
from tests.factories import make_instruments


@pytest.fixture
def three(store):
    """One instrument in three networks, and another."""
    ids = make_instruments(store, [dict(network=n, owner=OWNER) for n in ("370000", "420000", "130000")])
    make_instruments(store, [dict(network="110000", **OTHER)])
    resolve_pending(store)
    with store.read() as conn:
        assert len({dedup.cluster_id(conn, i) for i in ids}) == 1
    return ids


@pytest.fixture
def browser(store):
    client = create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False}).test_client()
    token = create_token(store, "admin")[1]
    assert client.get("/admin/clusters").status_code == 401  # the sign-in form, as for every /admin page
    assert client.post("/admin/login", data={"token": token}).status_code == 303
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{32})"', page).group(1)


def _cluster_of(store, iid):
    with store.read() as conn:
        return dedup.cluster_id(conn, iid)


def test_an_operator_lists_reviews_and_detaches_a_record(store, browser, three):
    a, b, c = three
    cid = min(three)
    listing = browser.get("/admin/clusters?lang=en").get_data(as_text=True)
    assert f'data-cluster="{cid}"' in listing and "Most uncertain first" in listing
    assert f'data-cluster="{cid}"' in browser.get("/admin/clusters?order=uncertain").get_data(as_text=True)
    page = browser.get(f"/admin/clusters/{cid}?lang=en").get_data(as_text=True)
    assert all(f'data-record="{i}"' in page for i in three) and "Representative" in page
    # One language per page: the networks by their English names, in the list and side by side.
    for text in (listing, page):
        assert "Shandong instrument-sharing network" in text and "Hubei instrument-sharing network" in text
        assert "山东省大型科学仪器" not in text
    form = {"cluster_id": cid, "action": "detach", "record": c, "reason": "different serial numbers"}
    assert browser.post("/admin/clusters/decision", data=form).status_code == 403  # no csrf field
    assert browser.post("/admin/clusters/decision", data=dict(form, csrf=_csrf(page), reason=" ")).status_code == 303
    assert _cluster_of(store, c) == cid  # no reason: nothing decided
    r = browser.post("/admin/clusters/decision", data=dict(form, csrf=_csrf(page)))
    assert r.status_code == 303
    assert _cluster_of(store, c) == c and _cluster_of(store, a) == _cluster_of(store, b) != c
    with store.read() as conn:
        entries = conn.execute(select(AUDIT.c.action, AUDIT.c.detail).where(AUDIT.c.action == "cluster.split")).all()
    assert len(entries) == 2 and all(e.detail["reason"] == "different serial numbers" and e.detail["cluster"] == cid for e in entries)


def test_split_and_confirm_a_whole_cluster(store, browser, three):
    cid = min(three)
    page = browser.get(f"/admin/clusters/{cid}").get_data(as_text=True)
    r = browser.post("/admin/clusters/decision", data={"cluster_id": cid, "action": "split", "reason": "x", "csrf": _csrf(page)})
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/clusters?done=split")
    assert len({_cluster_of(store, i) for i in three}) == 3
    assert browser.get(f"/admin/clusters/{cid}").status_code == 404  # gone, and the page says so
    # the API's pair decisions run the same service: confirming every split pair brings them back together
    token = create_token(store, "admin")[1]
    api = create_app({"STORE": store, "TESTING": True}).test_client()
    for a, b in combinations(three, 2):
        body = {"decision": "confirm", "a": a, "b": b, "reason": "same serial"}
        assert api.post("/api/v1/clusters/decisions", json=body, headers={"Authorization": f"Bearer {token}"}).status_code == 201
    assert len({_cluster_of(store, i) for i in three}) == 1


def test_the_api_decides_about_a_whole_cluster_too(store, three):
    token = create_token(store, "admin")[1]
    api = create_app({"STORE": store, "TESTING": True}).test_client()
    auth = {"Authorization": f"Bearer {token}"}
    cid = min(three)
    body = {"cluster_id": cid, "action": "detach", "record": three[0], "reason": "two units"}
    assert api.post("/api/v1/clusters/cluster-decisions", json=body).status_code == 401
    r = api.post("/api/v1/clusters/cluster-decisions", json=body, headers=auth)
    assert r.status_code == 201 and {x["id"] for x in r.get_json()["records"]} == set(three[1:])
    assert api.post("/api/v1/clusters/cluster-decisions", json=dict(body, cluster_id="nope:1"), headers=auth).status_code == 404
    assert api.post("/api/v1/clusters/cluster-decisions", json=dict(body, reason=""), headers=auth).status_code == 400
