"""A pushed batch resolves the duplicates of the records it changed, as a harvest does."""

from sqlalchemy import func, select

from hub.dedup.store import CLUSTERS, DIRTY
from hub.feed import samples


def test_a_pushed_batch_leaves_its_records_resolved(push, store):
    assert push("440000", samples.guangdong_csv(5)).status_code == 200
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(DIRTY)).scalar() == 0
        resolved = conn.execute(select(func.count()).select_from(CLUSTERS).where(CLUSTERS.c.network == "440000")).scalar()
    assert resolved == 5
