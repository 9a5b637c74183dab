"""The feed API: provinces push batches; admins read the audit log and decide withdrawal holds.

    POST /api/v1/networks/{code}/batches?mode=upsert|delete|snapshot   publisher of {code} (or admin)
         ?kind=service&year=2012                                        service statistics
    GET  /api/v1/networks/{code}/batches                                recent batches of {code}
    GET  /api/v1/networks/{code}/batches/{id}                           a batch report
    GET  /api/v1/audit                                                  admin
    GET  /api/v1/holds[?state=held|confirmed|rejected|superseded|all]   admin
    GET  /api/v1/holds/{id}                                             admin
    POST /api/v1/holds/{id}/confirm | /reject                           admin

App config: FEED_LIMITS (dict: max_body_bytes, async_records, async_bytes), FEED_WORKER (run the
job queue's in-process runner in this process, on SQLite; default on unless TESTING. On PostgreSQL
large batches go to `hub worker` processes and the web process runs nothing in the background),
SETTINGS / REGISTRY (objects to use instead of conf/). docs/push.md describes every answer.
"""

from __future__ import annotations

from flask import Response, current_app, request
from marshmallow import Schema, fields, validate

from hub.auth import audit
from hub.auth.web import check, current_principal, require
from hub.feed import batches, holds, reports
from hub.feed.batches import FeedError, FeedLimits
from hub.queue import JobQueue, open_queue
from hub.web import store
from hub.web.api import Blueprint
from hub.web.api.params import Int
from hub.web.errors import Problem
from hub.web.request_body import read_body
from hub.schema import NETWORK_CODE

_DENIED = (
    (401, "No valid bearer token (missing, malformed, unknown, revoked or expired)"),
    (403, "The token's role or network does not allow this"),
)
bp = Blueprint(
    "feed", __name__, url_prefix="/api/v1", denied=_DENIED, description="Pushed batches, the audit log and held withdrawals (docs/push.md)"
)


class BatchesArgs(Schema):
    limit = Int(load_default=50, maximum=500)


class AuditArgs(Schema):
    limit = Int(load_default=100, maximum=1000)
    before = Int(load_default=None, metadata={"description": "the smallest id of the previous page"})
    network = fields.String(load_default=None, validate=validate.Regexp(NETWORK_CODE))
    action = fields.String(load_default=None, validate=validate.Length(1, 40))
    batch = fields.String(load_default=None, validate=validate.Length(1, 64))


class PushArgs(Schema):
    """A push's query: an unknown or malformed parameter is refused like any other route's (it was
    ignored, and the batch applied); what the values mean together is `batches.check_request`'s."""

    mode = fields.String(
        load_default="",
        validate=validate.OneOf(batches.MODES),
        metadata={"description": "upsert, delete or snapshot (docs/push.md); required for kind=instruments, upsert for service"},
    )
    kind = fields.String(load_default="instruments", validate=validate.OneOf(batches.KINDS))
    year = Int(load_default=None, minimum=1990, maximum=2100, metadata={"description": "with kind=service"})


class HoldsArgs(Schema):
    state = fields.String(load_default="held", validate=validate.OneOf(("held", *holds.DECIDED, "all")))


_PUSH_BODY = {
    "required": True,
    "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in ("text/csv", "application/json", "application/xml")},
}
_PUSH_PARAMETERS = [
    {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 200}},
]
_REPORT = {"type": "object", "description": "the batch report (docs/push.md)"}


def _settings():
    if current_app.config.get("SETTINGS") is None:
        from hub.config import settings

        current_app.config["SETTINGS"] = settings()
    return current_app.config["SETTINGS"]


def _registry():
    if current_app.config.get("REGISTRY") is None:
        from hub.config import Registry

        current_app.config["REGISTRY"] = Registry.load()
    return current_app.config["REGISTRY"]


def _limits() -> FeedLimits:
    return FeedLimits.from_mapping(current_app.config.get("FEED_LIMITS"))


def worker() -> JobQueue:
    """The app's job queue (hub.queue): in-process on SQLite, procrastinate on PostgreSQL."""
    app = current_app._get_current_object()
    q = app.extensions.get("hub_jobs")
    if q is None:
        q = app.extensions["hub_jobs"] = open_queue(store(), _settings(), _registry())
    return q


def worker_enabled(app) -> bool:
    return bool(app.config.get("FEED_WORKER", not app.testing))


@bp.record_once
def _start_worker(state):
    app = state.app
    if worker_enabled(app) and "hub_store" in app.extensions:
        # Started with the app so that a restart finds queued and crashed batches without a request
        # (in-process queue; procrastinate's `start` does nothing: its workers are `hub worker`).
        with app.app_context():
            worker().start()


def _network(code: str):
    registry = _registry()
    if code not in registry:
        raise Problem(404, f"no network {code} in the registry")
    return registry.get(code)


def _answer(answer: batches.Answer) -> Response:
    response = Response(answer.body, status=answer.status, content_type="application/json; charset=utf-8")
    response.headers.update(answer.headers)
    return response


@bp.route("/networks/<string:code>/batches", methods=["POST"])
@bp.arguments(PushArgs, location="query", as_kwargs=True)
@bp.doc(requestBody=_PUSH_BODY, parameters=_PUSH_PARAMETERS)
@bp.response(200, description="A small batch, applied: the batch report", content_type="application/json")
@bp.alt_response(202, description="A large batch, queued: {id, state, records, bytes, report}; Location is the report")
@bp.documented(
    (400, "Bad parameters or a body that is not CSV, JSON or XML"),
    (404, "No such network"),
    (409, "The network is harvested, not pushed"),
    (413, "The body is over the batch limit"),
    (415, "A Content-Type or Content-Encoding the feed does not read"),
    (422, "The Idempotency-Key was used for a different batch"),
)
@require("publisher", network="code")
def push_batch(code, mode, kind, year):
    network = _network(code)
    body = read_body(_limits().max_body_bytes)
    try:
        answer = batches.receive(
            store(),
            _settings(),
            network,
            current_principal(),
            mode=mode,
            kind=kind,
            year=year,
            content_type=request.headers.get("Content-Type"),
            body=body,
            key=request.headers.get("Idempotency-Key"),
            limits=_limits(),
        )
    except FeedError as exc:
        raise Problem(exc.status, exc.detail, "bad-batch" if exc.status == 400 else None, **exc.extra) from None
    if answer.queued:
        q = worker()
        if q.runs_elsewhere or worker_enabled(current_app):
            q.start().defer("apply_batch", batch_id=answer.batch_id, network=code)
    return _answer(answer)


@bp.route("/networks/<string:code>/batches")
@bp.arguments(BatchesArgs, location="query", as_kwargs=True)
@bp.response(200, description="The network's recent batches, newest first", content_type="application/json")
@bp.documented((400, "A bad parameter"), (404, "No such network"))
@require("publisher", network="code")
def list_batches(code, limit):
    _network(code)
    with store().read() as conn:
        return {"network": code, "batches": reports.list_batches(conn, code, limit)}


@bp.route("/networks/<string:code>/batches/<string:batch_id>")
@bp.no_query()
@bp.response(200, description="The batch report", content_type="application/json")
@bp.documented((404, "No such batch of this network"))
@require("publisher", network="code")
def batch_report(code, batch_id):
    with store().read() as conn:
        if reports.batch_network(conn, batch_id) != code:
            raise Problem(404, f"no batch {batch_id} of network {code}")
        report = reports.build_report(conn, batch_id)
    return Response(batches.dumps(report), content_type="application/json; charset=utf-8")


@bp.route("/audit")
@bp.arguments(AuditArgs, location="query", as_kwargs=True)
@bp.response(200, description="Audit entries, newest first, and the link to the next page", content_type="application/json")
@bp.documented((400, "A bad parameter"))
@require("admin")
def audit_log(limit, before, network, action, batch):
    with store().read() as conn:
        entries = audit.entries(conn, network=network, action=action, batch_id=batch, before_id=before, limit=limit)
    for e in entries:
        e["at"] = e["at"].isoformat() if e["at"] else None
    following = f"/api/v1/audit?before={entries[-1]['id']}&limit={limit}" if len(entries) == limit else None
    return {"entries": entries, "next": following}


@bp.route("/holds")
@bp.arguments(HoldsArgs, location="query", as_kwargs=True)
@bp.response(200, description="Withdrawals held for an operator", content_type="application/json")
@bp.documented((400, "A bad parameter"))
@require("admin")
def list_holds(state):
    with store().read() as conn:
        return {"holds": [_hold_json(h) for h in holds.list_holds(conn, None if state == "all" else state)]}


@bp.route("/holds/<int:hold_id>")
@bp.no_query()
@bp.response(200, description="One held withdrawal", content_type="application/json")
@bp.documented((404, "No such hold"))
@require("admin")
def get_hold(hold_id):
    with store().read() as conn:
        try:
            return _hold_json(holds.get_hold(conn, hold_id))
        except holds.HoldError as exc:
            raise Problem(exc.status, str(exc)) from None


@bp.route("/holds/<int:hold_id>/<string:decision>", methods=["POST"])
@bp.response(200, description="The hold, decided", content_type="application/json")
@bp.documented((400, "The decision is not confirm or reject"), (404, "No such hold"), (409, "The hold was already decided"))
@require("admin")
def decide_hold(hold_id, decision):
    principal = check("admin")
    try:
        hold = holds.decide(store(), hold_id, decision, actor=principal.token_id, role=principal.role)
    except holds.HoldError as exc:
        raise Problem(exc.status, str(exc)) from None
    return _hold_json(hold)


def _hold_json(hold: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in hold.items()}
