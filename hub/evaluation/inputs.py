"""Evaluator input tables: CSV files whose first column is the unit id (a network code, a country…).

Several tables are joined on that id. Values are read as numbers only where a framework uses the
column; an empty cell or NA / NaN / n/a / - / .. is missing, anything else that is not a number is an
error naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ConfigError

MISSING = {"", "na", "nan", "n/a", "-", "..", "null", "none"}


@dataclass
class InputTable:
    path: Path
    sha256: str
    id_column: str
    columns: list[str]
    rows: dict[str, dict[str, str]]  # unit id -> column -> text, in file order

    def describe(self) -> dict:
        return {"file": self.path.name, "sha256": self.sha256, "rows": len(self.rows), "columns": len(self.columns)}


def read_table(path, id_column: str | None = None) -> InputTable:
    """Read one table; the unit id is the first column, or `id_column` when the table has it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, None, "input table not found") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, None, f"not UTF-8 (byte {exc.start}); save the table as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not header[0].strip():
        raise ConfigError(path, None, "expected a header row whose first column names the unit id")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise ConfigError(path, dup, "column named twice in the header")
    key = header.index(id_column) if id_column and id_column in header else 0
    header.insert(0, header.pop(key))
    rows = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise ConfigError(path, f"row {line}", f"expected {len(header)} cells, got {len(cells)}")
        cells.insert(0, cells.pop(key))
        unit = cells[0].strip()
        if not unit:
            raise ConfigError(path, f"row {line}", "empty unit id in the first column")
        if unit in rows:
            raise ConfigError(path, f"row {line}", f"unit {unit!r} appears twice")
        rows[unit] = dict(zip(header[1:], (c.strip() for c in cells[1:])))
    return InputTable(path, hashlib.sha256(data).hexdigest(), header[0], header[1:], rows)


def number(table: InputTable, unit: str, column: str) -> float:
    text = table.rows[unit].get(column, "")
    if text.lower() in MISSING:
        return math.nan
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise ConfigError(table.path, f"unit {unit}, column {column}", f"expected a number, got {text!r}") from None
    return value if math.isfinite(value) else math.nan


class Inputs:
    """Several input tables joined on the unit id; a later table's column overrides nothing (a column
    in two tables is an error, so it is always clear where a value came from)."""

    def __init__(self, tables: list[InputTable]):
        self.tables = tables
        self._owner: dict[str, InputTable] = {}
        for t in tables:
            for c in t.columns:
                if c in self._owner:
                    raise ConfigError(t.path, c, f"column also given by {self._owner[c].path.name}; each column must come from one table")
                self._owner[c] = t

    @property
    def columns(self) -> set[str]:
        return set(self._owner)

    def units(self) -> list[str]:
        seen = {}
        for t in self.tables:
            for u in t.rows:
                seen.setdefault(u, None)
        return list(seen)

    def value(self, unit: str, column: str) -> float:
        t = self._owner[column]
        return number(t, unit, column) if unit in t.rows else math.nan

    def text(self, unit: str, column: str) -> str | None:
        t = self._owner.get(column)
        return t.rows[unit].get(column) if t and unit in t.rows else None

    def describe(self) -> str:
        return ", ".join(t.path.name for t in self.tables) or "no input tables"
