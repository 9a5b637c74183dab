"""A county-level division its province governs itself (GB/T 2260 xx90xx: 仙桃市 429004, 琼海市
469002) has no city above it: the city facet takes it as the city, in a store written before this
too once `hub init` has run (migration 0024)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.conftest import BACKENDS, make_store
from tests.factories import make_instruments

from hub.search import index, postings, search
from hub.search.tables import docs
from hub.store.migrate import downgrade, upgrade

SPECS = [
    dict(source_id="XT", network="420000", city_code=None, city_name=None, county_code="429004", county_name="仙桃市"),
    dict(source_id="WH", network="420000"),  # 武汉市, a city's
    dict(source_id="NO", network="420000", city_code=None, city_name=None),  # nothing known: unknown
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_indexed_before_finds_the_county_as_its_city_after_hub_init(backend, tmp_path, monkeypatch):
    s, cleanup = make_store(backend, tmp_path)
    try:
        upgrade(s)  # written with this code's tables, then taken back to 0023 (tests/search/test_model_parts.py)
        with monkeypatch.context() as before:
            before.setattr(index, "directly_under_province", lambda code: False)  # the documents as they were
            make_instruments(s, SPECS)

        def cities():
            with s.read() as conn:
                return dict(conn.execute(select(docs.c.instrument_id, docs.c.city_code)).all())

        assert cities()["420000:XT"] is None, "the store was indexed with it: the test proves nothing"
        downgrade(s, "0023")
        upgrade(s)
        postings.refresh(s)
        assert cities() == {"420000:XT": "429004", "420000:WH": "420100", "420000:NO": None}
        with s.read() as conn:
            assert [i["id"] for i in search(conn, {"city": "429004"}).items] == ["420000:XT"]
    finally:
        cleanup()
