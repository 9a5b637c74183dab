"""Many-row INSERTs and insert-or-update (upsert) on every backend we support (SQLite, PostgreSQL).

`insert_many(conn, table, rows)` and `upsert(conn, table, rows, keys)` take a list of dicts with the
same keys. On SQLite the rows go to the driver's `executemany` as tuples, through the column types'
own bind processors, so what is stored is exactly what SQLAlchemy's path would store: that path
builds every row's parameters through the compiled statement one by one, which was ~15 % of a
harvest's CPU (tests/bench/bench_harvest.py). Elsewhere SQLAlchemy's path is kept: on PostgreSQL it
batches rows into multi-row VALUES statements ("insertmanyvalues"), which is what makes it fast there.
"""

from __future__ import annotations

import functools
from operator import itemgetter

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite


def insert_many(conn, table, rows: list[dict]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table`."""
    _write(conn, table, rows, ())


def upsert(conn, table, rows: list[dict], keys: tuple[str, ...]) -> None:
    """Insert `rows`; where `keys` collide, overwrite every other column given."""
    if not keys:
        raise ValueError("upsert needs the conflict keys")
    _write(conn, table, rows, tuple(keys))


def _write(conn, table, rows, keys):
    if not rows:
        return
    columns = tuple(rows[0])
    planner = _DRIVER_PLANS.get(conn.dialect.name)
    plan = planner(conn.dialect, table, columns, keys) if planner else None
    if plan is None:
        conn.execute(_statement(conn.dialect.name, table, columns, keys), rows)
        return
    sql, processors = plan
    get = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    if not processors:
        params = [get(row) for row in rows]
    else:
        params = []
        for row in rows:
            values = list(get(row))
            for i, process in processors:
                values[i] = process(values[i])
            params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


_UPSERT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def dialect_insert(dialect_name: str, table):
    """The dialect's own INSERT for `table`, the one with `on_conflict_do_update`."""
    try:
        return _UPSERT_INSERTS[dialect_name](table)
    except KeyError:
        raise NotImplementedError(f"upsert is not implemented for {dialect_name}") from None


def _statement(dialect_name, table, columns, keys):
    """SQLAlchemy's statement for the generic path."""
    if not keys:
        return insert(table)
    stmt = dialect_insert(dialect_name, table)
    updates = {c: stmt.excluded[c] for c in columns if c not in keys}
    if not updates:  # rows of keys alone: insert the new ones, leave the others (as the SQLite plan does)
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)


@functools.lru_cache(maxsize=128)
def _sqlite_plan(dialect, table, columns: tuple[str, ...], keys: tuple[str, ...]):
    """(SQL with `?` placeholders, (column position, bind processor) for the columns whose type has
    one — on SQLite strings have none, dates and decimals do), or None when a column
    the rows leave out has a Python-side default (only SQLAlchemy's path applies those)."""
    given = set(columns)
    if any(getattr(c, "default", None) is not None and c.name not in given for c in table.columns):
        return None
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})"
    if keys:
        updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in keys)
        sql += f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) " + (f"DO UPDATE SET {updates}" if updates else "DO NOTHING")
    processors = ((i, table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) for i, c in enumerate(columns))
    return sql, tuple((i, p) for i, p in processors if p is not None)


#: Dialects whose rows go straight to the driver (see the module docstring).
_DRIVER_PLANS = {"sqlite": _sqlite_plan}
