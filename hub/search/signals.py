"""Per-document ranking signals, computed in Python when a document is indexed (pure functions).

- `quality`: how useful the record is to someone who wants to use the instrument — in service,
  shared, with a fee, a booking link and a contact, and filled in. It orders equal relevance
  scores (and the catalogue without a query), so a working, bookable instrument comes before a
  retired one with no contact.
- `tiebreak`: a hash of the id, the last order key. Ordering equal records by id put Beijing
  (110000:…) first on every page; a hash spreads the provinces and is the same on both backends.
- `name_kinds`: what kind of instrument a name says, with modifiers and generic endings removed
  (高效液相色谱仪 → 液相色谱; 液相色谱-质谱联用仪 → 液相色谱质谱). A query whose own kind equals a
  document's kind is asking for exactly that instrument, so it outranks compound systems that only
  contain the words — unless the query names the compound.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from hub.search.tags import MARK
from hub.search.tokenize import normalize

#: Points per status: a working instrument first; faults, repair and retirement last.
STATUS_POINTS = {"normal": 8, "remote": 6, "standby": 4, "occasional_fault": 2, None: 1}
#: Fields whose presence counts one point each (a record that says more is more useful).
COMPLETENESS = ("model", "manufacturer", "specs", "functions", "address", "category", "original_value", "commissioned")

#: Leading modifiers a name may carry without changing what kind of instrument it is.
_MODIFIERS = (
    "超高效",
    "超高压",
    "高效",
    "超快速",
    "快速",
    "全自动",
    "半自动",
    "自动",
    "台式",
    "便携式",
    "便携",
    "落地式",
    "高分辨率",
    "高分辨",
    "场发射",
    "智能",
    "多功能",
    "数字式",
    "数字",
    "大型",
    "微型",
    "小型",
    "精密",
    "high performance ",
    "ultra high performance ",
    "automatic ",
    "benchtop ",
    "portable ",
)
#: Generic endings (instrument, system, device, coupled): 液相色谱仪系统 and 液相色谱仪 are one kind.
_ENDINGS = ("仪器", "系统", "联用", "装置", "设备", "仪", " system", " instrument", " analyzer", " analyser")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
KIND_MAX_CHARS = 30


def quality(m) -> int:
    """Usefulness points of an instrument row (a mapping with the index source's columns)."""
    points = STATUS_POINTS.get(m.get("status"), 0)
    points += 4 if m.get("sharing") == "external" else 0
    points += 2 if (m.get("fee_text") or m.get("fee_amount") is not None) else 0
    points += 2 if m.get("booking_url") else 0
    points += 2 if (m.get("contact_phone") or m.get("contact_email")) else 0
    points += sum(1 for col in COMPLETENESS if m.get(col) not in (None, ""))
    return points


def tiebreak(instrument_id: str) -> int:
    return zlib.crc32(instrument_id.encode("utf-8")) & 0x7FFFFFFF


def name_kind(text: str | None) -> str | None:
    """The kind a name or a query names: modifiers and generic endings off, separators gone."""
    if not text:
        return None
    return _name_kind(text) if len(text) <= _CACHE_TEXT else _name_kind.__wrapped__(text)


#: Instrument names repeat across thousands of records (液相色谱仪 …): the kind of a short one is
#: memoised (it is asked twice a record at index time, and for every query).
_CACHE_TEXT = 120


@lru_cache(maxsize=4096)
def _name_kind(text: str) -> str | None:
    kind = " ".join(normalize(text).split())
    changed = True
    while changed:
        changed = False
        for m in _MODIFIERS:
            if kind.startswith(m) and len(kind) > len(m) + 1:
                kind, changed = kind[len(m) :].lstrip(), True
        for e in _ENDINGS:
            if kind.endswith(e) and len(kind) > len(e) + 1:
                kind, changed = kind[: -len(e)].rstrip(), True
    kind = _NOT_WORD.sub("", kind)
    if kind.endswith("s") and kind.isascii() and len(kind) > 4:
        kind = kind[:-1]  # spectrometers → spectrometer
    return kind if 1 < len(kind) <= KIND_MAX_CHARS else None


def kind_tag(kind: str) -> str:
    return f"{MARK}k{kind}"


def name_kind_tags(m) -> list[str]:
    kinds = {name_kind(m.get("name")), name_kind(m.get("name_en"))} - {None}
    return sorted(kind_tag(k) for k in kinds)
