"""The harvest dashboard as JSON under /api/v1/admin (admin bearer tokens only; the /admin pages
are hub.web.admin). What each answer holds is described in docs/operations.md.

    GET  /api/v1/admin/networks                   the overview
    GET  /api/v1/admin/networks/<code>            runs, schedule, 30 daily probe figures, alerts
    GET  /api/v1/admin/networks/<code>/errors     ?page=&per_page=&job= (per_page ≤ 200)
    POST /api/v1/admin/networks/<code>/harvest    {"full": false} → 202, run by a `hub worker` (PostgreSQL) or the scheduler
    GET  /api/v1/admin/alerts                     ?state=open|closed|all&network=
"""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate

from hub.auth.web import current_principal, require
from hub.network_codes import NETWORK_CODE
from hub.ops import alerts as alerts_mod
from hub.ops import dashboard
from hub.web import store
from hub.web.admin import admin_network, queue_harvest, registry
from hub.web.api import Blueprint
from hub.web.api.params import Int

blp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin", description="The harvest dashboard as JSON (admin tokens)")
_NETWORK = validate.Regexp(NETWORK_CODE, error="a network code: six digits, or M/A/C/F and five letters or digits")


class _Args(Schema):
    pass


class ErrorsArgs(_Args):
    page = Int(load_default=1)
    per_page = Int(load_default=50, maximum=200)
    job = Int(load_default=None, metadata={"description": "only the records skipped by this harvest job"})


class AlertsArgs(_Args):
    state = fields.String(load_default="open", validate=validate.OneOf(("open", "closed", "all")))
    network = fields.String(load_default=None, validate=_NETWORK)


class HarvestIn(_Args):
    # true or false only: "yes" or 1 is a mistake to point out, not a wish to guess at
    full = fields.Boolean(
        load_default=False,
        truthy={True},
        falsy={False},
        metadata={"description": "a full listing (may withdraw by absence) instead of an incremental one"},
    )


class NetworksOut(Schema):
    networks = fields.List(
        fields.Dict(),
        metadata={
            "description": "per network: code, name, family, pulled, last_run, schedule, next_run, "
            "lease, probes_30d, availability_30d, latency_p50_30d_ms, open_alerts, held_withdrawals"
        },
    )


class NetworkDetailOut(Schema):
    class Meta:
        unknown = "include"

    code, name = fields.String(), fields.String()
    runs = fields.List(fields.Dict())
    probes_daily = fields.List(fields.Dict())
    alerts = fields.List(fields.Dict())


class ErrorsOut(Schema):
    class Meta:
        unknown = "include"

    total, page, pages, per_page = fields.Integer(), fields.Integer(), fields.Integer(), fields.Integer()
    items = fields.List(fields.Dict(), metadata={"description": "source_id, field, severity, message, raw_excerpt, job_id, created_at"})


class HarvestQueued(Schema):
    network = fields.String()
    requested_at = fields.String(metadata={"format": "date-time"})
    full = fields.Boolean()
    note = fields.String()


class AlertsOut(Schema):
    alerts = fields.List(fields.Dict())


def _json(body, status: int = 200):
    # A ready Response: the dashboard's rows are richer than the schemas above, which document them.
    response = current_app.json.response(dashboard.jsonable(body))
    response.status_code = status
    return response


@blp.route("/networks")
@blp.no_query()
@blp.response(200, NetworksOut)
@blp.documented()
@require("admin")
def networks():
    """Every network of the registry: last run, next run, 30-day health, alerts, held withdrawals."""
    with store().read() as conn:
        return _json({"networks": dashboard.overview(conn, list(registry()))})


@blp.route("/networks/<string:code>")
@blp.no_query()
@blp.response(200, NetworkDetailOut)
@blp.documented((404, "No such network in the registry"))
@require("admin")
def network(code):
    """One network: its overview row, recent runs, 30 daily probe figures and its alerts."""
    net = admin_network(code)
    with store().read() as conn:
        body = dashboard.overview(conn, [net])[0]
        body["runs"] = dashboard.runs(conn, code)
        body["probes_daily"] = dashboard.probe_series(conn, code)
        body["alerts"] = alerts_mod.list_alerts(conn, state="all", network=code, limit=20)
    return _json(body)


@blp.route("/networks/<string:code>/errors")
@blp.arguments(ErrorsArgs, location="query", as_kwargs=True)
@blp.response(200, ErrorsOut)
@blp.documented((400, "A bad parameter"), (404, "No such network in the registry"))
@require("admin")
def errors(code, page, per_page, job):
    """The records harvests skipped, newest first, with their raw excerpts, a page at a time."""
    admin_network(code)
    with store().read() as conn:
        return _json(dashboard.errors(conn, code, page=page, per_page=per_page, job_id=job))


@blp.route("/networks/<string:code>/harvest", methods=["POST"])
@blp.arguments(HarvestIn, location="json", required=False)
@blp.response(202, HarvestQueued)
@blp.documented(
    (400, 'The body is not a JSON object like {"full": false}'),
    (415, "A body sent as another type than JSON (it was read as no body: an incremental harvest)"),
    (404, "No such network in the registry"),
    (409, "The network pushes its data; it cannot be harvested"),
)
@require("admin")
def harvest_now(body, code):
    """Queue a "harvest now": on PostgreSQL a `hub worker` starts it at once; on SQLite a running
    `hub scheduler` starts it within operations.poll_seconds."""
    row = queue_harvest(admin_network(code), current_principal(), full=body.get("full", False))
    return _json(
        {
            "network": code,
            "requested_at": row["requested_at"],
            "full": row["requested_full"],
            "note": "queued: a `hub worker` (PostgreSQL) or a running `hub scheduler` (SQLite, within operations.poll_seconds) starts it",
        },
        202,
    )


@blp.route("/alerts")
@blp.arguments(AlertsArgs, location="query", as_kwargs=True)
@blp.response(200, AlertsOut)
@blp.documented((400, "A bad parameter"))
@require("admin")
def alerts(state, network):
    """Alerts of every network (or one), newest first."""
    with store().read() as conn:
        return _json({"alerts": alerts_mod.list_alerts(conn, state=state, network=network)})
