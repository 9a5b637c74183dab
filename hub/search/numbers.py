"""How the catalogue reads a number from a request: one grammar for the API's `min_value` and
`max_value` and for the number under the units of the search page's value filter
(`hub.web.ui.amounts`), so that the two accept the same numbers; and one for whole numbers (a page,
a page size, a job id), which Python's `int` would read the same forgiving way (`1_0`, `٥`, `+2`,
` 2 `, the full-width `５`).

A number is ASCII digits with an optional fraction: `850000`, `850000.50`. Python's `Decimal`, which
the API read them with, also takes an exponent (`1e-400`), underscores (`1_000`), a sign, spaces
around it and the digits of other scripts (`١٠٠٠`): the API answered those while the page refused
them. The page still reads what people type first — full-width digits, commas, spaces, a unit — and
then the number in it with this grammar.
"""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import fields

NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_NUMBER = re.compile(NUMBER)
EXPECTED = (
    "expected a number such as 850000 or 850000.50: digits and an optional decimal point, without sign, exponent, separators or spaces"
)


def is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def read_number(text: str) -> Decimal:
    """`text` as a Decimal; ValueError (saying `EXPECTED`) when it is not a number of the grammar."""
    if not is_number(text):
        raise ValueError(EXPECTED)
    return Decimal(text)


class Number(fields.Decimal):
    """A marshmallow Decimal whose text must be a number of the grammar (a value already a number,
    as a caller inside the hub may pass, is taken as it is)."""

    default_error_messages = {"grammar": EXPECTED}

    def _validated(self, value):
        if isinstance(value, str) and not is_number(value):
            raise self.make_error("grammar")
        return super()._validated(value)


WHOLE = re.compile(r"[0-9]+")
WHOLE_EXPECTED = "expected a whole number written in the digits 0-9, without sign, separators or spaces"


class WholeNumber(fields.Integer):
    """A marshmallow Integer whose text must be ASCII digits (an int, as a caller inside the hub may
    pass, is taken as it is)."""

    default_error_messages = {"digits": WHOLE_EXPECTED}

    def _validated(self, value):
        if isinstance(value, str) and WHOLE.fullmatch(value) is None:
            raise self.make_error("digits")
        return super()._validated(value)
