"""The built-in transforms: every name a mapping file may use under `transform:`.

Each is a pure function ``(value, **options) -> value`` registered in `hub.mapping.registry`. The engine
only calls a transform with a present value (not None, not blank text), so transforms never need to
handle "missing"; they return None for known spellings of "no value". docs/mapping.md lists them all,
and a test fails when one is missing there.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date as _date, datetime as _datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import pycountry
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from hub.errors import TransformError
from hub.mapping import codes
from hub.mapping.places import ALPHA_2, COUNTRY_NAMES, DIVISIONS
from hub.mapping.registry import Option, transform

CENT = Decimal("0.01")
#: Larger than any instrument (the store's column holds 14 integer digits).
MAX_YUAN = Decimal("1e13")
#: A bare amount grouped in thousands at least this large is read as yuan whatever the column's unit (`money`).
GROUPED_YUAN_FROM = Decimal(100_000)
#: Longest text a number, date or code may be; anything longer is garbage, not a value.
MAX_SCALAR_TEXT = 64
LOCAL_TZ = timezone(timedelta(hours=8))

# C0/C1 control characters (except tab and newline) and zero-width characters are dropped.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_HSPACE = re.compile(r"[^\S\n]+")
_SPACED_NEWLINES = re.compile(r" ?\n[\s]*")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _text(value, what: str) -> str:
    """A scalar as text, or an error for lists, dicts and booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TransformError(f"expected {what}, got {type(value).__name__} {_short(value)}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _scalar_text(value, what: str) -> str:
    """Normalised short text for parsing: full-width digits and punctuation folded (NFKC)."""
    text = _text(value, what)
    if len(text) > MAX_SCALAR_TEXT:
        raise TransformError(f"expected {what}, got {len(text)} characters of text {_short(text)}")
    return unicodedata.normalize("NFKC", text).strip()


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
    text = _text(value, "text")
    if _INVISIBLE.search(text):  # rare: only then pay for the substitution
        text = _INVISIBLE.sub("", text)
    if keep_newlines:
        text = _SPACED_NEWLINES.sub("\n", _HSPACE.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))).strip()
    else:
        text = " ".join(text.split())
    if not text:
        return None
    if max_length is not None and len(text) > max_length:
        raise TransformError(f"text of {len(text)} characters is longer than {max_length}: {_short(text)}")
    return text


@transform("upper")
def upper(value):
    """Text in upper case (codes sent in lower case)."""
    return _text(value, "text").upper()


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
        raise TransformError(f"expected text or a list, got {type(value).__name__} {_short(value)}")
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


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise TransformError(f"expected {what}, got {type(value).__name__} {_short(value)}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise TransformError(f"expected {what}, got {_short(value)}") from None
    if not number.is_finite():
        raise TransformError(f"expected a finite number, got {_short(value)}")
    return number


@transform("money", bare_unit=Option(str, default="yuan", choices=("yuan", "wanyuan"), help="what a number without unit means"))
def money(value, bare_unit="yuan"):
    """An amount → Decimal yuan with 2 places (half up). Reads `68.5万元`, `685000元`, `685,000`,
    `约70万元`, `1.2e5`, full-width digits, numeric strings and JSON numbers; a number without unit is in
    `bare_unit` (`yuan` or `wanyuan`). Negative, non-finite or absurdly large amounts are errors."""
    if isinstance(value, str):
        raw = _scalar_text(value, "an amount of money")
        text = raw.replace(",", "").replace(" ", "")
        m = _MONEY.match(text)
        if not m:
            raise TransformError(f"expected an amount such as 68.5万元 or 685000元, got {_short(value)}")
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
        number, factor = _decimal(value, "an amount of money"), _BARE[bare_unit]
    if number < 0:
        raise TransformError(f"amount must not be negative, got {_short(value)}")
    yuan = abs(number) * factor  # abs: "-0" is 0.00 yuan, not -0.00
    if yuan >= MAX_YUAN:
        raise TransformError(f"amount {_short(value)} is implausibly large")
    return yuan.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value, what):
    if isinstance(value, str):
        value = _scalar_text(value, what).replace(",", "")
    number = _decimal(value, what)
    if number < 0:
        raise TransformError(f"expected {what}, got a negative value {_short(value)}")
    return number


@transform("number")
def number(value):
    """A non-negative number (hours) → float; numeric strings with commas are read."""
    n = _number(value, "a non-negative number")
    if n > 10**9:
        raise TransformError(f"number {_short(value)} is implausibly large")
    return float(n)


@transform("decimal")
def decimal_amount(value):
    """A non-negative amount in whatever currency the column states → Decimal to 2 places, unconverted
    (`12,500` → 12500.00). For `value_foreign.amount`; yuan amounts go through `money`."""
    n = _number(value, "a non-negative amount")
    if n > 10**13:
        raise TransformError(f"amount {_short(value)} is implausibly large")
    return n.quantize(Decimal("0.01"))


@transform("integer")
def integer(value):
    """A non-negative whole number (counts of services or samples) → int; `96.0` is 96, `96.5` an error."""
    n = _number(value, "a non-negative whole number")
    if n != n.to_integral_value():
        raise TransformError(f"expected a whole number, got {_short(value)}")
    if n > 10**12:
        raise TransformError(f"count {_short(value)} is implausibly large")
    return int(n)


# --------------------------------------------------------------------------- dates

_DAY = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EPOCH_MS = re.compile(r"^\d{11,13}$")
#: An Excel serial day as text: a CSV saved from a General-formatted date cell, or a vendor's export
#: tool writing the cell's number (POI's getNumericCellValue: 41456.0), with the time as a fraction.
#: Five digits are 1927-05-18 to 2173; no other date form has five digits. A JSON number stays epoch
#: milliseconds, as the NRII model specifies.
_EXCEL_SERIAL = re.compile(r"^(\d{5})(\.\d+)?$")
_EXCEL_DAY_0 = _date(1899, 12, 30)  # Excel's 1900 leap-year error shifts every serial above 60 by one
MIN_YEAR, MAX_YEAR = 1900, 2100


def _check_year(year: int, value):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise TransformError(f"year {year} out of range {MIN_YEAR}–{MAX_YEAR} in {_short(value)}")


#: Epoch milliseconds this close to 0 are a placeholder (0, -1, -1000 …: "not filled in"), not a moment
#: on 1970-01-01; like `0000-00-00` they are an error, so the field is dropped with a warning.
EPOCH_PLACEHOLDER_MS = 86_400_000
#: Epoch milliseconds must have eleven digits or more (from 1970-04-27 on, or before 1969-09-07), as
#: their text must (`_EPOCH_MS`): ten digits or fewer is epoch *seconds* sent where milliseconds are
#: specified (1378952521 would read as 1970-01-17, a date inside the years accepted and 43 years off).
MIN_EPOCH_MS = 10**10
_EPOCH = _datetime(1970, 1, 1, tzinfo=timezone.utc)


def _from_epoch_ms(ms, value) -> _datetime:
    try:
        ms = int(_decimal(ms, "epoch milliseconds"))
        when = _EPOCH + timedelta(milliseconds=ms)
    except (OverflowError, ValueError):
        raise TransformError(f"epoch milliseconds out of range: {_short(value)}") from None
    if abs(ms) < EPOCH_PLACEHOLDER_MS:
        raise TransformError(_refused_placeholder(value))
    if abs(ms) < MIN_EPOCH_MS:
        as_seconds = _EPOCH + timedelta(seconds=ms)
        raise TransformError(
            f"{_short(value)} looks like epoch seconds ({as_seconds.astimezone(LOCAL_TZ).date().isoformat()}), "
            "where epoch milliseconds are expected; not read"
        )
    return when.astimezone(LOCAL_TZ)


def _refused_placeholder(value) -> str:
    """Why the number `value`, within a day of epoch 0, is refused. Five digits are most likely an
    Excel serial day sent as a number (41456 is 2013-07-01): the reason says so and how to send it,
    as text or as a date, but it is not taken — a JSON number is epoch milliseconds by the NRII
    model, and the province should fix its export rather than have us guess every number. Four or
    eight digits that are a year or a day written without separators (2011, 20110615) are said to be
    that, for the same reason."""
    spelled = _spelled_date(value)
    if spelled:
        return f"{_short(value)} sent as a number is read as epoch milliseconds, 1970-01-01 (a placeholder), not a date; {spelled}"
    serial = _EXCEL_SERIAL.match(repr(value))
    if serial:
        try:
            day, seconds = _excel_serial(serial, value)
            _check_year(day.year, value)
        except TransformError:
            serial = None  # 1970-01-01 as a serial day too, or beyond the years taken: a placeholder
    if not serial:
        return f"{_short(value)} is a placeholder (epoch 1970-01-01), not a date"
    when = day.isoformat() + (f" {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds else "")
    return (
        f"{_short(value)} sent as a number is read as epoch milliseconds, 1970-01-01 (a placeholder), not a date; "
        f'it looks like an Excel serial day, {when}: send it as the text "{_short(value)}" or as the date'
        f"{' and time' if seconds else ''} {when}"
    )


#: Digits a date's text may be that a province's export may send as a JSON number instead (a year
#: column typed as a number, 20110615 from a numeric cell), with what the reason calls them.
_SPELLED = ((_YEAR, "the year"), (_COMPACT, "the day"))


def _spelled_date(value) -> str | None:
    """What an integer within a day of epoch 0 says, when its digits are a date `date` reads as text."""
    if isinstance(value, float) and not value.is_integer():
        return None
    digits = str(int(value))
    for pattern, what in _SPELLED:
        if pattern.match(digits):
            try:
                read = date(digits)
            except TransformError:
                return None  # 86399999: no year 8639
            written = f" or as the date {read}" if read != digits else ""  # a year is its own text
            return f'it looks like {what} {read}: send it as the text "{digits}"{written}'
    return None


def _excel_serial(m: re.Match, value) -> tuple[_date, int]:
    """(day, seconds into it) of an Excel serial (`_EXCEL_SERIAL`'s match); the epoch's day is the
    placeholder it is in every other spelling."""
    day = _EXCEL_DAY_0 + timedelta(days=int(m.group(1)))
    if day == _date(1970, 1, 1):
        raise TransformError(f"{_short(value)} is a placeholder (epoch 1970-01-01 as an Excel serial day), not a date")
    return day, round(float("0" + (m.group(2) or "")) * 86_400)


@transform("date")
def date(value):
    """A date → ISO text keeping its precision: `2011-06-15`, `2011/6/15`, `2011.6.15`, `2011年6月15日`,
    `20110615` → day; `2011-06`, `2011年6月` → `2011-06`; `2011`, `2011年` → `2011`; epoch
    milliseconds → the day in China time; an Excel serial day as text (`41456`, `41456.0`) → that
    day. Impossible dates (2011-02-30, month 13), `0000-00-00`,
    epoch placeholders (0, -1: within a day of 1970-01-01; as text, 1970-01-01) and epoch seconds
    (ten digits or fewer) are errors."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        when = _from_epoch_ms(value, value)
        _check_year(when.year, value)
        return when.date().isoformat()
    text = _scalar_text(value, "a date")
    for pattern, precision in ((_DAY, 3), (_COMPACT, 3), (_MONTH, 2), (_YEAR, 1)):
        m = pattern.match(text)
        if m:
            parts = [int(g) for g in m.groups()]
            _check_year(parts[0], value)
            if precision == 1:
                return f"{parts[0]:04d}"
            if not 1 <= parts[1] <= 12:
                raise TransformError(f"no month {parts[1]} in {_short(value)}")
            if precision == 2:
                return f"{parts[0]:04d}-{parts[1]:02d}"
            if parts == [1970, 1, 1]:  # the day of epoch 0 and -1, written out as a date: as they are, a placeholder
                raise TransformError(f"{_short(value)} is a placeholder (epoch 1970-01-01), not a date")
            try:
                return _date(*parts).isoformat()
            except ValueError:
                raise TransformError(f"impossible date {_short(value)}") from None
    if _EPOCH_MS.match(text):
        return date(int(text))
    m = _EXCEL_SERIAL.match(text)
    if m:
        day, _ = _excel_serial(m, value)
        _check_year(day.year, value)
        return day.isoformat()
    raise TransformError(f"expected a date such as 2011-06-15, 2011-06 or 2011年6月, got {_short(value)}")


_DATETIME = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


@transform("datetime")
def datetime(value):
    """A moment → timezone-aware datetime: `2013-09-12 10:22:01` (China time, UTC+8, when no offset is
    given), `2013-09-12T02:22:01Z`, `…+08:00`, a bare date (midnight China time), epoch
    milliseconds as a number or digits (an epoch placeholder such as 0 or -1 is an error, as in `date`,
    and so is the same moment as text: within a day of 1970-01-01T00:00Z), an Excel serial day as text
    (`45292.4166`, China time)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        when = _from_epoch_ms(value, value)
    else:
        text = _scalar_text(value, "a date and time")
        serial = _EXCEL_SERIAL.match(text)
        if _EPOCH_MS.match(text):
            when = _from_epoch_ms(int(text), value)
        elif serial:
            # Excel keeps no time zone: the time of day is the province's, China time.
            day, seconds = _excel_serial(serial, value)
            when = _datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ) + timedelta(seconds=seconds)
        else:
            m = _DATETIME.match(text)
            if not m:
                raise TransformError(f"expected a time such as 2013-09-12 10:22:01, got {_short(value)}")
            y, mo, d, h, mi, s, frac, offset = m.groups()
            tz = LOCAL_TZ
            if offset == "Z":
                tz = timezone.utc
            elif offset:
                sign = -1 if offset[0] == "-" else 1
                digits = offset[1:].replace(":", "")
                tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
            try:
                when = _datetime(
                    int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), int((frac or "0").ljust(6, "0")), tzinfo=tz
                )
            except ValueError:
                raise TransformError(f"impossible date or time {_short(value)}") from None
            if abs(when - _EPOCH) < timedelta(milliseconds=EPOCH_PLACEHOLDER_MS):
                # A database's default written out ("1970-01-01 08:00:00" is epoch 0 in China time):
                # the placeholder the same moment is as a number.
                raise TransformError(f"{_short(value)} is a placeholder (epoch 1970-01-01), not a date")
    if not 1970 <= when.year <= MAX_YEAR:
        raise TransformError(f"year {when.year} out of range 1970–{MAX_YEAR} in {_short(value)}")
    return when


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
        raise TransformError(f"expected a {table} value, got {type(value).__name__} {_short(value)}")
    try:
        return entries[codes.vocab_key(value)]
    except KeyError:
        allowed = "、".join(codes.tables().vocabulary_spellings[table])
        raise TransformError(f"unknown {table} value {_short(value)}; expected one of: {allowed}") from None


@transform("country")
def country(value):
    """Country of origin → ISO 3166-1 alpha-2: Chinese names (pycountry's zh_CN names plus the aliases in
    `mappings/codes/countries.yaml`: 中国台湾 → TW, 美国 → US …), alpha-2 or alpha-3 codes in any case.
    `进口` (imported, origin unknown) and similar → None. Anything else is an error."""
    text = _scalar_text(value, "a country")
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
    raise TransformError(f"unknown country {_short(value)}; expected a Chinese country name or an ISO 3166 code")


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
    text = _scalar_text(value, "a category")
    table = codes.tables().categories
    if text.isdigit():
        code = text.ljust(6, "0") if len(text) in (2, 4) else text
        if len(code) == 6 and code not in table and code[:4] + "00" in table:
            code = code[:4] + "00"
        if code in table:
            return code
        raise TransformError(f"unknown category code {_short(value)}; not in the national classification")
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
            raise TransformError(f"category name {_short(value)} is ambiguous ({', '.join(found)}); send 大类 / 中类")
    raise TransformError(f"unknown category {_short(value)}; expected a code or a name of the national classification")


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
        value = "".join(_text(v, "text") for v in value if v is not None)
    text = _text(value, "a region code or name")
    if len(text) > 200:
        raise TransformError(f"expected a region, got {len(text)} characters of text {_short(text)}")
    return dict(_region(unicodedata.normalize("NFKC", text).strip(), default_province))


@lru_cache(maxsize=16384)
def _region(text: str, default_province):
    # Cached: a network has a few hundred distinct locations across thousands of instruments.
    if text.isdigit():
        code = text.ljust(6, "0") if len(text) in (2, 4) else text
        if code in DIVISIONS.by_code:
            return tuple(DIVISIONS.region(code).items())
        raise TransformError(f"unknown GB/T 2260 division code {text!r}")
    code = DIVISIONS.parse(text, default_province) or (default_province and DIVISIONS.parse(text))
    if not code:
        raise TransformError(f"no GB/T 2260 division named in {_short(text)}")
    return tuple(DIVISIONS.region(code).items())


@transform("credit_code", on_error="drop")
def credit_code(value):
    """Unified social credit code (GB 32100) → the 18 characters, upper case, check character verified.
    An invalid code is dropped with a warning; it never rejects the instrument."""
    text = _scalar_text(value, "a credit code").upper().replace(" ", "").replace("-", "")
    try:
        return uscc.validate(text)
    except StdnumError as exc:
        raise TransformError(f"invalid unified social credit code {_short(value)}: {exc}") from None


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
        return {"text": _text(value, "a fee"), "amount": amount, "unit": None}
    text = trim(value)
    if text is None:
        return None
    if len(text) > 2000:
        raise TransformError(f"fee text of {len(text)} characters is too long")
    normal = unicodedata.normalize("NFKC", text).replace(",", "")
    matches = list(_FEE.finditer(normal))
    if len(matches) != 1 or _FEE_RANGE.search(normal):
        return {"text": text, "amount": None, "unit": None}
    m = matches[0]
    amount = Decimal(m.group("num")) * _UNIT_FACTOR[m.group("unit")]
    if amount >= MAX_YUAN:
        return {"text": text, "amount": None, "unit": None}
    return {"text": text, "amount": amount.quantize(CENT, rounding=ROUND_HALF_UP), "unit": m.group("per")}
