"""Many-row inserts and upserts store what SQLAlchemy's own path stores, on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, MetaData, Numeric, String, Table, insert, select, text

from hub.store.bulk import dialect_insert, insert_many, upsert

CST = timezone(timedelta(hours=8))


def _tables(metadata, *names):
    return [
        Table(
            name,
            metadata,
            Column("id", String(20), primary_key=True),
            Column("value", Numeric(16, 2)),
            Column("certified", Boolean),
            Column("seen", DateTime(timezone=True)),
            Column("tags", JSON),
            Column("note", String(50)),
            Column("count", Integer, default=7),
        )
        for name in names
    ]


ROWS = [
    dict(
        id="a",
        value=Decimal("685000.00"),
        certified=True,
        seen=datetime(2026, 11, 27, 8, 0, 1, 5, tzinfo=timezone.utc),
        tags=["CMA", "质谱"],
        note="气相色谱质谱联用仪",
        count=1,
    ),
    dict(id="b", value=None, certified=False, seen=None, tags=None, note=None, count=None),
    dict(id="c", value=Decimal("0.1"), certified=None, seen=datetime(2026, 1, 2, 3, 4, 5), tags={"k": 1}, note='O\'Brien "q"', count=3),
    # What array literals and JSON must escape, and text that reads like NULL.
    dict(id="e", value=Decimal("-3"), certified=True, seen=None, tags=[], note='{a,b} \\ NULL "', count=0),
    dict(id="f", value=None, certified=None, seen=None, tags="text", note="", count=None),
]
# One time object in several rows, as a batch's stamp is, between equal instants of other zones
# (equal, but written with their own clock times): each row stores its own.
STAMP = datetime(2026, 12, 6, 8, 0, 0, 250, tzinfo=CST)
ROWS += [
    dict(id="g1", value=None, certified=True, seen=STAMP, tags=None, note=None, count=None),
    dict(id="g2", value=None, certified=True, seen=STAMP, tags=None, note=None, count=None),
    dict(id="g3", value=None, certified=True, seen=STAMP.astimezone(timezone.utc), tags=None, note=None, count=None),
    dict(id="g4", value=None, certified=False, seen=STAMP, tags=None, note=None, count=None),
]


@pytest.fixture
def tables(store):
    metadata = MetaData()
    fast, reference = _tables(metadata, "bulk_fast", "bulk_reference")
    metadata.create_all(store.engine)
    yield fast, reference
    metadata.drop_all(store.engine)


def _stored(conn, table):
    # What the database holds, as the driver returns it: no SQLAlchemy result processing.
    return [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY id")]


def test_insert_many_stores_what_sqlalchemy_stores(store, tables):
    fast, reference = tables
    with store.write() as conn:
        insert_many(conn, fast, ROWS)
        conn.execute(insert(reference), ROWS)
    with store.read() as conn:
        assert _stored(conn, fast) == _stored(conn, reference)
        back = {r.id: r for r in conn.execute(select(fast))}
    assert back["a"].value == Decimal("685000.00") and back["a"].certified is True
    assert back["a"].tags == ["CMA", "质谱"] and back["c"].note == 'O\'Brien "q"'
    assert back["b"].value is None and back["b"].tags is None


def test_columns_holding_only_nulls_are_stored_as_nulls(store, tables):
    fast, reference = tables
    nothing = [dict(id="n1", value=None, certified=None, seen=None, tags=None, note=None, count=None), dict(ROWS[1], id="n2")]
    with store.write() as conn:
        insert_many(conn, fast, nothing)
        conn.execute(insert(reference), nothing)
    with store.read() as conn:
        assert _stored(conn, fast) == _stored(conn, reference)


def test_upsert_overwrites_the_given_columns_and_keeps_the_others(store, tables):
    fast, _ = tables
    with store.write() as conn:
        insert_many(conn, fast, ROWS)
        upsert(conn, fast, [dict(id="a", note="改名", value=Decimal("1.50")), dict(id="d", note="新", value=None)], ("id",))
    with store.read() as conn:
        rows = {r.id: r for r in conn.execute(select(fast))}
    assert rows["a"].note == "改名" and rows["a"].value == Decimal("1.50")
    assert rows["a"].tags == ["CMA", "质谱"], "a column the upsert did not name keeps its value"
    assert rows["d"].note == "新" and len(rows) == len(ROWS) + 1


def test_a_key_repeated_in_one_upsert_keeps_its_last_row(store, tables):
    fast, reference = tables
    repeated = [dict(id="a", note="first", count=1), dict(id="b", note="other", count=2), dict(id="a", note="last", count=3)]
    with store.write() as conn:
        upsert(conn, fast, repeated, ("id",))
        for row in repeated:  # SQLAlchemy's path, a statement a row
            stmt = dialect_insert(conn.dialect.name, reference).values(**row)
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"note": stmt.excluded.note, "count": stmt.excluded.count}))
    with store.read() as conn:
        assert _stored(conn, fast) == _stored(conn, reference)
        assert conn.execute(select(fast.c.note).where(fast.c.id == "a")).scalar_one() == "last"


def test_a_column_default_still_applies_when_rows_leave_it_out(store, tables):
    fast, _ = tables
    with store.write() as conn:
        insert_many(conn, fast, [dict(id="x", note="no count given")])
    with store.read() as conn:
        assert conn.execute(select(fast.c.count)).scalar_one() == 7


def test_an_empty_list_writes_nothing(store, tables):
    fast, _ = tables
    with store.write() as conn:
        insert_many(conn, fast, [])
        upsert(conn, fast, [], ("id",))
        assert conn.execute(text("SELECT count(*) FROM bulk_fast")).scalar_one() == 0
