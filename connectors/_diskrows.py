"""Rows by id, kept in a private temporary SQLite file for the length of one listing.

A directory download (the yqlm-html CSV) must be looked up by id while the listing is walked, so it
has to be kept somewhere; held as Python dicts it costs ~3 KB a row (55 MB for a 10× Hebei) and
grows with the province. Here it costs SQLite's page cache, whatever its size. SQLite deletes the
file when the connection closes.
"""

from __future__ import annotations

import json
import sqlite3


class DiskRows:
    def __init__(self):
        # "" = a private temporary on-disk database (SQLite), removed on close.
        self._db = sqlite3.connect("", check_same_thread=False)
        self._db.execute("CREATE TABLE rows (id TEXT PRIMARY KEY, row TEXT NOT NULL)")

    def add(self, key: str, row: dict) -> bool:
        """Store `row` under `key` unless the key is taken (the first row wins); whether it was stored."""
        cursor = self._db.execute("INSERT OR IGNORE INTO rows VALUES (?, ?)", (key, json.dumps(row, ensure_ascii=False)))
        return cursor.rowcount == 1

    def get(self, key: str) -> dict | None:
        found = self._db.execute("SELECT row FROM rows WHERE id = ?", (key,)).fetchone()
        return json.loads(found[0]) if found else None

    def __iter__(self):
        """The keys, streamed."""
        return (key for (key,) in self._db.execute("SELECT id FROM rows"))

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM rows").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
