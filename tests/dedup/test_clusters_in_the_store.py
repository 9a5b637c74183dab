"""Clusters through the real path: the simulator serves Hubei and Hunan (which lists some of Hubei's
central units' instruments again), real harvests fill a real store, the API shows the clusters, an
operator splits one, and the split holds through a re-harvest and a resolution from scratch."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hub.auth.tokens import create_token
from hub.dedup.store import CLUSTERS, DIRTY, RESOLVED_BEFORE_WRITING, _mark_dirty, national_totals, resolve_all, resolve_pending
from hub.harvest.pipeline import Harvester
from hub.simulate import SimulatorServer
from hub.simulate.crosslist import same_instrument
from hub.store.networks import sync_networks
from hub.web import create_app
from tests.conftest import fail_fast_settings

SCALE = 0.2
CODES = ("420000", "430000")


@pytest.fixture(scope="module")
def sim():
    with SimulatorServer(networks=list(CODES), scale=SCALE, port=0) as server:
        server.set_fault("420000", "rate_limit", per_second=None)
        yield server


@pytest.fixture
def harvested(store, registry, sim):
    sync_networks(store, registry)
    harvester = Harvester(store, fail_fast_settings(max_retries=2))
    for code in CODES:
        [run] = harvester.harvest(registry.get(code))
        assert run.state == "succeeded", run
    return harvester


def clusters(store) -> dict[str, list[str]]:
    out = {}
    with store.read() as conn:
        for iid, cid in conn.execute(select(CLUSTERS.c.instrument_id, CLUSTERS.c.cluster_id)):
            out.setdefault(cid, []).append(iid)
    return {c: sorted(m) for c, m in out.items() if len(m) > 1}


def test_harvests_resolve_and_users_see_it(store, harvested):
    truth = same_instrument(CODES, 1, SCALE)
    found = clusters(store)
    assert len(truth) >= 10 and len(found) >= 0.9 * len(truth), (len(found), len(truth))
    with store.read() as conn:
        assert conn.execute(select(DIRTY)).first() is None  # the harvest resolved what it changed
        totals = national_totals(conn)
    assert totals["instruments_raw"] - totals["instruments"] == totals["duplicates"] == sum(len(m) - 1 for m in found.values())
    assert totals["original_value"] < totals["original_value_raw"]
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    stats = client.get("/api/v1/stats").get_json()
    assert stats["national"]["instruments"] == totals["instruments"]
    assert stats["national"]["instruments_raw"] == stats["instruments"]  # per-network figures unchanged
    a, b = next(iter(found.values()))[:2]
    detail = client.get(f"/api/v1/instruments/{a}").get_json()
    assert detail["cluster_id"] == min(a, b) and b in [o["id"] for o in detail["also_listed_in"]]
    assert client.get(f"/api/v1/instruments/{b}").get_json()["also_listed_in"][0]["href"].startswith("/api/v1/instruments/")
    html = client.get(f"/instruments/{a}").get_data(as_text=True)
    assert 'id="also-listed"' in html and f"/instruments/{b}" in html
    page = client.get("/stats").get_data(as_text=True)
    assert f"{totals['instruments']:,}" in page and f"{totals['instruments_raw']:,}" in page


def test_an_operators_split_survives_reharvests(store, harvested, registry, sim):
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    _, secret = create_token(store, "admin")
    auth = {"Authorization": f"Bearer {secret}"}
    a, b = next(iter(clusters(store).values()))[:2]
    body = {"decision": "split", "a": a, "b": b}
    assert client.post("/api/v1/clusters/decisions", json=body).status_code == 401  # admin only
    r = client.post("/api/v1/clusters/decisions", json=body, headers=auth)
    assert r.status_code == 201 and r.get_json()["cluster_a"] != r.get_json()["cluster_b"]
    audit = client.get("/api/v1/audit?action=cluster.split", headers=auth).get_json()["entries"]
    assert audit and audit[0]["detail"]["a"] == a
    sim.mutate("420000", update=20)
    sim.mutate("430000", update=20)
    for code in CODES:
        [run] = harvested.harvest(registry.get(code), full=True)
        assert run.state == "succeeded"
    with store.write() as conn:  # as if both records had changed in that harvest
        conn.execute(DIRTY.insert(), [{"instrument_id": a}, {"instrument_id": b}])
    with store.read() as conn:
        total = conn.execute(select(func.count()).select_from(CLUSTERS)).scalar()
    redone = resolve_pending(store)
    assert 2 <= redone < total / 10, (redone, total)  # only the blocks of the changed records
    assert not any(a in m and b in m for m in clusters(store).values())
    resolve_all(store)
    assert not any(a in m and b in m for m in clusters(store).values())
    # and a confirmation joins them again
    r = client.post("/api/v1/clusters/decisions", json=dict(body, decision="confirm"), headers=auth)
    assert r.status_code == 201 and r.get_json()["cluster_a"] == r.get_json()["cluster_b"]


def test_workers_resolving_at_once_wait_for_each_other(store, harvested):
    # Two harvest workers finish together and both resolve what they changed. On PostgreSQL they
    # replaced overlapping cluster rows side by side and one failed on the primary key (CI, two
    # workers); now the second waits for the first, and the clusters are those of one resolution.
    expected = clusters(store)
    with store.read() as conn:
        ids = [i for (i,) in conn.execute(select(CLUSTERS.c.instrument_id))]
    failures = []

    def resolve():
        try:
            resolve_pending(store)
        except Exception as exc:  # noqa: BLE001 - the test reports whichever failure a thread met
            failures.append(exc)

    for _ in range(3):
        with store.write() as conn:
            _mark_dirty(conn, ids, None)
        threads = [threading.Thread(target=resolve) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert clusters(store) == expected
    with store.read() as conn:
        assert conn.execute(select(DIRTY)).first() is None


def test_a_record_changed_while_its_blocks_were_resolved_is_resolved_as_changed(store, harvested, monkeypatch):
    if store.dialect not in RESOLVED_BEFORE_WRITING:
        pytest.skip("resolved in its write transaction: nothing is read before it")
    # The resolution is read and computed before the write lock. A marked record that changes in
    # between keeps a mark that looks the same; the write must see the change and resolve again.
    from hub.dedup import store as dedup_store
    from hub.store.models import Instrument

    a, b = next(iter(clusters(store).values()))[:2]
    with store.write() as conn:
        _mark_dirty(conn, [a, b], None)
    computed = []
    original = dedup_store._resolution

    def resolution_then_a_change(conn, settings, network=None):
        out = original(conn, settings, network)
        computed.append(out)
        if len(computed) == 1:
            with store.write() as other:  # another writer, between the read and the write
                other.execute(
                    Instrument.__table__.update().where(Instrument.__table__.c.id == a).values(model="QX-990077", commissioned="1961")
                )
                _mark_dirty(other, [a], None)
        return out

    monkeypatch.setattr(dedup_store, "_resolution", resolution_then_a_change)
    resolve_pending(store)
    assert len(computed) == 2, "the change between the read and the write went unnoticed"
    after = clusters(store)
    assert not any(a in m and b in m for m in after.values()), "resolved from the record as it was"
    with store.read() as conn:
        assert conn.execute(select(DIRTY)).first() is None
    monkeypatch.setattr(dedup_store, "_resolution", original)
    resolve_all(store)
    assert clusters(store) == after


def test_a_resolution_nothing_changed_under_is_computed_once(store, harvested, monkeypatch):
    if store.dialect not in RESOLVED_BEFORE_WRITING:
        pytest.skip("resolved in its write transaction: nothing is read before it")
    from hub.dedup import store as dedup_store

    a, b = next(iter(clusters(store).values()))[:2]
    expected = clusters(store)
    with store.write() as conn:
        _mark_dirty(conn, [a, b], None)
    computed = []
    original = dedup_store._resolution
    monkeypatch.setattr(dedup_store, "_resolution", lambda *args: computed.append(1) or original(*args))
    assert resolve_pending(store) >= 2
    assert len(computed) == 1  # before the write lock, and taken as it was
    assert clusters(store) == expected


def test_another_networks_resolution_between_the_read_and_the_write_is_seen(store, harvested, monkeypatch):
    if store.dialect not in RESOLVED_BEFORE_WRITING:
        pytest.skip("resolved in its write transaction: nothing is read before it")
    # Each harvest resolves its own network's marks; two harvests ending together may resolve
    # overlapping blocks. The later write must not replace what the other wrote from an older read.
    from hub.dedup import store as dedup_store
    from hub.store.models import Instrument

    a, b = next(m for m in clusters(store).values() if m[0].startswith("420000:") and m[1].startswith("430000:"))[:2]
    with store.write() as conn:
        _mark_dirty(conn, [a], None)
    computed = []
    original = dedup_store._resolution

    def resolution_then_the_other_network(conn, settings, network=None):
        out = original(conn, settings, network)
        computed.append(network)
        if computed == ["420000"]:
            with store.write() as other:  # the other harvest changes b and resolves its network
                other.execute(
                    Instrument.__table__.update().where(Instrument.__table__.c.id == b).values(model="QX-990077", commissioned="1961")
                )
                _mark_dirty(other, [b], None)
            resolve_pending(store, network="430000")
        return out

    monkeypatch.setattr(dedup_store, "_resolution", resolution_then_the_other_network)
    resolve_pending(store, network="420000")
    assert computed == ["420000", "430000", "420000"], computed  # the first read was not taken
    after = clusters(store)
    assert not any(a in m and b in m for m in after.values())
    monkeypatch.setattr(dedup_store, "_resolution", original)
    resolve_all(store)
    assert clusters(store) == after
