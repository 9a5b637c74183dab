"""Option fields shared by several families' `options_schema`s."""

from __future__ import annotations

import codecs

from marshmallow import ValidationError, fields


def _known_encoding(value: str) -> None:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValidationError(f"unknown encoding {value!r}; expected a Python codec name such as gb18030 or utf-8") from None


def encoding_field():
    """`encoding:` — a per-network override that is tried before any declaration (design rule 7)."""
    return fields.String(load_default=None, validate=_known_encoding)
