"""The facet counts and statistics served (cached by index version) equal a fresh GROUP BY over the active
instruments after every kind of write: harvests, pushes, withdrawals and remaps, on both backends."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.auth.tokens import create_token
from hub.feed import samples
from hub.feed.worker import run_pending
from hub.harvest.remap import remap
from hub.store.models import Instrument
from hub.web import create_app

I = Instrument.__table__


def fresh_counts(store, network=None) -> dict:
    """What a visitor should see: active instruments by network and by city, counted now."""
    with store.read() as conn:
        active = [I.c.withdrawn_at.is_(None)] + ([I.c.network == network] if network else [])
        total = conn.execute(select(func.count()).select_from(I).where(*active)).scalar_one()
        by_network = dict(conn.execute(select(I.c.network, func.count()).where(*active).group_by(I.c.network)).all())
        rows = conn.execute(select(I.c.city_code, I.c.county_code, func.count()).where(*active).group_by(I.c.city_code, I.c.county_code))
        by_city: dict = {}
        for city, county, n in rows:
            # a county its province governs itself (仙桃市 429004) is its own city (hub.search.index)
            key = county if city is None and county and county[2:4] == "90" else city
            by_city[key] = by_city.get(key, 0) + n
    if None in by_city:
        by_city["unknown"] = by_city.pop(None)  # the facet's own bucket for instruments without a city
    return {"total": total, "network": by_network, "city": by_city}


def served_counts(client, **filters) -> dict:
    body = client.get("/api/v1/instruments", query_string=filters).get_json()
    facets = body["facets"]
    return {
        "total": body["total"],
        "network": {f["value"]: f["count"] for f in facets["network"]},
        "city": {f["value"]: f["count"] for f in facets["city"]},
    }


def test_served_counts_equal_a_fresh_group_by_after_every_kind_of_write(harvester, registry, sim, store, settings):
    client = create_app({"STORE": store, "TESTING": True, "REGISTRY": registry, "SETTINGS": settings, "FEED_WORKER": False}).test_client()

    def check(step):
        fresh = fresh_counts(store)
        assert served_counts(client) == fresh, step
        stats = client.get("/api/v1/stats").get_json()
        assert stats["instruments"] == fresh["total"], step
        assert {g["value"]: g["instruments"] for g in stats["by_network"]} == fresh["network"], step
        assert f">{fresh['total']:,}<" in client.get("/stats").get_data(as_text=True) or fresh["total"] == 0, step
        assert served_counts(client, network="370000") == fresh_counts(store, "370000"), step

    check("empty")
    for code in ("370000", "420000"):
        [run] = harvester.harvest(registry.get(code))
        assert run.state == "succeeded", run.message
    check("after two harvests")  # counted once, now cached
    check("cached")

    sim.mutate("370000", update=5, delete=4, add=3)
    [run] = harvester.harvest(registry.get("370000"), full=True)
    assert run.counts.withdrawn == 4
    check("after a harvest that withdrew 4")

    token = create_token(store, "publisher", "440000")[1]
    headers = {"Content-Type": "text/csv", "Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/networks/440000/batches?mode=upsert", data=samples.guangdong_csv(30), headers=headers).status_code < 300
    run_pending(store, settings, registry)
    check("after a push")
    assert client.post("/api/v1/networks/440000/batches?mode=snapshot", data=samples.guangdong_csv(27), headers=headers).status_code < 300
    run_pending(store, settings, registry)
    check("after a snapshot withdrew 3")

    remap(store, registry.get("420000"))
    check("after a remap")
