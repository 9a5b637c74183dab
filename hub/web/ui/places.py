"""English names of provinces, cities and networks, for English pages.

Provinces: ISO 3166-2:CN from pycountry (its zh_CN translation finds the code of a Chinese name; its
English name loses the administrative word: "Hubei Sheng" → Hubei), but Inner Mongolia as English
names it, not ISO's "Nei Mongol". Cities have no English list in pycountry or python-stdnum
(stdnum's cn/loc is Chinese only), so their names are romanised with pypinyin — which is how the official English names of
Chinese cities are written (武汉市 → Wuhan) — with the administrative suffix translated.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from pypinyin import Style, lazy_pinyin

#: Administrative suffixes of city-level names, longest first, and how English says them.
CITY_SUFFIXES = (
    ("自治州", " Autonomous Prefecture"),
    ("地区", " Prefecture"),
    ("林区", " Forestry District"),
    ("新区", " New Area"),
    ("盟", " League"),
    ("市", ""),
    ("县", " County"),
    ("区", " District"),
)
_PROVINCE_WORDS = (" Sheng", " Shi", " Zizhiqu", " SAR", " Huizu", " Zhuangzu", " Uygur")
#: Chinese names pycountry's zh_CN catalogue lacks (checked with pycountry 24): without this,
#: 宁夏回族自治区 would be romanised as a district.
_ZH_MISSING = {"CN-NX": "宁夏回族自治区"}
#: Where English says a province otherwise than ISO's romanisation: the region's own government
#: writes "Inner Mongolia Autonomous Region" (ISO: Nei Mongol Zizhiqu); readers would not know "Nei Mongol".
_ENGLISH_USAGE = {"CN-NM": "Inner Mongolia"}


@lru_cache(maxsize=1)
def _provinces() -> dict[str, str]:
    """Chinese province name → English name."""
    zh = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    out = {}
    for sub in pycountry.subdivisions.get(country_code="CN") or []:
        english = _ENGLISH_USAGE.get(sub.code, sub.name)
        for word in _PROVINCE_WORDS:
            english = english.replace(word, "")
        out[_ZH_MISSING.get(sub.code) or zh.gettext(sub.name)] = english.strip()
    return out


def province_en(name: str | None) -> str | None:
    if not name:
        return name
    found = _registry_places().get(name) or _provinces().get(name)
    if found:
        return found
    for zh, en in _provinces().items():  # 湖北 for 湖北省
        if zh.startswith(name) or name.startswith(zh):
            return en
    return city_en(name)


def city_en(name: str | None) -> str | None:
    if not name:
        return name
    for suffix, english in CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return _romanise(name[: -len(suffix)]) + english
    return _romanise(name)


def _romanise(text: str) -> str:
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    return "".join(syllables).capitalize()


def network_en(name: str | None, province: str | None) -> str | None:
    """A network's English name, after its province (the networks' own names are Chinese only)."""
    where = province_en(province) if province else None
    return f"{where} instrument-sharing network" if where else name


@lru_cache(maxsize=1)
def _registry() -> list:
    """The registry's networks, read once; none when it cannot be read (it is validated at
    start-up, and a label must not fail a page)."""
    from hub.config import Registry

    try:
        return list(Registry.load())
    except Exception:
        return []


@lru_cache(maxsize=1)
def _registry_names() -> dict[str, tuple[str, str | None]]:
    """Network code → (province, English name if the registry gives one)."""
    return {n.code: (n.province, n.name_en) for n in _registry()}


@lru_cache(maxsize=1)
def _registry_places() -> dict[str, str]:
    """The English of the registry's places that are no province (`province_en`)."""
    return {n.province: n.province_en for n in _registry() if n.province_en}


def is_network(code: str) -> bool:
    """Whether `code` is a registered network's."""
    return code in _registry_names()


def network_label_en(code: str, name: str | None) -> str | None:
    """A network's name on English pages: the registry's `name_en`, else named after its province."""
    province, english = _registry_names().get(code) or (None, None)
    return english or network_en(name, province)
