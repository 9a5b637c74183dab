"""Withdrawing 100,000 instruments of one network in one confirmed run, on PostgreSQL.

PostgreSQL refuses a statement with more than 65,535 bind parameters, so every id list the write path
sends (the absent ids, the hold's ids, the withdrawn ids, the search index's removals) must go in
chunks. The instruments are seeded straight into the table (pushing 100,000 records would test the
push path, which has its own large-batch test); the snapshot, the hold and the confirmation go through
the real API.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.feed import samples
from hub.harvest.jobs import now
from hub.harvest.writer import INSTRUMENTS
from hub.store.bulk import insert_many

from .conftest import auth

ABSENT = 100_000


def _seed(store, network: str, n: int) -> None:
    stamp = now() - timedelta(days=1)
    with store.write() as conn:
        for start in range(0, n, 10_000):
            insert_many(
                conn,
                INSTRUMENTS,
                [
                    dict(
                        id=f"{network}:seed-{i:06d}",
                        network=network,
                        source_id=f"seed-{i:06d}",
                        name="气相色谱仪",
                        first_seen=stamp,
                        last_seen=stamp,
                        content_hash=f"{i:064d}",
                        certified=False,
                    )
                    for i in range(start, min(n, start + 10_000))
                ],
            )


def _active(store, network):
    with store.read() as conn:
        return conn.execute(
            select(func.count()).select_from(INSTRUMENTS).where(INSTRUMENTS.c.network == network, INSTRUMENTS.c.withdrawn_at.is_(None))
        ).scalar_one()


@pytest.mark.slow
def test_100000_absent_instruments_are_held_then_withdrawn_in_one_confirmed_run(push, store, client, tokens, request):
    if request.node.callspec.params.get("store") != "postgres":
        pytest.skip("the bind-parameter limit is PostgreSQL's; SQLite runs the same path in the smaller hold tests")
    _seed(store, "440000", ABSENT)
    report = push("440000", samples.guangdong_csv(40), mode="snapshot").get_json()
    assert report["withdrawal"]["action"] == "hold" and report["withdrawal"]["absent"] == ABSENT
    assert _active(store, "440000") == ABSENT + 40

    hold_id = report["withdrawal"]["hold"]
    confirmed = client.post(f"/api/v1/holds/{hold_id}/confirm", headers=auth(tokens["admin"]))
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)[:500]
    assert len(confirmed.get_json()["withdrawn"]) == ABSENT
    assert _active(store, "440000") == 40
    assert client.get("/api/v1/instruments/440000:seed-099999").status_code == 410
