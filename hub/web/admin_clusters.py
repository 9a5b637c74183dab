"""The operators' duplicate pages under /admin (admins only, guarded and signed in like the harvest
dashboard in hub.web.admin; its JSON twin is hub.web.clusters):

    GET  /admin/clusters[?order=newest|uncertain&page=N]   clusters of two records or more
    GET  /admin/clusters/<cluster id>                      its records side by side
    POST /admin/clusters/decision                          confirm | split | detach, with a reason (form)

Every decision goes through hub.dedup.review, the same code the API calls: audited, kept by record
id through every later harvest, and followed at once by search, statistics and OAI-PMH.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate

from hub.auth.web import SignInRequired, current_principal, require
from hub.dedup import review
from hub.dedup.store import DecisionError
from hub.paging import page_count
from hub.search.labels import network_names
from hub.web import store
from hub.web.admin import _csrf, _sign_in
from hub.web.api.params import Int
from hub.web.errors import Problem

bp = Blueprint("admin_clusters", __name__)
bp.register_error_handler(SignInRequired, _sign_in)  # a browser without a session gets the sign-in form
PER_PAGE = 50


class ListArgs(Schema):
    order = fields.String(load_default="newest", validate=validate.OneOf(tuple(review.ORDERS)))
    page = Int(load_default=1)


@bp.get("/admin/clusters")
@require("admin", browser=True)
def clusters():
    try:
        args = ListArgs().load({k: v for k, v in request.args.items() if k in ("order", "page")})
    except ValidationError as exc:
        raise Problem(400, f"invalid parameters: {exc.messages}") from None
    with store().read() as conn:
        total, rows = review.list_clusters(conn, args["order"], PER_PAGE, (args["page"] - 1) * PER_PAGE)
        names = network_names(conn)
    pages = page_count(total, PER_PAGE)
    done = request.args.get("done")
    return render_template(
        "admin/clusters.html",
        rows=rows,
        total=total,
        order=args["order"],
        page=args["page"],
        pages=pages,
        names=names,
        done=done if done in review.ACTIONS else None,
    )


@bp.get("/admin/clusters/<path:cluster_id>")
@require("admin", browser=True)
def cluster(cluster_id):
    with store().read() as conn:
        records = review.cluster_records(conn, cluster_id)
        records = records if len(records) > 1 else []  # a record alone is no cluster (any more)
        names = network_names(conn)
    done = request.args.get("done")
    return render_template(
        "admin/cluster.html",
        cluster_id=cluster_id,
        records=records,
        names=names,
        csrf=_csrf(),
        done=done if done in review.ACTIONS else None,
        error=request.args.get("error") == "reason",
    ), (200 if records else 404)


@bp.post("/admin/clusters/decision")
@require("admin", browser=True)
def decision():
    form = request.form
    cluster_id, reason = form.get("cluster_id", ""), form.get("reason", "")
    if not reason.strip():
        return redirect(url_for("admin_clusters.cluster", cluster_id=cluster_id, error="reason"), 303)
    principal = current_principal()
    try:
        review.decide_cluster(
            store(),
            cluster_id,
            form.get("action", ""),
            reason=reason,
            record=form.get("record"),
            actor=principal.token_id,
            role=principal.role,
        )
    except DecisionError as exc:
        raise Problem(404 if str(exc).startswith("no ") else 400, str(exc)) from None
    with store().read() as conn:
        remains = len(review.cluster_records(conn, cluster_id)) > 1
    if remains:
        return redirect(url_for("admin_clusters.cluster", cluster_id=cluster_id, done=form.get("action")), 303)
    return redirect(url_for("admin_clusters.clusters", done=form.get("action")), 303)  # a split cluster is gone
