"""The harvest dashboard's pages under /admin (admins only); its JSON twin is hub.web.api.admin.
A province's data steward signs in here too, with their publisher token, and lands on their own
network's pages (hub.web.steward); every page of this module stays admin-only.

    GET  /admin                                   every network: last run, next run, 30-day health, alerts, held
                                                  withdrawals, and the last 20 holds decided or superseded
    GET  /admin/holds[?page=N]                    every decided or superseded hold, newest first (paged)
    GET  /admin/networks/<code>[?page=N]          its runs, skipped records with raw excerpts (paged), charts, alerts
    GET  /admin/networks/<code>/<chart>.svg       availability | latency, last 30 days (matplotlib SVG)
    POST /admin/networks/<code>/harvest           "harvest now" (form field full=1 for a full listing)
    POST /admin/holds/<hold_id>/confirm | reject  decide a held withdrawal
    GET|POST /admin/login, POST /admin/logout     a browser signs in with an admin or a publisher token

"Harvest now" never runs a harvest in the web worker: it records the request in
`network_schedules`, and a running `hub scheduler` claims it on its next maintenance tick (within
`operations.poll_seconds`) and harvests under the network's lease.

Sign-in: API clients send `Authorization: Bearer <admin token>`. A browser posts the token to
/admin/login once (an admin's or a publisher's: the session carries the token's role and network, and
the route guard lets it open exactly what the token could); the hub starts a server-side session
(hub.auth.sessions) and the cookie carries only the session's random secret — HttpOnly,
SameSite=Strict, Path=/admin, Secure over HTTPS (or with SESSION_COOKIE_SECURE). Logout ends the
session in the database, so a copied cookie dies with it. Every form carries a csrf field derived from
the session; the guard (hub.auth.web) checks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import Forbidden, NotFound

from hub.auth import sessions
from hub.auth.tokens import Principal, TokenRefused, verify
from hub.auth.web import COOKIE, SignInRequired, current_principal, public, require
from hub.feed import holds
from hub.ops import alerts as alerts_mod
from hub.ops import charts, dashboard
from hub.web.public_url import from_another_site, over_https
from hub.web.ui.i18n import N_, gettext
from hub.ops.scheduler import request_harvest
from hub.web import errors, store
from hub.web.feed import worker as job_queue
from hub.web.api.params import Int
from hub.web.errors import Problem

bp = Blueprint("admin", __name__)
CHARTS = {"availability": charts.availability_svg, "latency": charts.latency_svg}
#: Each chart's y axis, in the page's language.
AXES = {"availability": N_("admin.axis_availability"), "latency": N_("admin.axis_latency")}
#: Holds decided or superseded shown on /admin, and a page of /admin/holds.
DECIDED_PER_PAGE = 20
#: Where a sign-in may send the browser on: a path of the dashboard, nothing else (no open redirect).
_NEXT = re.compile(r"^/admin(/[A-Za-z0-9_\-./]*)?(\?[A-Za-z0-9_\-.=&%]*)?$")
#: Per role that may sign in (hub.auth.sessions.BROWSER_ROLES): where its browser lands, and the
#: paths a `next=` may send it on to — its own pages only, so a steward is never sent to a 403.
HOMES: dict[str, tuple[Callable[[Principal], str], Callable[[Principal], str]]] = {
    "admin": (lambda p: url_for("admin.index"), lambda p: "/admin"),
    "publisher": (lambda p: url_for("steward.network", code=p.network), lambda p: f"/admin/networks/{p.network}/"),
}


def registry():
    if current_app.config.get("REGISTRY") is None:
        from hub.config import Registry

        current_app.config["REGISTRY"] = Registry.load()
    return current_app.config["REGISTRY"]


def admin_network(code: str):
    reg = registry()
    if code not in reg:
        raise NotFound(f"no network {code} in the registry")
    return reg.get(code)


def queue_harvest(net, principal, *, full: bool) -> dict:
    if not net.pulled:
        raise Problem(409, f"network {net.code} pushes its data (family {net.family}); it cannot be harvested")
    row = request_harvest(store(), net.code, full=full, by=principal.token_id)
    jobs = job_queue()
    if jobs.runs_elsewhere:
        # On PostgreSQL a `hub worker` takes it at once; the request row stays for the dashboard until
        # the job starts (on SQLite a running `hub scheduler` picks the row up, as before).
        jobs.defer("harvest", network=net.code, full=full)
    return row


def _csrf() -> str:
    cookie = g.get("hub_session")
    return sessions.csrf_for(cookie) if cookie else ""


def _next_target(value: str | None, principal: Principal | None = None) -> str:
    """Where a sign-in sends the browser on: `value` when it is a dashboard path the principal's
    role may open, else the role's landing page (the national overview before anyone signed in)."""
    if principal is None:  # the sign-in form, before anyone signed in: any dashboard path
        home, scope = url_for("admin.index"), "/admin"
    else:
        landing, pages = HOMES[principal.role]
        home, scope = landing(principal), pages(principal)
    safe = bool(value and _NEXT.match(value) and "//" not in value and ".." not in value)
    return value if safe and value.startswith(scope) else home


def _login_page(failed: bool, status: int):
    return render_template(
        "admin/login.html",
        failed=failed,
        next=_next_target(request.args.get("next") if request.endpoint == "admin.login" else request.full_path.rstrip("?")),
    ), status


@bp.errorhandler(SignInRequired)
def _sign_in(_exc):
    # An /admin page asked for without a session: the sign-in form, at the address asked for.
    return _login_page(False, 401)


class PageArgs(Schema):
    page = Int(load_default=1)


# --------------------------------------------------------------------------- pages


@bp.get("/admin")
@require("admin", browser=True)
def index():
    with store().read() as conn:
        rows = dashboard.overview(conn, list(registry()))
        open_alerts = alerts_mod.list_alerts(conn, state="open")
        held = dashboard.held_withdrawals(conn)
        # A hold leaves the waiting list once decided or superseded: it stays in sight here instead.
        decided = holds.decided_holds(conn, per_page=DECIDED_PER_PAGE)
    return render_template(
        "admin/index.html", rows=rows, alerts=open_alerts, holds=held, decided=decided, csrf=_csrf(), principal=current_principal()
    )


@bp.errorhandler(Forbidden)
def _not_this_role(exc):
    """A steward who opens /admin (a bookmark, the address typed) lands on their own network's page
    instead of a bare refusal: the overview is the admins', and a publisher's home is its network's
    page (`HOMES`). Every other page a role may not open is refused as the app refuses it."""
    principal = g.get("hub_principal")
    if request.endpoint == "admin.index" and request.method == "GET" and principal is not None and principal.role != "admin":
        landing = HOMES.get(principal.role)
        if landing is not None:
            return redirect(landing[0](principal), 303)
    return errors.handle(exc)


def _page_arg() -> int:
    try:
        return PageArgs().load({k: v for k, v in request.args.items() if k == "page"})["page"]
    except ValidationError as exc:
        raise Problem(400, f"invalid parameter page: {exc.messages['page'][0]}") from None


@bp.get("/admin/holds")
@require("admin", browser=True)
def decided_holds():
    page = _page_arg()
    with store().read() as conn:
        decided = holds.decided_holds(conn, page=page, per_page=DECIDED_PER_PAGE)
    return render_template("admin/holds.html", decided=decided, csrf=_csrf())


@bp.get("/admin/networks/<code>")
@require("admin", browser=True)
def network(code):
    net = admin_network(code)
    page = _page_arg()
    with store().read() as conn:
        row = dashboard.overview(conn, [net])[0]
        errs = dashboard.errors(conn, code, page=page, per_page=50)
        recent = dashboard.runs(conn, code)
        net_alerts = alerts_mod.list_alerts(conn, state="all", network=code, limit=20)
        probed = any(day["probes"] for day in dashboard.probe_series(conn, code))
    return render_template("admin/network.html", n=row, runs=recent, errors=errs, alerts=net_alerts, probed=probed, csrf=_csrf())


@bp.get("/admin/networks/<code>/<chart>.svg")
@require("admin", browser=True)
def chart(code, chart):
    admin_network(code)
    if chart not in CHARTS:
        raise NotFound(f"no chart {chart}; charts: {', '.join(CHARTS)}")
    with store().read() as conn:
        series = dashboard.probe_series(conn, code)
    response = Response(CHARTS[chart](series, axis=gettext(AXES[chart])), mimetype="image/svg+xml")
    response.vary.add("Cookie")  # the language is the cookie's
    return response


@bp.post("/admin/networks/<code>/harvest")
@require("admin", browser=True)
def harvest_now_form(code):
    queue_harvest(admin_network(code), current_principal(), full=request.form.get("full") == "1")
    return redirect(url_for("admin.network", code=code), 303)


@bp.post("/admin/holds/<int:hold_id>/<decision>")
@require("admin", browser=True)
def decide_hold_form(hold_id, decision):
    principal = current_principal()
    try:
        holds.decide(store(), hold_id, decision, actor=principal.token_id, role=principal.role)
    except holds.HoldError as exc:
        raise Problem(exc.status, str(exc)) from None
    return redirect(url_for("admin.index"), 303)


# --------------------------------------------------------------------------- signing in and out


#: The largest sign-in form read: a token is under 100 characters.
MAX_SIGN_IN_BYTES = 16 * 1024


@bp.route("/admin/login", methods=["GET", "POST"])
@public
def login():
    if request.method != "POST":  # GET, and the HEAD Flask answers for it: the form, no sign-in attempt
        return _login_page(False, 200)
    if from_another_site():
        # Login CSRF: a page elsewhere posting its own token would sign this browser into the poster's
        # session, and what the operator then did (a hold confirmed) would be done as the poster.
        raise Forbidden("sign in from the dashboard's own page: a sign-in posted by another site is refused")
    # The one public route that reads a body: a form many times a token's size is refused from its
    # Content-Length, before a byte is read (ten 50 MB posts had taken ~110 MB of the server's memory).
    request.max_content_length = MAX_SIGN_IN_BYTES
    try:
        with store().read() as conn:
            principal = verify(conn, request.form.get("token", "").strip())
    except TokenRefused:
        principal = None
    if principal is None or principal.role not in sessions.BROWSER_ROLES:
        return _login_page(True, 401)
    response = redirect(_next_target(request.args.get("next"), principal), 303)
    secure = over_https() or bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    response.set_cookie(
        COOKIE,
        sessions.start(store(), principal),
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/admin",
    )
    return response


@bp.post("/admin/logout")
@public
def logout():
    # Public so a stale page can always sign out; it ends only the session whose secret it presents.
    sessions.end(store(), request.cookies.get(COOKIE))
    response = redirect(url_for("admin.login"), 303)
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="Strict")
    return response
