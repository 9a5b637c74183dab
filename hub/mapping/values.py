"""A raw value as the transforms read it: as text (a scalar only), as short normalised text to parse,
or as a Decimal, and quoted shortly in a reason. Shared by `hub.mapping.transforms` and
`hub.mapping.dates`."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from hub.errors import TransformError
from hub import reasons

#: Longest text a number, date or code may be; anything longer is garbage, not a value.
MAX_SCALAR_TEXT = 64


def short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def text_of(value, what: reasons.Reason) -> str:
    """A scalar as text, or an error for lists, dicts and booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TransformError(reasons.WRONG_TYPE(what=what(), type=type(value).__name__, value=short(value)))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def scalar_text(value, what: reasons.Reason) -> str:
    """Normalised short text for parsing: full-width digits and punctuation folded (NFKC)."""
    text = text_of(value, what)
    if len(text) > MAX_SCALAR_TEXT:
        raise TransformError(reasons.TOO_MUCH_TEXT(what=what(), length=len(text), value=short(text)))
    return unicodedata.normalize("NFKC", text).strip()


def decimal_of(value, what: reasons.Reason) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise TransformError(reasons.WRONG_TYPE(what=what(), type=type(value).__name__, value=short(value)))
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise TransformError(reasons.NOT_READ(what=what(), value=short(value))) from None
    if not number.is_finite():
        raise TransformError(reasons.NOT_FINITE(value=short(value)))
    return number
