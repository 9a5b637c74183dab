"""Many-row INSERTs and insert-or-update (upsert) on every backend we support (SQLite, PostgreSQL).

`insert_many(conn, table, rows)` and `upsert(conn, table, rows, keys)` take a list of dicts with the
same keys. The rows go to the driver through the column types' own bind processors, so what is
stored is exactly what SQLAlchemy's path would store (tests/store/test_bulk.py compares the two):
* SQLite: the driver's `executemany`, a tuple a row. SQLAlchemy's path builds every row's
  parameters through the compiled statement one by one, which was ~15 % of a harvest's CPU
  (tests/bench/bench_harvest.py).
* PostgreSQL: one statement, `INSERT … SELECT * FROM unnest(%b::type[], …)`, a binary array a
  column.
  SQLAlchemy's path sends psycopg's pipelined `executemany`, a statement a row: the server plans
  and runs each, and the client built each row's parameters twice (SQLAlchemy's, then psycopg's)
  — a third of a PostgreSQL harvest's writing.
A table whose rows leave out a column with a Python-side default, or that has an array column
(unnest would flatten it), takes SQLAlchemy's path.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from sqlalchemy import ARRAY, DateTime, insert
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
    get = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    if not plan.processors:
        params = [get(row) for row in rows]
    else:
        params = []
        processors = [(i, _same_as_last(process)) for i, process in plan.processors]
        for row in rows:
            values = list(get(row))
            for i, process in processors:
                values[i] = process(values[i])
            params.append(tuple(values))
    if plan.by_column:
        if keys:
            # One statement may not update a row twice; in SQLAlchemy's path (a statement a row)
            # the last row of a repeated key wins, so here it is the one kept.
            at = [columns.index(k) for k in keys]
            params = list({tuple(p[i] for i in at): p for p in params}.values())
        conn.exec_driver_sql(plan.sql, tuple(map(list, zip(*params))))
    else:
        conn.exec_driver_sql(plan.sql, params)


def _same_as_last(process):
    """`process`, answering at once for the very object it was last given.

    A column's values are often one object row after row: the batch's one time stamp in
    `first_seen`, `last_seen` and `fetched_at`, True and False. SQLite's DATETIME processor formats
    each value in Python (~2 µs), and these writes hold SQLite's one write lock: formatting was 6.5 %
    of a harvest's time in `RecordWriter.apply`. By identity, not equality: two equal aware times in other zones are
    written differently."""
    last, out = _NOTHING, None

    def run(value):
        nonlocal last, out
        if value is not last:
            last, out = value, process(value)
        return out

    return run


_NOTHING = object()


@dataclass(frozen=True)
class _Plan:
    sql: str
    processors: tuple  # (column position, bind processor) for the columns whose type has one
    by_column: bool  # parameters: one list a column (one execution), else one tuple a row (executemany)


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


def _defaults_left_out(table, columns) -> bool:
    """Whether a column the rows leave out has a Python-side default (only SQLAlchemy's path
    applies those)."""
    given = set(columns)
    return any(getattr(c, "default", None) is not None and c.name not in given for c in table.columns)


def _on_conflict(quote, columns, keys) -> str:
    if not keys:
        return ""
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in keys)
    return f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) " + (f"DO UPDATE SET {updates}" if updates else "DO NOTHING")


def _processors(dialect, table, columns) -> tuple:
    processors = ((i, table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) for i, c in enumerate(columns))
    return tuple((i, p) for i, p in processors if p is not None)


@functools.lru_cache(maxsize=128)
def _sqlite_plan(dialect, table, columns: tuple[str, ...], keys: tuple[str, ...]) -> _Plan | None:
    """`?` placeholders, executemany; on SQLite strings have no bind processor, dates and decimals do."""
    if _defaults_left_out(table, columns):
        return None
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})"
    return _Plan(sql + _on_conflict(quote, columns, keys), _processors(dialect, table, columns), by_column=False)


def _as_text(value):
    # A column's values go as one binary array, which psycopg cannot make of aware and naive times
    # together (TypeError), so times go as text and the server reads each as SQLAlchemy's path
    # would have it read (a naive one in the session's time zone).
    return value.isoformat() if isinstance(value, datetime) else value


def _element_type(type_, dialect) -> str:
    """The column's type as an array's element type: without its collation (`VARCHAR(140) COLLATE
    "C"[]` is not a type; the column's collation applies as the rows are stored)."""
    type_ = type_.dialect_impl(dialect)  # a variant: the dialect's own
    if getattr(type_, "collation", None):
        type_ = type_.copy()
        type_.collation = None
    return type_.compile(dialect=dialect)


@functools.lru_cache(maxsize=128)
def _postgres_plan(dialect, table, columns: tuple[str, ...], keys: tuple[str, ...]) -> _Plan | None:
    """`unnest` of one array a column, each cast to the column's array type, executed once."""
    types = [table.c[c].type for c in columns]
    if _defaults_left_out(table, columns) or any(isinstance(t, ARRAY) for t in types):
        return None
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    # %b: arrays in binary, whose elements need no escaping (psycopg's text arrays escape each
    # element with a regular expression: a third of the client's CPU in a harvest's writes).
    arrays = ", ".join(f"%b::{_element_type(t, dialect)}[]" for t in types)
    sql = f"INSERT INTO {quote(table.name)} ({names}) SELECT * FROM unnest({arrays})"
    processors = dict(_processors(dialect, table, columns))
    for i, t in enumerate(types):
        if isinstance(t, DateTime):
            process = processors.get(i)
            processors[i] = _as_text if process is None else (lambda v, process=process: _as_text(process(v)))
    return _Plan(sql + _on_conflict(quote, columns, keys), tuple(sorted(processors.items())), by_column=True)


#: Dialects whose rows go straight to the driver (see the module docstring).
_DRIVER_PLANS = {"sqlite": _sqlite_plan, "postgresql": _postgres_plan}
