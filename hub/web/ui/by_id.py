"""The instruments a search word names by id: a province's own number (GD2013920013, printed on the
instrument page as 原网络编号) or the hub's (440000:GD2013920013).

A steward or a visitor copies a number from a network's portal or a report; the search indexes
names, models, makers and places, not ids, and answered such a number with nothing. Looked up by the
instruments' primary key, one candidate id per registered network, so the lookup costs a few index
probes at any catalogue size and needs no index on `source_id`.
"""

from __future__ import annotations

from sqlalchemy import select

from hub.schema import instrument_id
from hub.store.models import Instrument

_I = Instrument.__table__
#: The longest source id the store keeps (hub.schema: 120) plus a network code and its colon.
MAX_ID_CHARS = 130


def instruments_named(conn, q: str | None, networks) -> list:
    """Rows (id, name, network, withdrawn_at) whose id the query is, withdrawn ones too (their page
    says when and why); none unless the query is one word."""
    word = (q or "").strip()
    if not word or len(word) > MAX_ID_CHARS or any(ch.isspace() for ch in word):
        return []
    # Typed as printed, or in upper case (tj-2006-00937 for TJ-2006-00937): ids are compared exactly.
    spellings = {word, word.upper()}
    candidates = spellings | {instrument_id(code, spelled) for code in networks for spelled in spellings}
    rows = conn.execute(select(_I.c.id, _I.c.name, _I.c.network, _I.c.withdrawn_at).where(_I.c.id.in_(sorted(candidates))))
    return sorted(rows, key=lambda r: r.id)
