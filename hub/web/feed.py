"""The feed API: provinces push batches; admins read the audit log and decide withdrawal holds.

    POST /api/v1/networks/{code}/batches?mode=upsert|delete|snapshot   publisher of {code} (or admin)
         ?kind=service&year=2012                                        service statistics
    GET  /api/v1/networks/{code}/batches                                recent batches of {code}
    GET  /api/v1/networks/{code}/batches/{id}                           a batch report
    GET  /api/v1/audit                                                  admin
    GET  /api/v1/holds[?state=held|confirmed|rejected|all]              admin
    GET  /api/v1/holds/{id}                                             admin
    POST /api/v1/holds/{id}/confirm | /reject                           admin

App config: FEED_LIMITS (dict: max_body_bytes, async_records, async_bytes), FEED_WORKER (start the
background worker; default on unless TESTING), SETTINGS / REGISTRY (objects to use instead of
conf/). docs/push.md describes every answer.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from hub.auth import audit
from hub.auth.web import check, current_principal, require
from hub.feed import batches, holds
from hub.feed.batches import FeedError, FeedLimits
from hub.feed.worker import BatchWorker
from hub.web import store
from hub.web.errors import Problem
from hub.web.request_body import read_body

bp = Blueprint("feed", __name__, url_prefix="/api/v1")


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


def worker() -> BatchWorker:
    app = current_app._get_current_object()
    w = app.extensions.get("hub_feed_worker")
    if w is None:
        w = app.extensions["hub_feed_worker"] = BatchWorker(store(), _settings(), _registry())
    return w


def _worker_enabled(app) -> bool:
    return bool(app.config.get("FEED_WORKER", not app.testing))


@bp.record_once
def _start_worker(state):
    app = state.app
    if _worker_enabled(app) and "hub_store" in app.extensions:
        # Started with the app so that a restart finds queued and crashed batches without a request.
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


@bp.post("/networks/<code>/batches")
@require("publisher", network="code")
def push_batch(code):
    network = _network(code)
    body = read_body(_limits().max_body_bytes)
    try:
        answer = batches.receive(
            store(), _settings(), network, current_principal(),
            mode=request.args.get("mode", ""), kind=request.args.get("kind", "instruments"), year=request.args.get("year"),
            content_type=request.headers.get("Content-Type"), body=body,
            key=request.headers.get("Idempotency-Key"), limits=_limits(),
        )
    except FeedError as exc:
        raise Problem(exc.status, exc.detail, "bad-batch" if exc.status == 400 else None, **exc.extra) from None
    if answer.queued and _worker_enabled(current_app):
        worker().start().wake()
    return _answer(answer)


@bp.get("/networks/<code>/batches")
@require("publisher", network="code")
def list_batches(code):
    _network(code)
    limit = min(max(request.args.get("limit", 50, type=int), 1), 500)
    with store().read() as conn:
        return {"network": code, "batches": batches.list_batches(conn, code, limit)}


@bp.get("/networks/<code>/batches/<batch_id>")
@require("publisher", network="code")
def batch_report(code, batch_id):
    with store().read() as conn:
        if batches.batch_network(conn, batch_id) != code:
            raise Problem(404, f"no batch {batch_id} of network {code}")
        report = batches.build_report(conn, batch_id)
    return Response(batches.dumps(report), content_type="application/json; charset=utf-8")


@bp.get("/audit")
@require("admin")
def audit_log():
    args = request.args
    limit = min(max(args.get("limit", 100, type=int), 1), 1000)
    with store().read() as conn:
        entries = audit.entries(conn, network=args.get("network"), action=args.get("action"), batch_id=args.get("batch"),
                                before_id=args.get("before", type=int), limit=limit)
    for e in entries:
        e["at"] = e["at"].isoformat() if e["at"] else None
    following = f"/api/v1/audit?before={entries[-1]['id']}&limit={limit}" if len(entries) == limit else None
    return {"entries": entries, "next": following}


@bp.get("/holds")
@require("admin")
def list_holds():
    state = request.args.get("state", "held")
    with store().read() as conn:
        return {"holds": [_hold_json(h) for h in holds.list_holds(conn, None if state == "all" else state)]}


@bp.get("/holds/<int:hold_id>")
@require("admin")
def get_hold(hold_id):
    with store().read() as conn:
        try:
            return _hold_json(holds.get_hold(conn, hold_id))
        except holds.HoldError as exc:
            raise Problem(exc.status, str(exc)) from None


@bp.post("/holds/<int:hold_id>/<decision>")
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
