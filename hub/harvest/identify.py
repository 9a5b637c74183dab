"""Ids for records that come without one, and the repeats that follow from them.

A spreadsheet row has no id of its own (`Connector.ids_from_mapping`): the mapping's `source_id`
makes it (`hub.mapping.ids`). Two rows of one listing that get the same id are one instrument
listed twice — an exact repeat under a digest, a clash under a composed id. The first is taken; each
later one is handed on with `repeat_of` naming where the first was, and the writer reports it
(a record error, counted as rejected) instead of letting it overwrite the first unseen.

The ids seen are kept in a private temporary SQLite table (`connectors._diskrows.DiskRows`), so a
register of millions of rows costs disk, not memory.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from connectors._diskrows import DiskRows


def identify(records, mapping) -> Iterator:
    with DiskRows() as seen:
        for raw in records:
            if raw.deleted or raw.problem:
                yield raw
                continue
            sid, problem = mapping.identify(raw.payload)
            if sid is None:
                yield replace(raw, problem=f"{raw.where or raw.source_id}: {problem}")
                continue
            where = raw.where or sid
            if seen.add(sid, {"where": where}):
                yield replace(raw, source_id=sid)
            else:
                yield replace(raw, source_id=sid, repeat_of=seen.get(sid)["where"])
