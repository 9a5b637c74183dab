"""Id lists sent to the database in bounded pieces.

PostgreSQL refuses a statement with more than 65,535 bind parameters and SQLite's default limit is
32,766, while a full listing of a large network can leave 100,000 instruments absent. Every `IN` list
whose length comes from the data (absent ids, a hold's ids, withdrawn ids) goes through `chunked`.

`among(column, ids)` is `column IN (ids)` written the way each backend takes thousands of ids best:
on SQLite a `?` each; on PostgreSQL one array, `column = ANY(%(ids)s)`. There an `IN` of 5,000
placeholders is a new statement text each time, which psycopg parses again (its cache holds short
statements only) and the server plans again: 7 % of a PostgreSQL harvest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import BigInteger, Text, any_, bindparam
from sqlalchemy.types import NullType
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

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


#: The array an id list is sent as, by the ids' Python type (a column's own type may carry a
#: collation, which an array's element type cannot).
_ARRAY_OF: dict[type, Any] = {str: Text, int: BigInteger}


@compiles(among, "postgresql")
def _among_any(element, compiler, **kw):
    ids: Any = bindparam(None, element.ids, type_=ARRAY(_ARRAY_OF[element.column.type.python_type]))
    return compiler.process(element.column == any_(ids), **kw)
