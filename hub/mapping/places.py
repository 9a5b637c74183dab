"""Place lookups: GB/T 2260 administrative divisions and ISO 3166-1 countries.

The division table is python-stdnum's `cn/loc` (GB/T 2260 codes with the years each name was valid,
e.g. ``[-2010]崇文区``). The hub's reference year is 2013: where a name or code changed, the 2013
division wins, but names from other years still resolve (a site may already say 莲池区, created 2015).
Indexes are built once at import so that a lookup costs a few dictionary probes.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass

import pycountry
from stdnum import numdb

REFERENCE_YEAR = 2013
#: Province-level cities: their city level is the municipality itself.
MUNICIPALITIES = {"11", "12", "31", "50"}
#: City-level placeholders that are not a city (市辖区, 县, 省直辖县级行政单位 …).
_PLACEHOLDER = re.compile(r"^(市辖区|县|郊区|省直辖县级行政(单位|区划)|自治区直辖县级行政(单位|区划))$")
_VALIDITY = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")
# Suffixes stripped to make the short form people write (河北 for 河北省, 保定 for 保定市).
_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "林区",
    "新区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
)


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    #: True when the code was in use in the reference year.
    current: bool
    #: Last year the code was in use (9999 = still in use).
    until: int


def _parse_names(text: str) -> tuple[str, bool, int, list[str]]:
    """`[1983-2014]新市区,[2015-]竞秀区` → (name in 2013, valid in 2013, last year, all names)."""
    spans = []
    for part in text.split(","):
        m = _VALIDITY.match(part)
        if m:
            start, end, name = int(m.group(1) or 0), int(m.group(2) or 9999), m.group(3)
        else:
            start, end, name = 0, 9999, part
        spans.append((start, end, name))
    current = [n for s, e, n in spans if s <= REFERENCE_YEAR <= e]
    name = current[0] if current else spans[-1][2]
    return name, bool(current), max(e for _, e, _ in spans), [n for _, _, n in spans]


def _short(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class Divisions:
    """Every GB/T 2260 division with name indexes per parent."""

    def __init__(self):
        self.by_code: dict[str, Division] = {}
        self.names: dict[str, list[str]] = {}  # code -> every name it carried
        for length, low, high, props, children in numdb.get("cn/loc").prefixes:
            province = low
            self.by_code[province + "0000"] = Division(province + "0000", props["province"], True, 9999)
            self.names[province + "0000"] = [props["province"]]
            for _, sub, _, sub_props, _ in children:
                code = province + sub
                if sub == "0000":
                    continue
                name, current, until, all_names = _parse_names(sub_props["county"])
                self.by_code[code] = Division(code, name, current, until)
                self.names[code] = all_names
        # name variants → codes, per parent: provinces globally, cities per province, counties per
        # city and per province (county-level cities under the province directly, or when the text
        # skips the city).
        self.province_index = self._index(c for c in self.by_code if c.endswith("0000"))
        self.city_index: dict[str, list] = {}
        self.county_index: dict[str, list] = {}
        self.county_by_province: dict[str, list] = {}
        for code in self.by_code:
            if code.endswith("0000"):
                continue
            if code.endswith("00"):
                self.city_index.setdefault(code[:2], []).append(code)
            elif not _PLACEHOLDER.match(self.by_code[code].name):
                self.county_index.setdefault(code[:4], []).append(code)
                self.county_by_province.setdefault(code[:2], []).append(code)
        self.city_index = {k: self._index(v) for k, v in self.city_index.items()}
        self.county_index = {k: self._index(v) for k, v in self.county_index.items()}
        self.county_by_province = {k: self._index(v) for k, v in self.county_by_province.items()}
        self.all_cities = self._index(c for codes in (self._cities_of(p) for p in self.city_index) for c in codes)

    def _cities_of(self, province):
        return [c for c in self.by_code if c.startswith(province) and c.endswith("00") and not c.endswith("0000")]

    def _index(self, codes) -> list[tuple[str, str]]:
        """(variant, code) pairs, longest variant first; 2013 divisions before others of one name."""
        pairs = {}
        for code in codes:
            div = self.by_code[code]
            if _PLACEHOLDER.match(div.name):
                continue
            for name in self.names[code]:
                for variant in filter(None, (name, _short(name))):
                    best = pairs.get(variant)
                    if best is None or self._rank(code) > self._rank(best):
                        pairs[variant] = code
        return sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    def _rank(self, code):
        div = self.by_code[code]
        return (div.current, div.until)

    # ----------------------------------------------------------------------- lookups

    def region(self, code: str) -> dict:
        """A known 6-digit code → the region dict with its province, city and county."""
        div = self.by_code.get(code)
        if div is None:
            raise KeyError(code)
        province = self.by_code[code[:2] + "0000"]
        out = {
            "province": province.code,
            "province_name": province.name,
            "city": None,
            "city_name": None,
            "county": None,
            "county_name": None,
        }
        if code.endswith("0000"):
            return out
        city_code = code[:4] + "00"
        city = self.by_code.get(city_code)
        if code[:2] in MUNICIPALITIES:
            out["city"], out["city_name"] = code[:2] + "0100", province.name
        elif city is not None and not _PLACEHOLDER.match(city.name):
            out["city"], out["city_name"] = city.code, city.name
        if not code.endswith("00") and not _PLACEHOLDER.match(div.name):
            out["county"], out["county_name"] = div.code, div.name
        return out

    def parse(self, text: str, default_province: str | None = None) -> str | None:
        """Free text (河北省保定市莲池区…) → the most specific code it names, or None."""
        pos, code = 0, None
        hit = _match(self.province_index, text, pos)
        if hit:
            code, pos = hit
            province = code[:2]
        elif default_province:
            province = default_province[:2]
        else:
            hit = _match(self.all_cities, text, pos)
            if not hit:
                return None
            code, pos = hit
            province = code[:2]
        if code is None or code.endswith("0000"):
            if province in MUNICIPALITIES:
                code = province + "0000"
                # Sites often repeat the municipality as its own city: 天津市天津市河西区.
                again = _match(self.province_index, text, pos)
                if again and again[0] == code:
                    pos = again[1]
            else:
                hit = _match(self.city_index.get(province, ()), text, pos)
                if hit:
                    code, pos = hit
        if code and not code.endswith("0000"):
            hit = _match(self.county_index.get(code[:4], ()), text, pos)
        else:
            hit = _match(self.county_by_province.get(province, ()), text, pos)
        if hit:
            code, pos = hit
        elif code and province in MUNICIPALITIES and code.endswith("0000"):
            code = province + "0100"  # a municipality is its own city (its urban districts' 市辖区 code)
        return code


def _match(index, text, pos):
    for variant, code in index:
        if text.startswith(variant, pos):
            return code, pos + len(variant)
    return None


DIVISIONS = Divisions()


# --------------------------------------------------------------------------- countries


def _country_names() -> dict[str, str]:
    """zh_CN names of every ISO 3166-1 country (and its common/official name) → alpha-2."""
    translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True).gettext
    out = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            english = getattr(country, attr, None)
            if english:
                local = translate(english)
                if local != english:
                    out.setdefault(local, country.alpha_2)
    return out


COUNTRY_NAMES = _country_names()
ALPHA_2 = {c.alpha_2 for c in pycountry.countries}
