"""The date transforms, `date` and `datetime`: every way the networks write a day or a moment —
ISO and Chinese dates, a day without separators, epoch milliseconds (the NRII model's JSON number),
an Excel serial day as text — read into ISO text or an aware datetime in China time, and the
placeholders and slips (epoch 0, epoch seconds, a serial day sent as a number) refused with a reason
that says what the value most likely is. docs/mapping.md documents both.
"""

from __future__ import annotations

import re
from datetime import date as _date, datetime as _datetime, timedelta, timezone

from hub import reasons
from hub.errors import TransformError
from hub.mapping.registry import transform
from hub.mapping.values import decimal_of as _decimal, scalar_text as _scalar_text, short as _short

#: The networks' local time: a date or a moment without an offset is China time.
LOCAL_TZ = timezone(timedelta(hours=8))

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
        raise TransformError(reasons.YEAR_OUT_OF_RANGE(year=year, first=MIN_YEAR, last=MAX_YEAR, value=_short(value)))


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
        ms = int(_decimal(ms, reasons.WHAT_EPOCH))
        when = _EPOCH + timedelta(milliseconds=ms)
    except (OverflowError, ValueError):
        raise TransformError(reasons.EPOCH_OUT_OF_RANGE(value=_short(value))) from None
    if abs(ms) < EPOCH_PLACEHOLDER_MS:
        raise TransformError(_refused_placeholder(value))
    if abs(ms) < MIN_EPOCH_MS:
        as_seconds = _EPOCH + timedelta(seconds=ms)
        raise TransformError(reasons.EPOCH_SECONDS(value=_short(value), day=as_seconds.astimezone(LOCAL_TZ).date().isoformat()))
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
        return reasons.NUMBER_AS_DATE(value=_short(value), detail=spelled)
    serial = _EXCEL_SERIAL.match(repr(value))
    if serial:
        try:
            day, seconds = _excel_serial(serial, value)
            _check_year(day.year, value)
        except TransformError:
            serial = None  # 1970-01-01 as a serial day too, or beyond the years taken: a placeholder
    if not serial:
        return reasons.PLACEHOLDER_DATE(value=_short(value))
    when = day.isoformat() + (f" {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds else "")
    advice = f'it looks like an Excel serial day, {when}: send it as the text "{_short(value)}" or as the date'
    return reasons.NUMBER_AS_DATE(value=_short(value), detail=f"{advice}{' and time' if seconds else ''} {when}")


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
        raise TransformError(reasons.PLACEHOLDER_SERIAL(value=_short(value)))
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
    text = _scalar_text(value, reasons.WHAT_DATE)
    for pattern, precision in ((_DAY, 3), (_COMPACT, 3), (_MONTH, 2), (_YEAR, 1)):
        m = pattern.match(text)
        if m:
            parts = [int(g) for g in m.groups()]
            _check_year(parts[0], value)
            if precision == 1:
                return f"{parts[0]:04d}"
            if not 1 <= parts[1] <= 12:
                raise TransformError(reasons.NO_MONTH(month=parts[1], value=_short(value)))
            if precision == 2:
                return f"{parts[0]:04d}-{parts[1]:02d}"
            if parts == [1970, 1, 1]:  # the day of epoch 0 and -1, written out as a date: as they are, a placeholder
                raise TransformError(reasons.PLACEHOLDER_DATE(value=_short(value)))
            try:
                return _date(*parts).isoformat()
            except ValueError:
                raise TransformError(reasons.IMPOSSIBLE_DATE(value=_short(value))) from None
    if _EPOCH_MS.match(text):
        return date(int(text))
    m = _EXCEL_SERIAL.match(text)
    if m:
        day, _ = _excel_serial(m, value)
        _check_year(day.year, value)
        return day.isoformat()
    raise TransformError(reasons.NOT_DATE(value=_short(value)))


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
        text = _scalar_text(value, reasons.WHAT_DATETIME)
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
                raise TransformError(reasons.NOT_TIME(value=_short(value)))
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
                raise TransformError(reasons.IMPOSSIBLE_TIME(value=_short(value))) from None
            if abs(when - _EPOCH) < timedelta(milliseconds=EPOCH_PLACEHOLDER_MS):
                # A database's default written out ("1970-01-01 08:00:00" is epoch 0 in China time):
                # the placeholder the same moment is as a number.
                raise TransformError(reasons.PLACEHOLDER_DATE(value=_short(value)))
    if not 1970 <= when.year <= MAX_YEAR:
        raise TransformError(reasons.YEAR_OUT_OF_RANGE(year=when.year, first=1970, last=MAX_YEAR, value=_short(value)))
    return when
