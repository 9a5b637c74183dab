"""Insert-or-update in one statement on every backend we support (SQLite, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def upsert(conn, table, rows: list[dict], keys: tuple[str, ...]) -> None:
    """Insert `rows`; where `keys` collide, overwrite every other column given."""
    if not rows:
        return
    try:
        make_insert = _INSERTS[conn.dialect.name]
    except KeyError:
        raise NotImplementedError(f"upsert is not implemented for {conn.dialect.name}") from None
    stmt = make_insert(table)
    columns = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns})
    conn.execute(stmt, rows)
