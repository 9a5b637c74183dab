"""The roster (`../shared/networks/roster.csv`) and the simulator's network table, as test data.

The roster lives outside the repository; a copy of the columns the tests need is kept in
`hub/simulate/networks.csv`, so the tests read the shared file only where it is present.
"""

from __future__ import annotations

import csv
from pathlib import Path

from hub import PROJECT_ROOT

ROSTER_PATH = PROJECT_ROOT.parent / "shared" / "networks" / "roster.csv"
SIM_TABLE_PATH = PROJECT_ROOT / "hub" / "simulate" / "networks.csv"


def _rows(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def roster() -> dict[str, dict]:
    """code → roster row, Tibet (no network) left out."""
    return {code: row for code, row in _rows(ROSTER_PATH).items() if row["family"] != "none"}


def sim_table() -> dict[str, dict]:
    return _rows(SIM_TABLE_PATH)
