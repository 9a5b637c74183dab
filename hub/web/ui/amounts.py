"""Money typed into the value filter → yuan, the unit hub.search filters in.

Pages show values in 万元, so that is what a bare number means: "50" is 50 万元. People also type
the unit ("50万", "0.5亿", "80万元", "500000元"), or copy a yuan figure ("500,000"): a bare number
of 100,000 or more is read as yuan, since 100,000 万元 (10 亿元) is beyond any one instrument
while 100,000 yuan is where 大型仪器 begin. The chip over the results shows how it was read.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from hub.search.numbers import NUMBER, read_number

UNITS = {
    "": None,
    "万": Decimal(10_000),
    "万元": Decimal(10_000),
    "w": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "亿元": Decimal(100_000_000),
    "元": Decimal(1),
    "yuan": Decimal(1),
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "bn": Decimal(1_000_000_000),
}
BARE_YUAN_FROM = Decimal(100_000)
# The number is read as the API reads one (hub.search.numbers); the unit is what follows it.
_AMOUNT = re.compile(rf"^(?P<n>{NUMBER})(?P<unit>[^\d.]*)$")


class AmountError(ValueError):
    """The text is not an amount; the page says so in its language."""


def to_yuan(text: str) -> Decimal:
    """'50万' → 500000; '0.5亿' → 50000000; '500,000' → 500000; '50' → 500000 (万元)."""
    clean = unicodedata.normalize("NFKC", text).strip().lower().replace(",", "").replace(" ", "").replace("¥", "")
    m = _AMOUNT.match(clean)
    if not m or m.group("unit") not in UNITS:
        raise AmountError(text)
    number = read_number(m.group("n"))
    unit = UNITS[m.group("unit")]
    if unit is None:
        unit = Decimal(1) if number >= BARE_YUAN_FROM else Decimal(10_000)
    try:
        return (number * unit).quantize(Decimal("0.01"))
    except InvalidOperation:
        # More digits than decimal arithmetic carries (28): no amount anyone means, and the page's
        # answer to it was a 500.
        raise AmountError(text) from None
