"""Operators decide duplicates: GET /api/v1/clusters/{instrument id} (the records of its cluster) and
POST /api/v1/clusters/decisions (confirm or split two records), admin only, audited."""

from __future__ import annotations

from flask import Blueprint, request

from hub.auth.web import check, require
from hub.dedup import store as dedup
from hub.web import store
from hub.web.errors import Problem

bp = Blueprint("clusters", __name__, url_prefix="/api/v1/clusters")


@bp.get("/<path:instrument_id>")
@require("admin")
def get_cluster(instrument_id):
    with store().read() as conn:
        cid = dedup.cluster_id(conn, instrument_id)
        others = dedup.also_listed(conn, instrument_id)
    return {"instrument": instrument_id, "cluster_id": cid, "also_listed_in": others}


@bp.post("/decisions")
@require("admin")
def post_decision():
    principal = check("admin")
    body = request.get_json(silent=True) or {}
    kind, a, b = body.get("decision"), body.get("a"), body.get("b")
    if not all(isinstance(x, str) and x for x in (kind, a, b)):
        raise Problem(400, 'expected a JSON object {"decision": "confirm" | "split", "a": instrument id, "b": instrument id}')
    try:
        dedup.decide(store(), kind, a, b, actor=principal.token_id, role=principal.role)
    except dedup.DecisionError as exc:
        raise Problem(404 if str(exc).startswith("no instrument") else 400, str(exc)) from None
    with store().read() as conn:
        return {"decision": kind, "a": a, "b": b, "cluster_a": dedup.cluster_id(conn, a), "cluster_b": dedup.cluster_id(conn, b)}, 201
