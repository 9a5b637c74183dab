"""Id lists sent to the database in bounded pieces.

PostgreSQL refuses a statement with more than 65,535 bind parameters and SQLite's default limit is
32,766, while a full listing of a large network can leave 100,000 instruments absent. Every `IN` list
whose length comes from the data (absent ids, a hold's ids, withdrawn ids) goes through `chunked`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

#: Ids per statement: far below both backends' limits, large enough that round trips don't dominate.
ID_CHUNK = 5_000


def chunked(ids: Sequence, size: int = ID_CHUNK) -> Iterator[list]:
    """`ids` in consecutive lists of at most `size`."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
