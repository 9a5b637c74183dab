"""How values read on the page, per language: money, dates, category and country names, vocabularies.

Pure functions of (value, lang); the Jinja filters in `hub.web.ui` are thin wrappers. Chinese readers
count money in 万元 and 亿元; English readers in ¥ with m and bn. Dates keep their precision: a
commissioning date of `2011-06` is shown as a month, never invented into a day.
"""

from __future__ import annotations

import gettext
import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

import pycountry

from hub import reasons
from hub.web.ui import vocabulary as vocabularies
from hub.web.ui.i18n import translate

_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


_BN = Decimal(1_000_000_000)
_M = Decimal(1_000_000)
CHINA = ZoneInfo("Asia/Shanghai")


def money(value, lang: str) -> str:
    """A yuan amount for people: `35.80 万元` / `1.25 亿元` in Chinese; `¥358,000`, `¥1.36 m`,
    `¥9.35 bn` in English."""
    amount = _decimal(value)
    if amount is None:
        return ""
    if lang == "zh":
        if abs(amount) >= _YI:
            return translate(lang, "unit.yi_yuan", amount=f"{amount / _YI:,.2f}")
        if abs(amount) >= _WAN:
            return translate(lang, "unit.wan_yuan", amount=f"{amount / _WAN:,.2f}")
        return translate(lang, "unit.yuan", amount=f"{amount:,.2f}")
    if abs(amount) >= _BN:
        return f"¥{amount / _BN:,.2f} bn"
    if abs(amount) >= _M:
        return f"¥{amount / _M:,.2f} m"
    return "¥" + f"{amount:,.2f}".removesuffix(".00")


def partial_date(value, lang: str) -> str:
    """`2011`, `2011-06` or `2011-06-15` as 2011年 / 2011年6月 / 2011年6月15日 (Chinese) or ISO (English)."""
    if not value:
        return ""
    text = str(value)
    if lang != "zh":
        return text
    parts = text.split("-")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return text
    return "".join(f"{n}{unit}" for n, unit in zip(numbers, ("年", "月", "日")))


def timestamp(value, lang: str) -> str:
    """A provenance timestamp in China Standard Time to the minute, the zone named; naive values
    (SQLite) are UTC."""
    when, zone = timestamp_parts(value, lang)
    return f"{when} {zone}" if zone else when


def timestamp_parts(value, lang: str, zone: str = "time.zone") -> tuple[str, str]:
    """`timestamp`'s date and time, and its zone ("" for a value that is no time: it is shown as it is);
    `zone` is the message naming it (`time.zone_short` in a table cell)."""
    if not value:
        return "", ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value, ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"), translate(lang, zone)


def vocabulary(kind: str, value, lang: str) -> str:
    """A national vocabulary value (`status`, `sharing`, `owner_type`, …) in the reader's language.

    A value the catalogue does not know is shown as sent rather than hidden.
    """
    if value is None or value == "":
        return translate(lang, "unknown")
    msgid = vocabularies.label(kind, value)
    return translate(lang, msgid) if msgid else str(value)


def category(code, lang: str, categories: dict) -> str:
    """`010500` → `色谱仪器` / `Chromatographs`; a code the table lacks is shown as the code.

    `categories` maps code → an object with `name` and `name_en` (hub.mapping.codes.Category).
    Two-digit and four-digit prefixes (facet values) are padded to the table's six digits.
    """
    if not code:
        return translate(lang, "unknown")
    entry = categories.get(str(code).ljust(6, "0"))
    if entry is None:
        return str(code)
    return entry.name if lang == "zh" else entry.name_en


@lru_cache(maxsize=1)
def _zh_countries():
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def country(code, lang: str) -> str:
    """ISO 3166 alpha-2 → the country's name (zh_CN names from pycountry's translations)."""
    if not code:
        return ""
    entry = pycountry.countries.get(alpha_2=str(code))
    if entry is None:
        return str(code)
    name = getattr(entry, "common_name", None) or entry.name
    return _zh_countries().gettext(entry.name) if lang == "zh" else name


def number(value, lang: str) -> str:
    if value is None:
        return ""
    return f"{int(value):,}"


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    """Whether text holds CJK characters or full-width punctuation."""
    return bool(_CJK.search(text))


def reason(message: str | None, lang: str) -> str:
    """Why a record was rejected or warned about (`record_errors.message`, stored in English) in the
    reader's language: the registered reason that said it (`hub.reasons`), with the values it was
    said with; a message no reason says is shown as stored."""
    if lang == "en" or not message:
        return message or ""
    found = reasons.read(message)
    if found:
        return _said(found, lang)
    if "; " in message:  # a run's notes, joined (hub.harvest.pipeline): each said on its own
        return translate(lang, "list.notes_sep").join(reason(part, lang) for part in message.split("; "))
    return message


def _said(found, lang: str) -> str:
    said, values = found
    return translate(lang, said.code, **{name: _value(name, v, lang) for name, v in values.items()})


def _value(name: str, value, lang: str) -> str:
    """A value a reason was said with, in the reader's language where it has words of its own: a
    reason inside it, or a common-schema field's name (`owner.name` → 所属单位)."""
    if isinstance(value, tuple):
        return _said(value, lang)
    if name == "field" and (msgid := vocabularies.label("common_field", value)):
        return translate(lang, msgid)
    return value
