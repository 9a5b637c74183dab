"""What duplicate resolution compares: a record's normalised owner, model, value, date and category,
and the blocking keys under which it is compared with others. Pure functions.

Blocking keys (a pair is scored only when it shares one):
* `c|credit code|model key` — the owner's credit code and the model's key;
* `o|owner root|model key` — the owner's root name (山东大学化学与化工学院 → 山东大学) and the model's key;
* `y|owner root|大类|year` — so that a record without a model (one network in ten leaves it
  empty) meets its copies that have one.
The model key is the model's digits (SU-8010 / SU8010 / su 8010 / Hitachi SU8010型 → 8010), or its
letters when it has none: spacing, case, a maker prefix or 型 never split a block.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from stdnum.cn import uscc

#: a university's faculties and centres are listed under it: its name ends at the first 大学
_UNIVERSITY = re.compile(r"^.*?大学")
#: a sub-unit written after a unit's full name (…研究所分析测试中心, …研究院重点实验室)
_SUB_UNIT = re.compile(r"(?<=[所院司心站局])(分析测试中心|测试中心|检测中心|重点实验室|实验室)$")
_BRACKETED = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_NOT_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Rec:
    id: str
    network: str
    credit: str | None  # a valid GB 32100 code, else None
    owner: str  # normalised full name
    root: str  # normalised root unit name
    category: str | None  # 6-digit code as filed (may be a 大类 XX0000)
    model: str  # normalised model ("" when not given)
    model_key: str
    name: str  # normalised name
    value: float | None  # yuan
    date: str | None  # ISO, precision kept
    province: str | None = None  # 2-digit GB/T 2260 province of the owner: its credit code's, else the record's city's

    def keys(self) -> tuple[str, ...]:
        out = []
        if self.model_key:
            if self.credit:
                out.append(f"c|{self.credit}|{self.model_key}")
            if self.root:
                out.append(f"o|{self.root}|{self.model_key}")
        if self.root and self.category and self.date:
            out.append(f"y|{self.root}|{self.category[:2]}|{self.date[:4]}")
        return tuple(out)


def norm_text(text: str | None) -> str:
    """Full-width to half-width, case folded, without spaces and punctuation."""
    if not text:
        return ""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=65536)  # owners repeat: a unit lists hundreds of instruments
def owner_root(name: str | None) -> str:
    """The unit an owner name belongs to: brackets dropped, cut after the first unit word."""
    if not name:
        return ""
    text = _BRACKETED.sub("", unicodedata.normalize("NFKC", name)).strip()
    m = _UNIVERSITY.match(text)
    return norm_text(m.group(0) if m else _SUB_UNIT.sub("", text))


def model_key(model: str) -> str:
    """The model's digits, else its letters; `model` already normalised."""
    digits = "".join(_DIGITS.findall(model))
    return digits or model.removesuffix("型")


@lru_cache(maxsize=65536)
def valid_credit(code: str | None) -> str | None:
    return code if code and uscc.is_valid(code) else None


@lru_cache(maxsize=65536)  # names and models repeat across a catalogue far more than they vary
def _normalised(name: str | None) -> str:
    return norm_text(name)


@lru_cache(maxsize=65536)
def _model(text: str | None) -> tuple[str, str]:
    model = norm_text(text).removesuffix("型")
    return model, model_key(model)


def rec_from_row(row) -> Rec:
    """A Rec from a mapping with the instruments columns plus `owner_name` and `owner_credit_code`."""
    model, key = _model(row.get("model"))
    value = row.get("original_value")
    return Rec(
        id=row["id"],
        network=row["network"],
        credit=valid_credit(row.get("owner_credit_code")),
        owner=_normalised(row.get("owner_name")),
        root=owner_root(row.get("owner_name")),
        category=row.get("category") or None,
        model=model,
        model_key=key,
        name=_normalised(row.get("name")),
        value=float(value) if value is not None else None,
        date=row.get("commissioned") or None,
        province=_province(valid_credit(row.get("owner_credit_code")), row.get("city_code")),
    )


def _province(credit: str | None, city_code: str | None) -> str | None:
    # A credit code's 3rd to 8th characters are the division that registered the unit (GB 32100).
    code = credit[2:4] if credit else (city_code or "")[:2]
    return code if code.isdigit() and len(code) == 2 else None
