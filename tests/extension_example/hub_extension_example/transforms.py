"""Mapping transforms of the example extension."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from hub.errors import TransformError
from hub.mapping.registry import transform


@transform("fen_to_yuan")
def fen_to_yuan(value):
    """An amount in fen (分, integer hundredths of a yuan) → yuan."""
    try:
        fen = Decimal(str(value).strip())
    except InvalidOperation:
        raise TransformError(f"expected an amount in fen, got {value!r}") from None
    if fen != fen.to_integral_value():
        raise TransformError(f"expected whole fen, got {value!r}")
    return fen / 100
