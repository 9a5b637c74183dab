"""The one error handler: JSON problem documents (RFC 9457) under /api/, a line of text for the
machine paths (OAI-PMH, probes, metrics), HTML pages elsewhere.

Whatever went wrong — an unknown or bad parameter (marshmallow/webargs), an abort(), a `Problem`
raised by a view, an unexpected exception — is turned into (status, title, detail, errors, extra)
once, then rendered for the audience of the path. A 400 names every bad parameter in `errors`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import current_app, render_template, request
from jinja2 import TemplateNotFound
from marshmallow import ValidationError
from markupsafe import escape
from sqlalchemy import exc as sa
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: The store not answering (down, restarting, its connections cut, the pool exhausted): a passing
#: state of the deployment, not a bug of the request. Answered 503 with a Retry-After, so that load
#: balancers, clients and crawlers come back, and logged on one line, not a traceback per request.
UNAVAILABLE = (sa.OperationalError, sa.TimeoutError)
RETRY_AFTER_S = 30

#: Paths that programs read which are no JSON API clients — OAI-PMH harvesters, an orchestrator's
#: probes, Prometheus: their errors (a PUT, an oversized body, a store down) are one line of plain text
#: rather than a page of the site with its menus. OAI-PMH's own errors (badVerb …) are XML from its view.
PLAIN_TEXT_PATHS = frozenset({"/oai", "/oai/", "/healthz", "/readyz", "/metrics"})


class Problem(Exception):
    """An error a view answers on purpose, with extension members (RFC 9457 §3.2), e.g. a tombstone."""

    def __init__(self, status: int, detail: str, type_: str | None = None, **extensions):
        super().__init__(detail)
        self.status, self.detail, self.type, self.extensions = status, detail, type_, extensions


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _flatten(messages, location: str | None) -> list[dict]:
    """webargs / marshmallow messages → [{"parameter", "in", "messages"}], one entry per parameter."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("query", "json", "form", "headers", "cookies", "files", "path") and isinstance(value, dict) and location is None:
                out.extend(_flatten(value, key))
            else:
                texts = value if isinstance(value, list) else [value]
                if texts and isinstance(texts[0], dict):  # nested field: report the outer name
                    texts = [str(t) for t in texts]
                out.append(
                    {"parameter": "(request)" if key == "_schema" else key, "in": location or "query", "messages": [str(t) for t in texts]}
                )
    elif messages:
        out.append(
            {
                "parameter": "(request)",
                "in": location or "query",
                "messages": [str(m) for m in (messages if isinstance(messages, list) else [messages])],
            }
        )
    return out


def describe(exc: BaseException) -> dict:
    """Any exception → the fields of a problem document."""
    if isinstance(exc, Problem):
        return {
            "status": exc.status,
            "title": _title(exc.status),
            "detail": exc.detail,
            "type": exc.type,
            "errors": exc.extensions.pop("errors", None),
            "extra": exc.extensions,
        }
    if isinstance(exc, ValidationError):
        errors = _flatten(exc.messages, None)
        return {
            "status": 400,
            "title": _title(400),
            "detail": _invalid_detail(errors),
            "type": "invalid-parameter",
            "errors": errors,
            "extra": {},
        }
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")
        if messages is not None or status == 422:  # webargs: a request argument failed validation
            errors = _flatten(messages or {}, None)
            return {
                "status": 400,
                "title": _title(400),
                "detail": _invalid_detail(errors),
                "type": "invalid-parameter",
                "errors": errors,
                "extra": {},
            }
        detail = data.get("message") or exc.description
        return {"status": status, "title": _title(status), "detail": detail, "type": None, "errors": None, "extra": {}}
    if isinstance(exc, UNAVAILABLE):
        return {
            "status": 503,
            "title": _title(503),
            "detail": "The catalogue's database does not answer at the moment; try again shortly.",
            "type": None,
            "errors": None,
            "extra": {},
        }
    return {
        "status": 500,
        "title": _title(500),
        "detail": "The server failed to answer this request; the error has been logged.",
        "type": None,
        "errors": None,
        "extra": {},
    }


def _invalid_detail(errors: list[dict]) -> str:
    if not errors:
        return "The request is not valid."
    names = ", ".join(e["parameter"] for e in errors)
    first = errors[0]
    return f"invalid parameter {names}: {first['messages'][0] if first['messages'] else 'not valid'}"


def problem_document(info: dict) -> dict:
    doc = {
        "type": f"/problems/{info['type']}" if info.get("type") else "about:blank",
        "title": info["title"],
        "status": info["status"],
        "detail": info["detail"],
        "instance": request.full_path.rstrip("?"),
    }
    if info.get("errors"):
        doc["errors"] = info["errors"]
    doc.update(info.get("extra") or {})
    return doc


def wants_json() -> bool:
    return request.path.startswith("/api/")


def handle(exc: BaseException):
    if not isinstance(exc, (HTTPException, ValidationError, Problem)):
        if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
            raise exc
        if isinstance(exc, UNAVAILABLE):
            log.warning("store unavailable on %s %s: %s", request.method, request.path, str(exc).splitlines()[0])
        else:
            log.exception("unhandled error on %s %s", request.method, request.path)
    info = describe(exc)
    # WWW-Authenticate, Allow, Retry-After
    headers = dict(exc.get_headers()) if isinstance(exc, HTTPException) and info["status"] in (401, 405, 503) else {}
    if isinstance(exc, UNAVAILABLE):
        headers["Retry-After"] = str(RETRY_AFTER_S)
    headers.pop("Content-Type", None)
    if wants_json():
        response = current_app.json.response(problem_document(info))
        response.status_code = info["status"]
        response.content_type = PROBLEM_JSON
        response.headers.update(headers)
        return response
    if request.path in PLAIN_TEXT_PATHS:
        line = f"{info['status']} {info['title']}: {info['detail'] or ''}".rstrip(": ")
        return line + "\n", info["status"], {"Content-Type": "text/plain; charset=utf-8", **headers}
    try:
        body = render_template(
            "error.html",
            code=info["status"],
            title=info["title"],
            message=info["detail"],
            error=exc if isinstance(exc, HTTPException) else None,
            errors=info.get("errors"),
        )
    except TemplateNotFound:
        body = (
            f"<!doctype html><title>{info['status']} {escape(info['title'])}</title>"
            f"<h1>{escape(info['title'])}</h1><p>{escape(info['detail'] or '')}</p>"
        )
    return body, info["status"], {"Content-Type": "text/html; charset=utf-8", **headers}


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(ValidationError, handle)
    app.register_error_handler(Problem, handle)
    app.register_error_handler(Exception, handle)
