"""The JSON API under /api/v1 (flask-smorest): OpenAPI 3 at /api/openapi.json, Swagger UI at
/api/docs served from hub/web/static/apidocs (no CDN: the machines are offline).

Request arguments are refused, not ignored, when unknown (schemas RAISE; the parser keeps their
`unknown` setting for the query string) and a bad one is a 400, never webargs' default 422.
"""

from __future__ import annotations

import flask_smorest
from flask import request
from marshmallow import RAISE, Schema
from webargs.core import is_json
from webargs.flaskparser import FlaskParser

from hub.web.errors import Problem

API_VERSION = "v1"

#: What a view guarded by `@require("admin")` answers when the token is wrong (documented, not enforced, here).
ADMIN_DENIED = ((401, "No valid admin bearer token"), (403, "The token's role is not admin"))


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400
    # None: let each schema's own Meta.unknown (RAISE) decide, for the query string too.
    DEFAULT_UNKNOWN_BY_LOCATION = {k: None for k in FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION}

    def _raw_load_json(self, req):
        # webargs reads a body of another type as no body at all: {"full": true} sent as text/plain
        # (or as curl -d's form) queued an incremental harvest, 202, instead of the full one asked for.
        if not is_json(req.mimetype) and _has_body(req):
            raise Problem(
                415,
                f"the body is {req.mimetype or 'of no declared type'}; send it as JSON (Content-Type: application/json)",
                accepted=["application/json"],
            )
        return super()._raw_load_json(req)


def _has_body(req) -> bool:
    return bool(req.content_length) or "chunked" in req.headers.get("Transfer-Encoding", "").lower()


class NoQuery(Schema):
    """The query of a view that takes no parameter: any is unknown, and refused like any unknown one
    (`stats?network=110000` answered the national figures, as if filtered)."""

    class Meta:
        unknown = RAISE


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _Parser()

    def __init__(self, *args, denied=ADMIN_DENIED, **kwargs):
        super().__init__(*args, **kwargs)
        self.denied = denied
        self.before_request(_refuse_repeated_parameters)

    def no_query(self):
        """Declare that a view takes no query parameter (`NoQuery`)."""
        return self.arguments(NoQuery, location="query", as_kwargs=True)

    def documented(self, *statuses):
        """Document a guarded view's answers: the blueprint's refusals (the guard itself is
        `@require`, hub/auth) and the view's own error statuses."""

        def decorate(view):
            for status, text in (*self.denied, *statuses):
                view = self.alt_response(status, description=text)(view)
            return view

        return decorate


def _refuse_repeated_parameters():
    # Every parameter of this API takes one value; `page=1&page=9` is a mistake, not a choice.
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if repeated:
        raise Problem(
            400,
            f"invalid parameter {', '.join(repeated)}: given more than once",
            "invalid-parameter",
            errors=[{"parameter": k, "in": "query", "messages": ["given more than once"]} for k in repeated],
        )


def is_api_blueprint(bp) -> bool:
    return isinstance(bp, flask_smorest.Blueprint)


class Api(flask_smorest.Api):
    # No catch-all `default` response: every status an operation gives is named (hub.web.api.document).
    DEFAULT_ERROR_RESPONSE_NAME = None


def _requires_role(app):
    def protected(rule, method) -> bool:
        from hub.auth.web import access_of

        access = access_of(app, rule.endpoint)
        return access is None or access.roles is not None

    return protected


def init_app(app) -> flask_smorest.Api:
    app.config.setdefault("API_TITLE", "National instrument-sharing hub")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/static/apidocs/")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "The national catalogue of large scientific instruments shared by the provincial networks. "
                "Errors are RFC 9457 problem documents (application/problem+json)."
            },
        },
    )
    from hub.web.api.document import ProblemResponses

    return Api(app, spec_kwargs={"extra_plugins": [ProblemResponses(_requires_role(app))]})
