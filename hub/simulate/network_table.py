"""The simulated networks as data: one row per provincial network, mirroring the roster.

`networks.csv` (next to this file) carries each network's family, size and every variant flag the
family servers honour (value unit, encoding, gzip, charset declaration, token lifetime, rate limit,
page-size cap …) plus the figures the generator must hit (seed figures for Shandong) and the 2012
service-performance profile. A network differs from another only by its row, never by a code branch.
The table is validated when loaded: a bad cell fails with the file, `<code>.<column>` and what was
expected.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from connectors import all_families
from hub.errors import ConfigError

TABLE = Path(__file__).with_name("networks.csv")


def simulated_families() -> frozenset[str]:
    """Families that have a simulated server (entry points `instrument_hub.simulators`); other rows
    wait for theirs."""
    from hub import plugins

    return frozenset(plugins.names("simulators"))


@dataclass(frozen=True)
class NetworkSpec:
    code: str
    province: str
    short: str  # one-character province abbreviation (鲁, 鄂 …), used in generated names
    family: str
    instruments: int
    value_unit: str  # yuan | wanyuan: how the wire gives original values
    encoding: str  # UTF-8 | GB18030 | GBK
    id_prefix: str
    gzip: bool  # sdyq-xml: answers gzip when the client accepts it
    since: bool  # sdyq-xml: supports ?since=
    charset_decl: str  # yqlm-html: header | meta | none | latin1 | utf8
    csv_download: bool  # yqlm-html: /download/yiqi_mulu.csv exists
    token_lifetime: int | None  # hbkx-json: seconds
    rate_limit: int | None  # hbkx-json: requests a second before 429
    page_cap: int | None  # hbkx-json: largest pageSize honoured
    value_as_string: bool  # hbkx-json: originalValue sent as a numeric string
    purchase_month_share: float  # hbkx-json: share of purchaseDate given as YYYY-MM
    qyrq_style: str  # sdyq-xml: iso | cn_month | mixed (QYRQ forms)
    szdq_city_share: float  # sdyq-xml: share of SZDQ given at city level only
    page_latency: float  # typical seconds a page takes when realistic latency is on
    units_central: int | None  # owner units by level; empty = derived from the size
    units_provincial: int | None
    units_municipal: int | None
    units_other: int | None
    total_value_yuan: int | None  # exact target of the summed original values at scale 1
    over_300k: int | None  # exact number of instruments above 300,000 yuan at scale 1
    certified: int | None  # exact number with metrology certification at scale 1
    value_median: int  # yuan, median original value
    hours_median: float  # 2012 effective hours of a used instrument (median)
    hours_sigma: float  # log-normal spread of the hours
    used_share: float  # share of instruments with any use in the year
    external_share: float  # external hours / effective hours
    services_per_100h: float  # external services per 100 external hours
    enterprise_share: float  # share of external services for enterprises
    samples_per_hour: float
    external_sample_share: float
    income_per_ext_hour: float  # yuan
    deleted_record: str  # oai-pmh: persistent | transient | no (Identify's deletedRecord)

    @property
    def simulated(self) -> bool:
        return self.family in simulated_families()


_BOOL = {"0": False, "1": True}
_CHOICES = {
    "value_unit": ("yuan", "wanyuan"),
    "encoding": ("UTF-8", "GB18030", "GBK"),
    "charset_decl": ("", "header", "meta", "none", "latin1", "utf8"),
    "qyrq_style": ("iso", "cn_month", "mixed"),
    "deleted_record": ("", "persistent", "transient", "no"),
}


def _convert(name, kind, raw):
    if kind is bool:
        if raw not in _BOOL:
            raise ValueError("expected 0 or 1")
        return _BOOL[raw]
    optional = "None" in str(kind)
    if raw == "":
        if optional:
            return None
        if kind == "str" or kind is str:
            return ""
        raise ValueError("required")
    if "int" in str(kind):
        return int(raw)
    if "float" in str(kind):
        return float(raw)
    if raw and name in _CHOICES and raw not in _CHOICES[name]:
        raise ValueError(f"expected one of {', '.join(c for c in _CHOICES[name] if c)}")
    return raw


@lru_cache(maxsize=1)
def network_table(path: Path = TABLE) -> dict[str, NetworkSpec]:
    specs = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = {f.name: f.type for f in fields(NetworkSpec)}
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise ConfigError(path, None, f"missing columns {sorted(missing)}")
        for row in reader:
            values = {}
            for name, kind in columns.items():
                kind = bool if kind in (bool, "bool") else kind
                try:
                    values[name] = _convert(name, kind, row[name].strip())
                except ValueError as exc:
                    raise ConfigError(path, f"{row['code']}.{name}", f"{exc}, got {row[name]!r}") from None
            if values["family"] not in all_families():  # the one list of families (connectors)
                raise ConfigError(path, f"{row['code']}.family", f"expected one of {all_families()}, got {row['family']!r}")
            spec = NetworkSpec(**values)
            specs[spec.code] = spec
    return specs


def spec_for(code: str) -> NetworkSpec:
    table = network_table()
    if code not in table:
        raise ConfigError(TABLE, code, "no such network in the simulator's table")
    return table[code]
