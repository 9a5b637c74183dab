"""The OpenAPI document says what the API really answers: every error is an RFC 9457 problem document
(application/problem+json), and every status a route can give is listed — none hidden behind a
catch-all `default`, so tests/api/test_api_properties.py (schemathesis) fails on any status the
document does not name.

Statuses every operation can give, added here once rather than on each view:
* 400 — a repeated or unknown query parameter, a control character in the URL (hub.web.urls);
* 404 — an operation with a path parameter: nothing under that id;
* 401 and 403 — an operation whose view requires a role (hub.auth.web).
"""

from __future__ import annotations

from apispec import BasePlugin
from marshmallow import Schema, fields

from hub.web.errors import PROBLEM_JSON


class ParameterProblem(Schema):
    parameter = fields.String()
    # "in" is a Python keyword: the attribute has another name, the document the real one
    in_ = fields.String(data_key="in")
    messages = fields.List(fields.String())


class Problem(Schema):
    """An RFC 9457 problem document; some carry extension members (a withdrawn record's `tombstone`,
    a batch error's `line` and `column`, a size `limit`)."""

    class Meta:
        unknown = "include"

    type = fields.String(metadata={"description": "/problems/<kind> or about:blank"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String(allow_none=True)
    instance = fields.String()
    errors = fields.List(fields.Nested(ParameterProblem), metadata={"description": "with 400: every bad parameter"})


_PHRASES = {
    400: "Bad request: a parameter is invalid, repeated or unknown, or the URL holds a control character",
    401: "No valid bearer token: missing, malformed, unknown, revoked or expired",
    403: "The token's role (or network) does not allow this",
    404: "Not found",
}


class ProblemResponses(BasePlugin):
    """apispec plugin: error responses carry the problem schema under application/problem+json, and
    the statuses above are added to every operation that can give them."""

    def __init__(self, protected):
        self._protected = protected  # (werkzeug rule, method) → does the view require a role?

    def init_spec(self, spec):
        spec.components.schema("Problem", schema=Problem)

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("default", None)
            wanted = [400]
            if "{" in (path or ""):
                wanted.append(404)
            if kwargs.get("rule") is not None and self._protected(kwargs["rule"], method):
                wanted += [401, 403]
            for status in wanted:
                responses.setdefault(status, {"description": _PHRASES[status]})
            for status, response in list(responses.items()):
                if int(status) >= 400:
                    if not isinstance(response, dict):
                        response = {"description": _PHRASES.get(int(status), "Error")}
                    response = dict(response)
                    response["content"] = {PROBLEM_JSON: {"schema": "Problem"}}
                    responses[status] = response
