"""Bounded request arguments: every number a client sends in a query string or body goes through
these fields, so none can overflow a database column (hub.web.urls does the same for path ids)."""

from __future__ import annotations

from marshmallow import fields, validate

from hub.web.urls import INT_MAX


def Int(*, minimum: int = 1, maximum: int = INT_MAX, **kwargs) -> fields.Integer:  # noqa: N802 (reads as a field class)
    """An integer within [minimum, maximum]; "1.5" or "1e3" is refused (not truncated)."""
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum), **kwargs)
