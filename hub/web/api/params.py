"""Bounded request arguments: every number a client sends in a query string or body goes through
these fields, so none can overflow a database column (hub.web.urls does the same for path ids)."""

from __future__ import annotations

from marshmallow import fields, validate

from hub.search.numbers import WholeNumber
from hub.web.urls import INT_MAX


def Int(*, minimum: int = 1, maximum: int = INT_MAX, **kwargs) -> fields.Integer:  # noqa: N802 (reads as a field class)
    """An integer within [minimum, maximum], in ASCII digits: "1.5", "1e3", "1_0", "٥" or " 2 " is
    refused (not truncated, not read as Python's int would)."""
    return WholeNumber(validate=validate.Range(min=minimum, max=maximum), **kwargs)
