"""What every URL must be before a view sees it: numbers within the database's range, no control
characters. One place for the whole class of "a client-chosen number or byte reached the database
or a header and answered 500":

* `<int:…>` in every route is `BoundedInt`: digits beyond INT_MAX do not match the route (404),
  so no id a client types can overflow an INTEGER column on PostgreSQL or SQLite;
* a path or query string holding a control character (NUL, CR, LF, ESC …; a tab is allowed) or a
  non-character (U+FFFE, U+FFFF) is a 400 before routing to any view: such bytes are in no id, code,
  date or search word the hub serves, and PostgreSQL, XML and HTTP headers cannot hold them.
  A blueprint may answer `ControlCharacters` in its own protocol (OAI-PMH answers `badArgument`);
* a query argument whose percent-encoded bytes are not UTF-8 (`q=%FF`, GBK bytes, a character cut
  short) is a 400 too: werkzeug keeps such bytes as the text `%FF`, so a view would otherwise search
  for, or look up, something the client never sent.

Query arguments that are numbers go through hub.web.api.params (bounded marshmallow fields).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

#: The largest id any route accepts: PostgreSQL's INTEGER, the smallest id column type in the store.
INT_MAX = 2**31 - 1
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f\ufffe\uffff]")


class BoundedInt(IntegerConverter):
    """Werkzeug's int converter with max defaulting to INT_MAX (a larger number does not match)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class ControlCharacters(BadRequest):
    """The URL holds a character no request of the hub may carry."""


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def refuse_control_characters():
    """before_request: 400 for a control character anywhere in the path or the query arguments."""
    if has_control(request.path):
        raise ControlCharacters("the path holds a control character (such as NUL, CR or LF); remove it")
    for key, value in request.args.items(multi=True):
        if has_control(key) or has_control(value):
            name = key if not has_control(key) else "(a parameter name)"
            raise _refusal(name, "it holds a control character (such as NUL, CR or LF); remove it")
    return None


def _refusal(name: str, message: str) -> ControlCharacters:
    """The 400 for query argument `name`, shaped as webargs' refusals are, so that the problem's
    `errors` names the parameter as every other invalid parameter's does."""
    refusal = ControlCharacters(f"invalid parameter {name}: {message}")
    refusal.data = {"messages": {"query": {name: [message]}}}
    return refusal


def _not_utf8(query_string: bytes) -> str | None:
    """The name of the first query argument whose bytes are not UTF-8, or None."""
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return "(a parameter name)"
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return unquote_to_bytes(name).decode("utf-8")
    return None


def refuse_bytes_not_utf8():
    """before_request: 400 for a query argument that is not percent-encoded UTF-8."""
    name = _not_utf8(request.query_string) if b"%" in request.query_string else None
    if name is None:
        return None
    raise _refusal(
        name, "its bytes are not UTF-8 (such as %FF, or GBK); percent-encode the UTF-8 bytes of the text, e.g. %E6%B6%B2%E7%9B%B8 for 液相"
    )


def init_app(app) -> None:
    """Before any blueprint is registered: the converter is bound when a rule is added."""
    app.url_map.converters["int"] = BoundedInt
    app.before_request(refuse_control_characters)
    app.before_request(refuse_bytes_not_utf8)
