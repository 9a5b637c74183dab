"""Operators decide duplicates: GET /api/v1/clusters/{instrument id} (the records of its cluster),
POST /api/v1/clusters/decisions (confirm or split two records) and POST /api/v1/clusters/cluster-decisions
(confirm, split or detach one record from a whole cluster, as the admin pages do), admin only, audited."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hub.auth.web import check, require
from hub.dedup import review
from hub.dedup import store as dedup
from hub.web import store
from hub.web.api import Blueprint
from hub.web.errors import Problem

bp = Blueprint(
    "clusters", __name__, url_prefix="/api/v1/clusters", description="Duplicate clusters and operators' decisions (docs/duplicates.md)"
)


class ClusterOut(Schema):
    instrument = fields.String()
    cluster_id = fields.String(allow_none=True)
    also_listed_in = fields.List(fields.Dict(), metadata={"description": "the other records of the cluster, with links"})


class DecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("confirm", "split")))
    a = fields.String(required=True, validate=validate.Length(1, 140), metadata={"description": "an instrument id"})
    b = fields.String(required=True, validate=validate.Length(1, 140), metadata={"description": "another instrument id"})
    reason = fields.String(load_default=None, validate=validate.Length(max=500), metadata={"description": "kept in the audit log"})


class ClusterDecisionIn(Schema):
    cluster_id = fields.String(required=True, validate=validate.Length(1, 140))
    action = fields.String(required=True, validate=validate.OneOf(tuple(review.ACTIONS)))
    record = fields.String(load_default=None, validate=validate.Length(1, 140), metadata={"description": "the record to detach"})
    reason = fields.String(required=True, validate=validate.Length(1, 500), metadata={"description": "kept in the audit log"})


class ClusterDecisionOut(Schema):
    cluster_id, action = fields.String(), fields.String()
    records = fields.List(fields.Dict(), metadata={"description": "the cluster's records after the decision (empty when split)"})


class DecisionOut(Schema):
    decision, a, b = fields.String(), fields.String(), fields.String()
    cluster_a, cluster_b = fields.String(allow_none=True), fields.String(allow_none=True)


@bp.route("/<path:instrument_id>", methods=["GET"])
@bp.response(200, ClusterOut)
@bp.documented()
@require("admin")
def get_cluster(instrument_id):
    """The cluster of one record: its id and the other networks' records of the same instrument."""
    with store().read() as conn:
        cid = dedup.cluster_id(conn, instrument_id)
        others = dedup.also_listed(conn, instrument_id)
    return {"instrument": instrument_id, "cluster_id": cid, "also_listed_in": others}


@bp.route("/decisions", methods=["POST"])
@bp.arguments(DecisionIn)
@bp.response(201, DecisionOut)
@bp.documented((404, "No such instrument"), (415, "A body sent as another type than JSON"))
@require("admin")
def post_decision(body):
    """Confirm that two records are one instrument, or split them; audited, and kept through every later harvest."""
    principal = check("admin")
    kind, a, b = body["decision"], body["a"], body["b"]
    try:
        dedup.decide(store(), kind, a, b, actor=principal.token_id, role=principal.role, reason=body["reason"])
    except dedup.DecisionError as exc:
        raise Problem(404 if str(exc).startswith("no instrument") else 400, str(exc)) from None
    with store().read() as conn:
        return {"decision": kind, "a": a, "b": b, "cluster_a": dedup.cluster_id(conn, a), "cluster_b": dedup.cluster_id(conn, b)}


@bp.route("/cluster-decisions", methods=["POST"])
@bp.arguments(ClusterDecisionIn)
@bp.response(201, ClusterDecisionOut)
@bp.documented((404, "No such cluster"), (415, "A body sent as another type than JSON"))
@require("admin")
def post_cluster_decision(body):
    """Confirm a whole cluster, split it, or detach one record from it (hub.dedup.review, as the admin pages)."""
    principal = check("admin")
    try:
        review.decide_cluster(
            store(),
            body["cluster_id"],
            body["action"],
            reason=body["reason"],
            record=body["record"],
            actor=principal.token_id,
            role=principal.role,
        )
    except dedup.DecisionError as exc:
        raise Problem(404 if str(exc).startswith("no cluster") else 400, str(exc)) from None
    with store().read() as conn:
        records = [
            {"id": r["id"], "network": r["network"], "representative": r["representative"]}
            for r in review.cluster_records(conn, body["cluster_id"])
        ]
    return {"cluster_id": body["cluster_id"], "action": body["action"], "records": records}
