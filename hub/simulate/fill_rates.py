"""How complete each simulated network's records are: `fill_rates.csv`, one row per network.

Each column is the share of records that carry the field (`model` … `credit_code`; `contact` is the
contact person with a phone, `date` the commissioning date, `credit_code` the owner unit's code), or
the share of records with a known defect: `category_missing` (no category at all),
`category_wrong_level` (the 大类 code filed instead of the 中类), `value_unit_slip` (the value typed
in the other unit: yuan in a 万元 field or 万元 in a yuan field — off by 10⁴). `tier` is a label
(A near complete … E sparse) for the docs. Validated when loaded: every network of `networks.csv`
has a row, every share is a number between 0 and 1, or the load fails naming `code.column`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from hub.errors import ConfigError
from hub.simulate.network_table import network_table

TABLE = Path(__file__).with_name("fill_rates.csv")


@dataclass(frozen=True)
class FillRates:
    code: str
    tier: str
    model: float
    maker: float
    specs: float
    functions: float
    services: float
    fee: float
    contact: float
    booking: float
    name_en: float
    value: float
    date: float
    credit_code: float
    category_missing: float
    category_wrong_level: float
    value_unit_slip: float


SHARES = tuple(f.name for f in fields(FillRates) if f.type in (float, "float"))


@lru_cache(maxsize=1)
def fill_table(path: Path = TABLE) -> dict[str, FillRates]:
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {f.name for f in fields(FillRates)} - set(reader.fieldnames or ())
        if missing:
            raise ConfigError(path, None, f"missing columns {sorted(missing)}")
        for row in reader:
            code = row["code"].strip()
            values = {"code": code, "tier": row["tier"].strip()}
            for name in SHARES:
                raw = (row[name] or "").strip()
                try:
                    share = float(raw)
                except ValueError:
                    raise ConfigError(path, f"{code}.{name}", f"expected a share between 0 and 1, got {raw!r}") from None
                if not 0.0 <= share <= 1.0:
                    raise ConfigError(path, f"{code}.{name}", f"expected a share between 0 and 1, got {raw!r}")
                values[name] = share
            if code in out:
                raise ConfigError(path, code, "listed twice")
            out[code] = FillRates(**values)
    absent = sorted(set(network_table()) - set(out))
    if absent:
        raise ConfigError(path, None, f"no fill rates for networks {absent}")
    return out


def fill_rates(code: str) -> FillRates:
    return fill_table()[code]
