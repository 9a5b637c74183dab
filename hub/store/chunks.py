"""Id lists sent to the database in bounded pieces.

PostgreSQL refuses a statement with more than 65,535 bind parameters and SQLite's default limit is
32,766, while a full listing of a large network can leave 100,000 instruments absent. Every `IN` list
whose length comes from the data (absent ids, a hold's ids, withdrawn ids) goes through `chunked`.

`among(column, ids)` is `column IN (ids)` with the ids as one parameter, the way each backend takes
thousands of ids best: on PostgreSQL one array, `column = ANY(%(ids)s)`; on SQLite one JSON text,
`column IN (SELECT value FROM json_each(?))`. SQLAlchemy's `IN` expands to a placeholder an id,
each one named, converted and bound in Python (~5 % of a SQLite harvest), and on PostgreSQL a new
statement text each time, which psycopg parses again (its cache holds short statements only) and
the server plans again: 7 % of a PostgreSQL harvest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import BigInteger, Text, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import NullType

#: Ids per statement: far below both backends' limits, large enough that round trips don't dominate.
ID_CHUNK = 5_000


def chunked(ids: Sequence, size: int = ID_CHUNK) -> Iterator[list]:
    """`ids` in consecutive lists of at most `size`."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class among(ColumnElement):  # noqa: N801 (used as a function: `among(column, ids)`)
    """`column IN (ids)`, compiled per backend (see the module docstring)."""

    type = NullType()  # not Boolean: SQLite would be given `… IN (…) = 1`, which no index serves
    inherit_cache = False  # the ids are part of the element: statements holding one are not cached

    def __init__(self, column, ids: Sequence):
        self.column, self.ids = column, list(ids)


@compiles(among)
def _among_in(element, compiler, **kw):
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(among, "sqlite")
def _among_json(element, compiler, **kw):
    # json_each gives back each id with its JSON type (text or integer), compared as IN compares
    # with the column's own affinity and collation; the column's index serves the lookups.
    ids = bindparam(None, orjson.dumps(element.ids).decode(), type_=Text)
    return f"{compiler.process(element.column, **kw)} IN (SELECT value FROM json_each({compiler.process(ids, **kw)}))"


#: The array an id list is sent as, by the ids' Python type (a column's own type may carry a
#: collation, which an array's element type cannot).
_ARRAY_OF: dict[type, Any] = {str: Text, int: BigInteger}


@compiles(among, "postgresql")
def _among_any(element, compiler, **kw):
    ids: Any = bindparam(None, element.ids, type_=ARRAY(_ARRAY_OF[element.column.type.python_type]))
    return compiler.process(element.column == any_(ids), **kw)
