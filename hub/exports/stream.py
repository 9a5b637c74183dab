"""The records of a search, read with a server-side cursor (never a list of all rows)."""

from __future__ import annotations

from typing import Iterator

from hub.exports.record import RECORD_SELECT, to_record
from hub.search.params import SearchParams
from hub.search.backends import backend
from hub.search.query import plan
from hub.search.tables import docs
from hub.store.models import Instrument

YIELD_PER = 1000


def records(store, params: SearchParams) -> Iterator[dict]:
    """Every record the search selects (paging ignored), in the search's order, streamed: rows come
    from a server-side cursor (psycopg) or SQLite's lazy cursor, `YIELD_PER` at a time."""
    with store.read() as conn:
        planned = plan(conn, params)
        if planned is None:
            return
        clauses, where, score, order = planned
        scored = backend(conn).scored_from() if clauses else docs
        stmt = (
            RECORD_SELECT.add_columns(score)
            .join_from(Instrument.__table__, scored, docs.c.instrument_id == Instrument.__table__.c.id)
            .where(*where)
            .order_by(*order)
        )
        # Options on the statement: Connection.execution_options would set them on the whole connection,
        # and a later statement on it (a batch insert, say) would run on a server-side cursor too.
        result = conn.execute(stmt.execution_options(stream_results=True, yield_per=YIELD_PER))
        for row in result:
            yield to_record(row)
