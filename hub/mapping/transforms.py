"""The built-in transforms: every name a mapping file may use under `transform:`.

Each is a pure function ``(value, **options) -> value`` registered in `hub.mapping.registry`. The engine
only calls a transform with a present value (not None, not blank text), so transforms never need to
handle "missing"; they return None for known spellings of "no value". docs/mapping.md lists them all,
and a test fails when one is missing there.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pycountry
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from hub import reasons
from hub.schema import POSTCODE
from hub.errors import TransformError
from hub.mapping import codes
from hub.mapping.places import ALPHA_2, COUNTRY_NAMES, DIVISIONS
from hub.mapping.registry import Option, transform
from hub.mapping.values import decimal_of as _decimal, scalar_text as _scalar_text, short as _short, text_of as _text

CENT = Decimal("0.01")
#: Larger than any instrument (the store's column holds 14 integer digits).
MAX_YUAN = Decimal("1e13")
#: A bare amount grouped in thousands at least this large is read as yuan whatever the column's unit (`money`).
GROUPED_YUAN_FROM = Decimal(100_000)

# C0/C1 control characters (except tab and newline) and zero-width characters are dropped.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_HSPACE = re.compile(r"[^\S\n]+")
_SPACED_NEWLINES = re.compile(r" ?\n[\s]*")


# --------------------------------------------------------------------------- text


@transform(
    "trim",
    keep_newlines=Option(bool, default=False, help="keep line breaks (free-text fields such as specs)"),
    max_length=Option(int, check=lambda n: None if n > 0 else "expected a positive length", help="longer text is an error"),
)
def trim(value, keep_newlines=False, max_length=None):
    """Text with outer whitespace removed (also full-width spaces), inner runs of whitespace collapsed
    to one space, control and zero-width characters dropped; empty → None. Numbers become their text
    (a JSON id 1042 → "1042")."""
    text = _text(value, reasons.WHAT_TEXT)
    if _INVISIBLE.search(text):  # rare: only then pay for the substitution
        text = _INVISIBLE.sub("", text)
    if keep_newlines:
        text = _SPACED_NEWLINES.sub("\n", _HSPACE.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))).strip()
    else:
        text = " ".join(text.split())
    if not text:
        return None
    if max_length is not None and len(text) > max_length:
        raise TransformError(reasons.TEXT_TOO_LONG(length=len(text), limit=max_length, value=_short(text)))
    return text


#: A label a listing writes in the cell before the model itself: 型号：TA.XTplus, 规格型号: …, Model: ….
_MODEL_LABEL = re.compile(r"^(?:规格型号|型号规格|型号|model(?:\s*no\.?)?)\s*:\s*", re.IGNORECASE)


@transform(
    "model",
    max_length=Option(int, check=lambda n: None if n > 0 else "expected a positive length", help="longer text is an error"),
)
def model(value, max_length=None):
    """A model in the form people type it: trimmed as `trim` does, full-width folded (ＳＢＥ ２５ｐｌｕｓ →
    SBE 25plus) and a leading label dropped (型号：TA.XTplus → TA.XTplus): 1,379 of the demo store's
    cards read "型号：型号：…" and 2,950 models were full-width (the public's probe)."""
    text = trim(value)
    if text is None:
        return None
    text = _MODEL_LABEL.sub("", unicodedata.normalize("NFKC", text)).strip()
    return trim(text, max_length=max_length) if text else None


@transform("upper")
def upper(value):
    """Text in upper case (codes sent in lower case)."""
    return _text(value, reasons.WHAT_TEXT).upper()


@transform("join", sep=Option(str, default="；", help="separator"))
def join(value, sep="；"):
    """A list of texts → one text, the non-empty items joined with `sep` (default `；`). Text passes."""
    if not isinstance(value, list):
        return trim(value)
    items = [t for t in (trim(v) for v in value if v is not None) if t]
    return sep.join(items) or None


_DEFAULT_SPLIT = ",，;；、/ "


@transform("split", on=Option(str, default=_DEFAULT_SPLIT, help="characters that separate items"))
def split(value, on=_DEFAULT_SPLIT):
    """Text → list of trimmed non-empty items (`CMA,CNAS` → ["CMA", "CNAS"]). A list is split item by
    item; a number or boolean becomes a one-item list (so `vocab` can read `true`)."""
    if isinstance(value, list):
        out = []
        for item in value:
            if item is not None:
                out.extend(split(item, on))
        return out
    if isinstance(value, (bool, int, float)):
        return [value]
    if not isinstance(value, str):
        raise TransformError(reasons.NOT_TEXT_OR_LIST(type=type(value).__name__, value=_short(value)))
    pattern = _split_pattern(on)
    return [part for part in (p.strip() for p in pattern.split(value)) if part]


@lru_cache(maxsize=32)
def _split_pattern(on: str):
    return re.compile("[" + re.escape(on) + "\u3000]+")


# --------------------------------------------------------------------------- numbers


_MONEY = re.compile(
    r"^(?:约|大约|约合|approx\.?|about|~|≈)?\s*(?:¥|RMB|CNY|人民币)?\s*"
    # An exponent as JSON numbers print and spreadsheets export them (1.2e5, 1.2E+05); two digits at
    # most, so no string makes Decimal work on a number of a billion digits.
    r"(?P<num>[+-]?\d+(?:\.\d+)?(?:e[+-]?\d{1,2})?)\s*"
    r"(?P<unit>亿元|亿|万元|万|元|yuan|RMB|CNY)?\s*(?:左右)?$",
    re.IGNORECASE,
)
_UNIT_FACTOR = {
    "亿元": Decimal(100_000_000),
    "亿": Decimal(100_000_000),
    "万元": Decimal(10_000),
    "万": Decimal(10_000),
    "元": Decimal(1),
    "yuan": Decimal(1),
    "rmb": Decimal(1),
    "cny": Decimal(1),
}
_BARE = {"yuan": Decimal(1), "wanyuan": Decimal(10_000)}
_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")


@transform("money", bare_unit=Option(str, default="yuan", choices=("yuan", "wanyuan"), help="what a number without unit means"))
def money(value, bare_unit="yuan"):
    """An amount → Decimal yuan with 2 places (half up). Reads `68.5万元`, `685000元`, `685,000`,
    `约70万元`, `1.2e5`, full-width digits, numeric strings and JSON numbers; a number without unit is in
    `bare_unit` (`yuan` or `wanyuan`). Negative, non-finite or absurdly large amounts are errors."""
    if isinstance(value, str):
        raw = _scalar_text(value, reasons.WHAT_MONEY)
        text = raw.replace(",", "").replace(" ", "")
        m = _MONEY.match(text)
        if not m:
            raise TransformError(reasons.NOT_AMOUNT(value=_short(value)))
        number = Decimal(m.group("num"))
        unit = m.group("unit")
        if unit:
            factor = _UNIT_FACTOR[unit.lower()]
        elif _THOUSANDS.search(raw) and number >= GROUPED_YUAN_FROM:
            # Digits grouped in thousands are yuan where they make a large instrument's worth: 685,000
            # in a 万元 column is 685,000 yuan (6.85 billion yuan is no instrument's). A smaller grouped
            # number keeps the column's unit: a spreadsheet's 1,234.50 under 原值(万元) is 1,234.50 万元,
            # not 1,234.50 yuan (dropped as below a large instrument's worth; XLSX gives the same cell
            # as a number, 1234.5, and was read as 万元).
            factor = _BARE["yuan"]
        else:
            factor = _BARE[bare_unit]
    else:
        number, factor = _decimal(value, reasons.WHAT_MONEY), _BARE[bare_unit]
    if number < 0:
        raise TransformError(reasons.AMOUNT_NEGATIVE(value=_short(value)))
    yuan = abs(number) * factor  # abs: "-0" is 0.00 yuan, not -0.00
    if yuan >= MAX_YUAN:
        raise TransformError(reasons.AMOUNT_TOO_LARGE(value=_short(value)))
    return yuan.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value, what):
    if isinstance(value, str):
        value = _scalar_text(value, what).replace(",", "")
    number = _decimal(value, what)
    if number < 0:
        raise TransformError(reasons.NEGATIVE(what=what(), value=_short(value)))
    return number


@transform("number")
def number(value):
    """A non-negative number (hours) → float; numeric strings with commas are read."""
    n = _number(value, reasons.WHAT_NUMBER)
    if n > 10**9:
        raise TransformError(reasons.NUMBER_TOO_LARGE(value=_short(value)))
    return float(n)


@transform("decimal")
def decimal_amount(value):
    """A non-negative amount in whatever currency the column states → Decimal to 2 places, unconverted
    (`12,500` → 12500.00). For `value_foreign.amount`; yuan amounts go through `money`."""
    n = _number(value, reasons.WHAT_AMOUNT)
    if n > 10**13:
        raise TransformError(reasons.AMOUNT_TOO_LARGE(value=_short(value)))
    return n.quantize(Decimal("0.01"))


@transform("integer")
def integer(value):
    """A non-negative whole number (counts of services or samples) → int; `96.0` is 96, `96.5` an error."""
    n = _number(value, reasons.WHAT_WHOLE)
    if n != n.to_integral_value():
        raise TransformError(reasons.NOT_WHOLE(value=_short(value)))
    if n > 10**12:
        raise TransformError(reasons.COUNT_TOO_LARGE(value=_short(value)))
    return int(n)


# --------------------------------------------------------------------------- code tables


def _vocabulary(table: str):
    return codes.tables().vocabularies.get(table)


def _check_table(table: str):
    known = codes.tables().vocabularies
    if table not in known:
        return f"no vocabulary {table!r} in {codes.codes_dir() / 'vocabularies.yaml'} (known: {', '.join(sorted(known))})"
    return None


@transform("vocab", table=Option(str, required=True, check=_check_table, help="a table in mappings/codes/vocabularies.yaml"))
def vocab(value, table):
    """A spelling → its national value through a table of `mappings/codes/vocabularies.yaml`
    (status, sharing, owner_type, owner_level, certification, and the hbkx numeric codes). A list is
    mapped item by item, dropping items that map to null and repeats. An unlisted spelling is an
    error naming the allowed ones."""
    entries = _vocabulary(table)
    if isinstance(value, list):
        out = []
        for item in value:
            mapped = vocab(item, table)
            if mapped is not None and mapped not in out:
                out.append(mapped)
        return out
    if not isinstance(value, (str, int, float, bool)):
        raise TransformError(reasons.VOCAB_WRONG_TYPE(table=table, type=type(value).__name__, value=_short(value)))
    try:
        return entries[codes.vocab_key(value)]
    except KeyError:
        allowed = "、".join(codes.tables().vocabulary_spellings[table])
        raise TransformError(reasons.VOCAB_UNKNOWN(table=table, value=_short(value), allowed=allowed)) from None


_POSTCODE = re.compile(POSTCODE)  # the schema's own pattern


@transform("postcode")
def postcode(value):
    """A Chinese postcode: six digits, full-width folded and spaces dropped (430 072 → 430072)."""
    text = "".join(unicodedata.normalize("NFKC", _text(value, reasons.WHAT_TEXT)).split())
    if not text:
        return None
    if not _POSTCODE.match(text):
        raise TransformError(reasons.POSTCODE_BAD(value=_short(text)))
    return text


@transform("yes_no")
def yes_no(value):
    """是 / 否 (有 / 无, true / false, 1 / 0 …, the `yes_no` table of `mappings/codes/vocabularies.yaml`)
    → true / false: the national reporting model's yes-or-no fields (under customs supervision)."""
    said = vocab(value, "yes_no")
    return None if said is None else said == "true"


@transform("country")
def country(value):
    """Country of origin → ISO 3166-1 alpha-2: Chinese names (pycountry's zh_CN names plus the aliases in
    `mappings/codes/countries.yaml`: 中国台湾 → TW, 美国 → US …), alpha-2 or alpha-3 codes in any case.
    `进口` (imported, origin unknown) and similar → None. Anything else is an error."""
    text = _scalar_text(value, reasons.WHAT_COUNTRY)
    aliases = codes.tables().country_aliases
    if text in aliases:
        return aliases[text]
    if text in COUNTRY_NAMES:
        return COUNTRY_NAMES[text]
    if text.isascii() and text.isalpha():
        code = text.upper()
        if len(code) == 2 and code in ALPHA_2:
            return code
        if len(code) == 3 and (found := pycountry.countries.get(alpha_3=code)):
            return found.alpha_2
    raise TransformError(reasons.COUNTRY_UNKNOWN(value=_short(value)))


_CATEGORY_SEPARATORS = re.compile(r"\s*[/／>＞|]\s*")


@lru_cache(maxsize=8)
def _category_names(version: str):
    """(大类 name → code, (大类 code, 中类 name) → code, 中类 name → [codes]) for one table version."""
    table = codes.tables().categories
    majors, under, medium = {}, {}, {}
    for cat in table.values():
        if cat.level == 1:
            majors[cat.name] = cat.code
        else:
            under[(cat.parent, cat.name)] = cat.code
            medium.setdefault(cat.name, []).append(cat.code)
    return majors, under, medium


@transform("category")
def category(value):
    """Instrument category → 6-digit code of `mappings/codes/classification.csv`: a listed code; a
    4-digit 中类 code (padded with 00); a 小类 code (reduced to its 中类, the finest level the table
    knows); a 中类 or 大类 name (`海洋遥感/遥测仪器` is one name); or `大类 / 中类` (`分析仪器 / 质谱仪器`).
    Unknown or ambiguous → error."""
    text = _scalar_text(value, reasons.WHAT_CATEGORY)
    table = codes.tables().categories
    if text.isdigit():
        code = text.ljust(6, "0") if len(text) in (2, 4) else text
        if len(code) == 6 and code not in table and code[:4] + "00" in table:
            code = code[:4] + "00"
        if code in table:
            return code
        raise TransformError(reasons.CATEGORY_CODE_UNKNOWN(value=_short(value)))
    majors, under, medium = _category_names(codes.tables().version)
    # Some names of the classification contain a slash themselves (海洋遥感/遥测仪器): a whole name
    # is looked up first, and `大类 / 中类` is split at its first separator only.
    whole = _CATEGORY_SEPARATORS.sub("/", text).strip("/")
    if whole in majors or whole in medium:
        parts = [whole]
    else:
        parts = [p for p in _CATEGORY_SEPARATORS.split(text, maxsplit=1) if p]
        if len(parts) == 2:
            parts[1] = _CATEGORY_SEPARATORS.sub("/", parts[1])
    if len(parts) == 2 and parts[0] in majors:
        code = under.get((majors[parts[0]], parts[1]))
        if code:
            return code
    elif len(parts) == 1:
        name = parts[0]
        if name in majors and (majors[name], name) in under:  # 激光器 is both: the 中类 is finer
            return under[(majors[name], name)]
        if name in majors:
            return majors[name]
        found = medium.get(name, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise TransformError(reasons.CATEGORY_AMBIGUOUS(value=_short(value), found=", ".join(found)))
    raise TransformError(reasons.CATEGORY_UNKNOWN(value=_short(value)))


def _check_division(code: str):
    if not (len(code) == 6 and code.isdigit() and code.endswith("0000") and code in DIVISIONS.by_code):
        return f"expected a 6-digit GB/T 2260 province code such as 130000, got {code!r}"
    return None


@transform("region", default_province=Option(str, check=_check_division, help="province assumed when the text names none"))
def region(value, default_province=None):
    """Location → GB/T 2260 {province, province_name, city, city_name, county, county_name}. Reads a
    6-digit code (county, city `370100` or province level), or free text naming province, city and
    county (`河北省保定市莲池区`; a list of parts is joined first). 2013 divisions win where names
    changed; municipalities get themselves as city; county-level cities under a province have no city."""
    if isinstance(value, list):
        value = "".join(_text(v, reasons.WHAT_TEXT) for v in value if v is not None)
    text = _text(value, reasons.WHAT_REGION)
    if len(text) > 200:
        raise TransformError(reasons.REGION_TOO_LONG(length=len(text), value=_short(text)))
    return dict(_region(unicodedata.normalize("NFKC", text).strip(), default_province))


@lru_cache(maxsize=16384)
def _region(text: str, default_province):
    # Cached: a network has a few hundred distinct locations across thousands of instruments.
    if text.isdigit():
        code = text.ljust(6, "0") if len(text) in (2, 4) else text
        if code in DIVISIONS.by_code:
            return tuple(DIVISIONS.region(code).items())
        raise TransformError(reasons.DIVISION_CODE_UNKNOWN(value=repr(text)))
    code = DIVISIONS.parse(text, default_province) or (default_province and DIVISIONS.parse(text))
    if not code:
        raise TransformError(reasons.DIVISION_NOT_NAMED(value=_short(text)))
    return tuple(DIVISIONS.region(code).items())


@transform("credit_code", on_error="drop")
def credit_code(value):
    """Unified social credit code (GB 32100) → the 18 characters, upper case, check character verified.
    An invalid code is dropped with a warning; it never rejects the instrument."""
    text = _scalar_text(value, reasons.WHAT_CREDIT_CODE).upper().replace(" ", "").replace("-", "")
    try:
        return uscc.validate(text)
    except StdnumError as exc:
        raise TransformError(reasons.CREDIT_CODE_INVALID(value=_short(value), detail=exc)) from None


# --------------------------------------------------------------------------- fees

_FEE = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>万元|元)\s*(?:(?:/|每|／)\s*(?P<per>[^\s,，;；。()（）]{1,10}))?")
_FEE_RANGE = re.compile(r"\d\s*[-~～至到]\s*\d")


@transform("fee")
def fee(value):
    """Fee standard → {text, amount, unit}: `200元/样` → 200 per 样, `800元/小时` → 800 per 小时;
    `面议`, `按成本收费`, ranges (`200-300元/样`) keep the text with no amount. A JSON number is an
    amount in yuan."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        amount = money(value)
        return {"text": _text(value, reasons.WHAT_FEE), "amount": amount, "unit": None}
    text = trim(value)
    if text is None:
        return None
    if len(text) > 2000:
        raise TransformError(reasons.FEE_TOO_LONG(length=len(text)))
    normal = unicodedata.normalize("NFKC", text).replace(",", "")
    matches = list(_FEE.finditer(normal))
    if len(matches) != 1 or _FEE_RANGE.search(normal):
        return {"text": text, "amount": None, "unit": None}
    m = matches[0]
    amount = Decimal(m.group("num")) * _UNIT_FACTOR[m.group("unit")]
    if amount >= MAX_YUAN:
        return {"text": text, "amount": None, "unit": None}
    return {"text": text, "amount": amount.quantize(CENT, rounding=ROUND_HALF_UP), "unit": m.group("per")}
