"""The Done-when batch: 20,000 Guangdong records with 37 bad ones, pushed as GB18030 CSV.

Slow (the whole mapping + writer + search index path for 20,000 records): run with `-m slow`.
Throughput is measured by tests/bench/push_bench.py.
"""

import pytest
from sqlalchemy import func, select

from hub.feed import samples
from hub.feed.worker import run_pending
from hub.harvest.writer import INSTRUMENTS


@pytest.mark.slow
def test_20000_records_with_37_bad_store_19963_and_report_the_37(app, push, client, tokens, registry, feed_settings, request):
    if request.node.callspec.params.get("store") != "sqlite":
        pytest.skip("once is enough for 20,000 records: SQLite")
    store = app.extensions["hub_store"]
    push("110000", samples.beijing_json(20), fmt="json", token="bj")
    with store.read() as conn:
        beijing = conn.execute(select(INSTRUMENTS).where(INSTRUMENTS.c.network == "110000").order_by(INSTRUMENTS.c.id)).all()
    r = push("440000", samples.guangdong_csv(20_000, bad=37), key="gd-full")
    assert r.status_code == 202  # over 5,000 records: answered at once
    assert run_pending(store, feed_settings, registry) == 1
    report = client.get(r.headers["Location"], headers={"Authorization": f"Bearer {tokens['gd']}"}).get_json()
    assert report["state"] == "done"
    assert report["counts"]["created"] == 19_963 and report["counts"]["rejected"] == 37
    assert {e["source_id"]: e["field"] for e in report["rejected"]} == samples.bad_ids(20_000, 37)
    with store.read() as conn:
        stored = conn.execute(select(func.count()).select_from(INSTRUMENTS).where(INSTRUMENTS.c.network == "440000")).scalar_one()
        after = conn.execute(select(INSTRUMENTS).where(INSTRUMENTS.c.network == "110000").order_by(INSTRUMENTS.c.id)).all()
    assert stored == 19_963 and after == beijing  # nothing else touched
