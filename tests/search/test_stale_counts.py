"""A harvest leaves its network's kept counts to its end (hub.search.stale_counts): readers stay exact
at every commit meanwhile, and after a harvest that died the counts are detectably stale, still
read exactly, and healed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hub.search import stale_counts
from hub.search.tables import counts as COUNTS, stale
from tests.factories import change, make_corpus, make_instruments, withdraw
from tests.search.test_counts import _check


def _kept_rows(store, network):
    with store.read() as conn:
        total = select(func.sum(COUNTS.c.n)).where(COUNTS.c.network == network, COUNTS.c.scope == "/", COUNTS.c.facet == "total")
        return conn.execute(total).scalar()


def _marks(store):
    with store.read() as conn:
        return dict(conn.execute(select(stale.c.network, stale.c.job_id)).all())


def test_readers_are_exact_at_every_commit_of_a_deferring_harvest(store):
    make_corpus(store)
    before = _kept_rows(store, "370000")
    with stale_counts.deferring(store, "370000", None):
        specs = [{"status": "retired"}, {"category": None, "original_value": Decimal("600000")}, {}]
        ids = make_instruments(store, specs, network="370000")
        assert _marks(store) == {"370000": None}
        # The writes were not counted (the kept rows are as before), yet every answer is exact.
        assert _kept_rows(store, "370000") == before
        _check(store)
        change(store, ids[0], status="normal", city_code="370200")
        withdraw(store, ids[2:])
        other = make_instruments(store, [{}], network="420000")  # another network's writes are counted as always
        _check(store)
    assert _marks(store) == {}
    assert _kept_rows(store, "370000") == before + 2
    _check(store)
    assert other


def test_a_harvest_that_dies_leaves_counts_read_exactly_and_healed(store, monkeypatch):
    make_corpus(store)

    def died(*args):
        raise RuntimeError("the process died before it counted")

    monkeypatch.setattr(stale_counts, "settle", died)
    with pytest.raises(RuntimeError, match="interrupted"):
        with stale_counts.deferring(store, "370000", None):
            make_instruments(store, 3, network="370000")
            raise RuntimeError("interrupted")
    monkeypatch.undo()
    assert _marks(store) == {"370000": None}  # stale, and says so
    _check(store)  # readers count that network live meanwhile
    assert stale_counts.heal(store) == ["370000"]
    assert _marks(store) == {}
    _check(store)


def test_a_run_that_writes_nothing_marks_and_counts_nothing(store, monkeypatch):
    make_corpus(store)
    monkeypatch.setattr(stale_counts, "settle", lambda *a: pytest.fail("nothing was written, nothing to count"))
    with stale_counts.deferring(store, "370000", None):
        pass
    assert _marks(store) == {}


def test_with_nothing_marked_a_reader_never_reads_the_documents(store):
    """Nearly always no harvest is running: the home page's counts must then come from the kept rows
    alone. At a million documents, SQLite planned `network IN (SELECT … FROM search_counts_stale)` as
    a scan of every document, 250 ms for every first visitor after a change."""
    from sqlalchemy import event

    from hub.search import counts

    make_corpus(store)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    with store.read() as conn:
        event.listen(conn, "before_cursor_execute", seen)
        rows = counts.read(conn, "live+primary/")
        event.remove(conn, "before_cursor_execute", seen)
    assert dict(((f, v), n) for f, v, n in rows)[("total", None)] > 0
    scans = [s for s in statements if "FROM search_docs" in s and "search_docs.network" in s]
    if store.dialect == "sqlite":
        assert scans == [], scans  # nothing marked: the documents are not read at all
    else:
        assert all("LATERAL" in s for s in scans), scans  # the (empty) mark table is the outer loop
