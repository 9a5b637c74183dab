"""GB/T 2260 divisions as they stood in 2013, from the table python-stdnum ships (`stdnum/cn/loc.dat`).

Only what the generator needs: the cities of a province and the counties (districts) of each city,
with names, so generated addresses name real places and carry real county codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import stdnum.cn

YEAR = 2013
_NOT_A_PLACE = (
    "市辖区",
    "县",
    "郊区",
    "矿区",
    "林区",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "省直辖县级行政单位",
    "自治区直辖县级行政单位",
)


@dataclass(frozen=True)
class City:
    code: str
    name: str
    counties: tuple  # ((code, name), ...)


def _valid(start: str, end: str) -> bool:
    return (not start or int(start) <= YEAR) and (not end or YEAR <= int(end))


@lru_cache(maxsize=1)
def _divisions() -> dict[str, str]:
    path = Path(stdnum.cn.__file__).with_name("loc.dat")
    names, province = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line[:2]
            names[province + "0000"] = line.split('"')[1]
            continue
        match = re.match(r'\s+(\d{4}) county="(.*)"', line)
        if not match:
            continue
        # a division renamed over time lists its names: "[-2009]襄樊市,[2010-]襄阳市"
        for part in match.group(2).split(","):
            named = re.match(r"(?:\[(\d*)-(\d*)\])?(.*)", part)
            if _valid(named.group(1), named.group(2)):
                names[province + match.group(1)] = named.group(3)
    return names


@lru_cache(maxsize=64)
def cities(province_code: str) -> tuple[City, ...]:
    """The cities of a province with their counties; a province-level city is its own only city."""
    names = _divisions()
    prefix = province_code[:2]
    province_name = names[province_code]
    grouped: dict[str, list] = {}
    for code, name in names.items():
        if code[:2] != prefix or code.endswith("00") or name in _NOT_A_PLACE:
            continue
        grouped.setdefault(code[:4] + "00", []).append((code, name))
    result = []
    for city_code, counties in sorted(grouped.items()):
        city_name = names.get(city_code)
        if city_name is None or city_name in _NOT_A_PLACE:
            # municipalities (北京市 …) and county-level units directly under the province
            city_name = province_name if province_name.endswith("市") else counties[0][1]
        result.append(City(city_code, city_name, tuple(sorted(counties))))
    return tuple(result)


def province_name(province_code: str) -> str:
    return _divisions()[province_code]


def county_name(code: str) -> str:
    return _divisions().get(code, "")
