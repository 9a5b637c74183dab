"""`among(column, ids)`: the rows whose column is one of the ids, on every backend, whatever the ids
hold, and through the index a long list needs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.search.tables import docs
from hub.store.chunks import ID_CHUNK, among, chunked
from hub.store.models import Instrument
from tests.factories import make_corpus

I = Instrument.__table__


def test_among_finds_exactly_the_listed_ids(store):
    ids = make_corpus(store)
    wanted = sorted(ids)[::3] + ["nowhere:1", "a,b", '{"q"}', "it's", "back\\slash", "NULL", ""]
    with store.read() as conn:
        found = set(conn.execute(select(I.c.id).where(among(I.c.id, wanted))).scalars())
        docids = dict(conn.execute(select(docs.c.instrument_id, docs.c.docid)).all())
        first = [docids[i] for i in sorted(ids)[:5]]
        by_docid = set(conn.execute(select(docs.c.instrument_id).where(among(docs.c.docid, first))).scalars())
        nothing = conn.execute(select(I.c.id).where(among(I.c.id, []))).all()
    assert found == set(sorted(ids)[::3])
    assert by_docid == set(sorted(ids)[:5])
    assert nothing == []


@pytest.mark.parametrize("size", [1, 2, ID_CHUNK + 1])
def test_chunked_keeps_every_id_once_in_order(size):
    ids = [f"n:{i}" for i in range(size)]
    chunks = list(chunked(ids))
    assert [i for c in chunks for i in c] == ids and all(len(c) <= ID_CHUNK for c in chunks)


#: How each backend is asked for its plan, and what a plan reads through an index shows.
PLANS = {
    "postgresql": ("SET LOCAL enable_seqscan = off", "EXPLAIN ", "Index"),
    "sqlite": ("SELECT 1", "EXPLAIN QUERY PLAN ", "SEARCH search_docs USING"),
}


def test_a_long_list_is_one_parameter_the_index_serves(store):
    make_corpus(store)
    statement = select(docs.c.docid).where(among(docs.c.instrument_id, [f"x:{i}" for i in range(ID_CHUNK)]))
    setting, explain, through_index = PLANS[store.dialect]
    with store.read() as conn:
        compiled = statement.compile(conn)
        assert len(compiled.params) == 1, "one parameter, not one an id"
        conn.exec_driver_sql(setting)  # PostgreSQL: an index wherever one can serve
        params = compiled.params if store.dialect == "postgresql" else tuple(compiled.params.values())
        plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(explain + compiled.string, params))
    assert through_index in plan, plan
