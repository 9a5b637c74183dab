"""English names of provinces, cities and networks, for English pages.

Provinces: ISO 3166-2:CN from pycountry (its zh_CN translation finds the code of a Chinese name; its
English name loses the administrative word: "Hubei Sheng" → Hubei), but Inner Mongolia as English
names it, not ISO's "Nei Mongol". Cities have no English list in pycountry or python-stdnum
(stdnum's cn/loc is Chinese only), so their names are romanised with pypinyin — which is how the official English names of
Chinese cities are written (武汉市 → Wuhan) — with the administrative suffix translated, but for the
places English names otherwise (Urumqi, Hohhot, Shigatse: `ENGLISH_USAGE`) and the peoples an
autonomous prefecture or county is named after (`PEOPLES`).
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


#: Places whose English name is not the pinyin of their Chinese one: names from Uyghur, Mongolian and
#: Tibetan, as their governments and maps write them (乌鲁木齐 was "Wulumuqi", 呼和浩特 "Huhehaote";
#: the public's probe). Keyed by the name without its administrative suffix.
ENGLISH_USAGE = {
    "乌鲁木齐": "Urumqi",
    "克拉玛依": "Karamay",
    "吐鲁番": "Turpan",
    "喀什": "Kashgar",
    "和田": "Hotan",
    "阿克苏": "Aksu",
    "阿勒泰": "Altay",
    "呼和浩特": "Hohhot",
    "鄂尔多斯": "Ordos",
    "呼伦贝尔": "Hulunbuir",
    "锡林郭勒": "Xilingol",
    "乌兰察布": "Ulanqab",
    "巴彦淖尔": "Bayannur",
    "阿拉善": "Alxa",
    "兴安": "Hinggan",
    "拉萨": "Lhasa",
    "日喀则": "Shigatse",
    "林芝": "Nyingchi",
    "昌都": "Qamdo",
    "那曲": "Nagqu",
    "阿里": "Ngari",
    "伊犁": "Ili",
    "巴音郭楞": "Bayingolin",
    "博尔塔拉": "Bortala",
    "克孜勒苏": "Kizilsu",
    "甘孜": "Garzê",
    "阿坝": "Ngawa",
}
#: Peoples an autonomous prefecture or county is named after (恩施土家族苗族自治州 → Enshi Tujia and
#: Miao Autonomous Prefecture, where the romanisation ran them together: "Enshitujiazumiaozu").
PEOPLES = {
    "土家族": "Tujia",
    "苗族": "Miao",
    "藏族": "Tibetan",
    "羌族": "Qiang",
    "彝族": "Yi",
    "回族": "Hui",
    "蒙古族": "Mongol",
    "蒙古": "Mongol",
    "朝鲜族": "Korean",
    "傣族": "Dai",
    "白族": "Bai",
    "侗族": "Dong",
    "布依族": "Buyei",
    "哈尼族": "Hani",
    "壮族": "Zhuang",
    "傈僳族": "Lisu",
    "景颇族": "Jingpo",
    "黎族": "Li",
    "哈萨克": "Kazakh",
    "柯尔克孜": "Kirghiz",
    "瑶族": "Yao",
    "满族": "Manchu",
    "畲族": "She",
    "土族": "Tu",
    "撒拉族": "Salar",
    "达斡尔族": "Daur",
    "鄂温克族": "Evenk",
    "鄂伦春族": "Oroqen",
}
#: Autonomous divisions: the peoples stand between the place and this suffix.
_AUTONOMOUS = (("自治州", " Autonomous Prefecture"), ("自治县", " Autonomous County"), ("自治旗", " Autonomous Banner"))


def city_en(name: str | None) -> str | None:
    if not name:
        return name
    for suffix, english in _AUTONOMOUS:
        if name.endswith(suffix) and (named := _autonomous(name[: -len(suffix)])):
            return named + english
    for suffix, english in CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return _place_en(name[: -len(suffix)]) + english
    return _place_en(name)


def _autonomous(stem: str) -> str | None:
    """恩施土家族苗族 → "Enshi Tujia and Miao": the place, then its peoples read from the end."""
    peoples: list[str] = []
    while stem:
        people = next((zh for zh in sorted(PEOPLES, key=len, reverse=True) if stem.endswith(zh) and len(stem) > len(zh)), None)
        if people is None:
            break
        peoples.insert(0, PEOPLES[people])
        stem = stem[: -len(people)]
    if not peoples:
        return None
    listed = peoples[0] if len(peoples) == 1 else ", ".join(peoples[:-1]) + " and " + peoples[-1]
    return f"{_place_en(stem)} {listed}"


def _place_en(stem: str) -> str:
    return ENGLISH_USAGE.get(stem) or _romanise(stem)


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


def unit_label(code: str, label: str | None, lang: str) -> str:
    """An evaluated unit's name as the reader reads it: a registered network in English on an English
    page (a report keeps the Chinese names it was computed with), any other unit as the report names it."""
    label = label or code
    if lang == "en" and is_network(code):
        return network_label_en(code, label) or label
    return label


def unit_place(code: str, lang: str) -> str | None:
    """A registered network's province in the reader's language (a phone's chart names units by it:
    "首都科技条件平台" is Beijing's), or None for a unit that is no network."""
    province = (_registry_names().get(code) or (None, None))[0]
    if not province:
        return None
    return province_en(province) if lang == "en" else province


def network_label_en(code: str, name: str | None) -> str | None:
    """A network's name on English pages: the registry's `name_en`, else named after its province."""
    province, english = _registry_names().get(code) or (None, None)
    return english or network_en(name, province)
