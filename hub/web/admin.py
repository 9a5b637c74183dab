"""The harvest dashboard: HTML under /admin, JSON under /api/v1/admin. Admins only.

    GET  /admin                                   every network: last run, next run, 30-day health, alerts, held withdrawals
    GET  /admin/networks/<code>[?page=N]          its runs, skipped records with raw excerpts (paged), charts, alerts
    GET  /admin/networks/<code>/<chart>.svg       availability | latency, last 30 days (matplotlib SVG)
    POST /admin/networks/<code>/harvest           "harvest now" (form field full=1 for a full listing)
    POST /admin/holds/<hold_id>/confirm | reject  decide a held withdrawal
    GET|POST /admin/login, POST /admin/logout     a browser signs in with an admin token (kept in a cookie)

    GET  /api/v1/admin/networks                   the overview as JSON
    GET  /api/v1/admin/networks/<code>            runs, schedule, 30 daily probe figures, alerts
    GET  /api/v1/admin/networks/<code>/errors     ?page=&per_page=&job= (per_page ≤ 200)
    POST /api/v1/admin/networks/<code>/harvest    {"full": false} → 202, picked up by the scheduler
    GET  /api/v1/admin/alerts                     ?state=open|closed|all&network=
Held withdrawals over JSON: /api/v1/holds (the feed API), which the HTML actions share the logic of.

"Harvest now" never runs a harvest in the web worker: it records the request in
`network_schedules`, and a running `hub scheduler` claims it on its next maintenance tick (within
`operations.poll_seconds`) and harvests under the network's lease.

Sign-in: API clients send `Authorization: Bearer <admin token>`. A browser posts the token to
/admin/login once; it is kept in an HttpOnly, SameSite=Strict cookie, and every form carries a token
derived from it (double submit) so another site cannot post on the admin's behalf.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from hub.auth.tokens import authenticate
from hub.auth.web import bearer_token, check
from hub.feed import holds
from hub.ops import alerts as alerts_mod
from hub.ops import charts, dashboard
from hub.ops.scheduler import request_harvest
from hub.web import store
from hub.web.errors import Problem

bp = Blueprint("admin", __name__)
COOKIE = "hub_admin"
CHARTS = {"availability": charts.availability_svg, "latency": charts.latency_svg}


def _registry():
    if current_app.config.get("REGISTRY") is None:
        from hub.config import Registry

        current_app.config["REGISTRY"] = Registry.load()
    return current_app.config["REGISTRY"]


def _network(code: str):
    registry = _registry()
    if code not in registry:
        raise NotFound(f"no network {code} in the registry")
    return registry.get(code)


def csrf_for(token: str) -> str:
    return hashlib.sha256(f"hub-admin-form:{token}".encode()).hexdigest()[:32]


def _admin(*, form: bool = False):
    """The admin principal: by bearer header, or by the sign-in cookie (forms must then carry csrf)."""
    token = request.cookies.get(COOKIE)
    if token and not bearer_token():
        with store().read() as conn:
            principal = authenticate(conn, token)
        if principal is None:
            return None
        if principal.role != "admin":
            raise Forbidden(f"token {principal.token_id} has role {principal.role}; the dashboard needs admin")
        if form and not hmac.compare_digest(request.form.get("csrf", ""), csrf_for(token)):
            raise Forbidden("the form was not sent from the dashboard (csrf token missing or wrong); reload the page")
        return principal
    if not bearer_token() and not request.path.startswith("/api/"):
        return None
    return check("admin")


def _page_or_login(render):
    principal = _admin()
    if principal is None:
        return redirect(url_for("admin.login", next=request.full_path))
    token = request.cookies.get(COOKIE)
    return render(principal, csrf_for(token) if token else "")


# --------------------------------------------------------------------------- HTML


@bp.get("/admin")
def index():
    def render(principal, csrf):
        with store().read() as conn:
            rows = dashboard.overview(conn, list(_registry()))
            open_alerts = alerts_mod.list_alerts(conn, state="open")
            held = dashboard.held_withdrawals(conn)
        return render_template("admin/index.html", rows=rows, alerts=open_alerts, holds=held, csrf=csrf, principal=principal)

    return _page_or_login(render)


@bp.get("/admin/networks/<code>")
def network(code):
    net = _network(code)
    page = request.args.get("page", 1, type=int) or 1

    def render(principal, csrf):
        with store().read() as conn:
            row = dashboard.overview(conn, [net])[0]
            errs = dashboard.errors(conn, code, page=max(page, 1), per_page=50)
            recent = dashboard.runs(conn, code)
            net_alerts = alerts_mod.list_alerts(conn, state="all", network=code, limit=20)
        return render_template("admin/network.html", n=row, runs=recent, errors=errs, alerts=net_alerts, csrf=csrf)

    return _page_or_login(render)


@bp.get("/admin/networks/<code>/<chart>.svg")
def chart(code, chart):
    _network(code)
    if chart not in CHARTS:
        raise NotFound(f"no chart {chart}; charts: {', '.join(CHARTS)}")
    if _admin() is None:
        raise Forbidden("sign in at /admin/login")
    with store().read() as conn:
        series = dashboard.probe_series(conn, code)
    return Response(CHARTS[chart](series), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@bp.post("/admin/networks/<code>/harvest")
def harvest_now_form(code):
    net = _network(code)
    principal = _admin(form=True)
    if principal is None:
        return redirect(url_for("admin.login"))
    _request(net, principal, full=request.form.get("full") == "1")
    return redirect(url_for("admin.network", code=code), 303)


@bp.post("/admin/holds/<int:hold_id>/<decision>")
def decide_hold_form(hold_id, decision):
    principal = _admin(form=True)
    if principal is None:
        return redirect(url_for("admin.login"))
    try:
        holds.decide(store(), hold_id, decision, actor=principal.token_id, role=principal.role)
    except holds.HoldError as exc:
        raise Problem(exc.status, str(exc)) from None
    return redirect(url_for("admin.index"), 303)


@bp.route("/admin/login", methods=["GET", "POST"])
def login():
    failed = False
    if request.method == "POST":
        token = request.form.get("token", "").strip()
        with store().read() as conn:
            principal = authenticate(conn, token) if token else None
        if principal is not None and principal.role == "admin":
            target = request.args.get("next") or url_for("admin.index")
            if not target.startswith("/admin"):
                target = url_for("admin.index")  # never an open redirect
            response = redirect(target, 303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure, path="/admin")
            return response
        failed = True
    return render_template("admin/login.html", failed=failed), (401 if failed else 200)


@bp.post("/admin/logout")
def logout():
    response = redirect(url_for("admin.login"), 303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


# --------------------------------------------------------------------------- JSON


@bp.get("/api/v1/admin/networks")
def api_networks():
    _admin()
    with store().read() as conn:
        return {"networks": dashboard.jsonable(dashboard.overview(conn, list(_registry())))}


@bp.get("/api/v1/admin/networks/<code>")
def api_network(code):
    _admin()
    net = _network(code)
    with store().read() as conn:
        body = dashboard.overview(conn, [net])[0]
        body["runs"] = dashboard.runs(conn, code)
        body["probes_daily"] = dashboard.probe_series(conn, code)
        body["alerts"] = alerts_mod.list_alerts(conn, state="all", network=code, limit=20)
    return dashboard.jsonable(body)


@bp.get("/api/v1/admin/networks/<code>/errors")
def api_errors(code):
    _admin()
    _network(code)
    page = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", 50, type=int)
    job = request.args.get("job", None, type=int)
    if page is None or page < 1 or per_page is None or not 1 <= per_page <= 200:
        raise BadRequest("page must be ≥ 1 and per_page between 1 and 200")
    with store().read() as conn:
        return dashboard.jsonable(dashboard.errors(conn, code, page=page, per_page=per_page, job_id=job))


@bp.post("/api/v1/admin/networks/<code>/harvest")
def api_harvest_now(code):
    principal = _admin()
    net = _network(code)
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not isinstance(body.get("full", False), bool):
        raise BadRequest('expected a JSON object like {"full": false}')
    row = _request(net, principal, full=body.get("full", False))
    return dashboard.jsonable({"network": code, "requested_at": row["requested_at"], "full": row["requested_full"],
                               "note": "queued: a running `hub scheduler` starts it within operations.poll_seconds"}), 202


@bp.get("/api/v1/admin/alerts")
def api_alerts():
    _admin()
    state = request.args.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise BadRequest("state must be open, closed or all")
    with store().read() as conn:
        return {"alerts": dashboard.jsonable(alerts_mod.list_alerts(conn, state=state, network=request.args.get("network")))}


def _request(net, principal, *, full: bool) -> dict:
    if not net.pulled:
        raise Problem(409, f"network {net.code} pushes its data (family {net.family}); it cannot be harvested")
    return request_harvest(store(), net.code, full=full, by=principal.token_id)
