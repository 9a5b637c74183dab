"""Spreadsheet registers the simulator serves (family `tabular`), besides the thirty provinces.

* `FGBUK1` — a UK university's equipment register in the Uniquip v1 template, in English: 8 of the
  template's 21 columns, no ID column, Mac Roman with CRLF, descriptions cut at 20 characters, a
  `/` in some names, and rows listed twice (≈ 600 rows at scale 1).
* `ACAS01` — an academy's register in the Chinese spreadsheet template whose columns are the
  national reporting fields (mappings/examples/nrii-sheet.yaml), UTF-8 with a BOM as Excel saves it,
  with its own id column.

Each is served as `register.csv` and `register.xlsx` (the same rows) with ETag and Last-Modified.
Records are generated from a province's table row (for units, cities and values), so a register's
row differs from a province only by the data below, never by a code branch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Register:
    code: str
    template: str  # uniquip | nrii-sheet
    base: str  # the province whose generated units and instruments it lists
    instruments: int  # distinct rows at scale 1
    encoding: str
    newline: str
    #: every n-th row is listed twice (0: never)
    repeat_every: int = 0


REGISTERS = {
    "FGBUK1": Register("FGBUK1", "uniquip", "320000", 570, "mac_roman", "\r\n", repeat_every=19),
    "ACAS01": Register("ACAS01", "nrii-sheet", "110000", 400, "utf-8-sig", "\r\n"),
}


def register_spec(code: str):
    """A `NetworkSpec` for the register: its base province's row, resized, family `tabular`."""
    from hub.simulate.network_table import network_table

    reg = REGISTERS[code]
    return dataclasses.replace(network_table()[reg.base], family="tabular", instruments=reg.instruments)
