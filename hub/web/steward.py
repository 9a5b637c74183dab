"""A province's data steward reads, in a browser, what the hub did with their network's pushes.

    GET /admin/networks/<code>/batches[?page=N]                       recent batches with their reports' counts,
                                                                      the network's runs, its holds (read only)
    GET /admin/networks/<code>/batches/<batch_id>[?list=…&page=N]     one batch's report: counts and how they add
                                                                      up, the withdrawal decision, and its rejected
                                                                      records, warnings or ids not found, paged
    GET /admin/networks/<code>/holds[?page=N]                         the network's decided holds, paged
    GET /admin/networks/<code>/holds/<hold_id>[?page=N]               one hold: the instruments its listing lacked
                                                                      (which confirming it withdraws), paged; an
                                                                      admin's page of a waiting hold has its
                                                                      confirm and reject forms

The steward signs in at /admin/login with the publisher token of their network (hub.web.admin), and
these pages are declared `require("publisher", network="code", browser=True)`: the route guard
(hub.auth.web) lets a publisher's session through for its own network only — 403 for any other, before
the view reads anything — and an admin's for every network. Nothing here writes: deciding a hold and
"harvest now" stay admin forms (an admin finds a hold's on its page), which a publisher's session is
refused at the guard even with a valid csrf field. The JSON twin of the batch pages is /api/v1/networks/<code>/batches (hub.web.feed).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import Schema, ValidationError, fields, validate

from hub.auth.web import SignInRequired, current_principal, require
from hub.feed import holds, reports
from hub.harvest.jobs import Counts
from hub.ops import dashboard
from hub.web import store
from hub.web.admin import DECIDED_PER_PAGE, _csrf, _sign_in, admin_network
from hub.web.api.params import Int
from hub.web.errors import Problem
from hub.web.ui.i18n import N_

bp = Blueprint("steward", __name__)
bp.register_error_handler(SignInRequired, _sign_in)  # a browser without a session gets the sign-in form

#: Batches on the network's page; rows of a report's list on one page.
BATCHES_SHOWN = 20
PER_PAGE = 50
#: A report's lists the batch page pages through: name → (conn, report, page) → a page of entries.
LISTS = {
    "rejected": lambda conn, report, page: reports.entries_page(conn, report["id"], "rejected", page=page, per_page=PER_PAGE),
    "warnings": lambda conn, report, page: reports.entries_page(conn, report["id"], "warnings", page=page, per_page=PER_PAGE),
    "not_found": lambda conn, report, page: reports.not_found_page(report, page=page, per_page=PER_PAGE),
}
LIST_LABELS = {"rejected": N_("steward.list_rejected"), "warnings": N_("steward.list_warnings"), "not_found": N_("steward.list_not_found")}
#: The counts a batch's report holds, in the order the pages show them, with their column labels:
#: the first is what the next seven add up to (hub.harvest.jobs.Counts.check); `withdrawn` and
#: `warnings` are told besides.
COUNT_LABELS = {
    "fetched": N_("admin.fetched"),
    "created": N_("admin.created"),
    "updated": N_("admin.updated"),
    "unchanged": N_("steward.unchanged"),
    "rejected": N_("admin.rejected"),
    "repeated": N_("steward.repeated"),
    "deleted": N_("steward.deleted"),
    "not_found": N_("steward.not_found"),
    "withdrawn": N_("admin.withdrawn"),
    "warnings": N_("steward.warnings"),
}
COUNT_NAMES = tuple(COUNT_LABELS)


class PageArgs(Schema):
    page = Int(load_default=1)


class ReportArgs(PageArgs):
    list = fields.String(load_default="rejected", validate=validate.OneOf(tuple(LISTS)))


def _args(schema: Schema) -> dict:
    try:
        return schema.load({k: v for k, v in request.args.items() if k in schema.fields})
    except ValidationError as exc:
        name, messages = next(iter(exc.messages.items()))
        raise Problem(400, f"invalid parameter {name}: {messages[0]}") from None


def adds_up(counts: dict | None) -> dict | None:
    """How the report's counts are checked, for the page to show: what the parts sum to and whether
    that is `fetched`. A failed batch's counts stop mid-chunk and need not add up."""
    if not counts:
        return None
    accounted = Counts(**{k: counts.get(k, 0) for k in Counts.__dataclass_fields__}).accounted()
    return dict(accounted=accounted, fetched=counts.get("fetched", 0), ok=accounted == counts.get("fetched", 0))


@bp.get("/admin/networks/<code>/batches")
@require("publisher", network="code", browser=True)
def network(code):
    net = admin_network(code)
    with store().read() as conn:
        batches = reports.list_batches(conn, code, limit=BATCHES_SHOWN)
        runs = dashboard.runs(conn, code)
        held = holds.list_holds(conn, "held", network=code)
        decided = holds.decided_holds(conn, per_page=DECIDED_PER_PAGE, network=code)
    return render_template(
        "steward/network.html",
        net=net,
        batches=batches,
        runs=runs,
        holds=held,
        decided=decided,
        counts=COUNT_NAMES,
        count_labels=COUNT_LABELS,
        csrf=_csrf(),
    )


@bp.get("/admin/networks/<code>/batches/<batch_id>")
@require("publisher", network="code", browser=True)
def batch(code, batch_id):
    net = admin_network(code)
    args = _args(ReportArgs())
    with store().read() as conn:
        # Another network's batch is "no batch of this network", the same answer as an unknown id.
        report = reports.batch_summary(conn, batch_id) if reports.batch_network(conn, batch_id) == code else None
        if report is None:
            raise Problem(404, f"no batch {batch_id} of network {code}")
        entries = LISTS[args["list"]](conn, report, args["page"])
        # The shown list's total is its page's; each other list is read once, for its tab's count.
        totals = {name: entries["total"] if name == args["list"] else LISTS[name](conn, report, 1)["total"] for name in LISTS}
    return render_template(
        "steward/batch.html",
        net=net,
        r=report,
        check=adds_up(report["counts"]),
        counts=COUNT_NAMES,
        count_labels=COUNT_LABELS,
        list_labels=LIST_LABELS,
        shown=args["list"],
        entries=entries,
        totals=totals,
        lists=tuple(LISTS),
        csrf=_csrf(),
    )


@bp.get("/admin/networks/<code>/holds/<int:hold_id>")
@require("publisher", network="code", browser=True)
def hold(code, hold_id):
    """What a hold is about: which instruments the listing lacked. The national centre's operator
    reads it before confirming or rejecting — an admin finds the two forms of a waiting hold here —
    and the steward to see what their snapshot left out."""
    net = admin_network(code)
    page = _args(PageArgs())["page"]
    with store().read() as conn:
        try:
            found = holds.get_hold(conn, hold_id)
        except holds.HoldError:
            found = None
        # Another network's hold is "no hold of this network", the same answer as an unknown id.
        if found is None or found["network"] != code:
            raise Problem(404, f"no withdrawal hold {hold_id} of network {code}")
        listed = holds.held_instruments(conn, found, page=page, per_page=PER_PAGE)
    principal = current_principal()
    decides = found["state"] == "held" and principal is not None and principal.role == "admin"
    csrf = _csrf()
    return render_template("steward/hold.html", net=net, h=found, listed=listed, csrf=csrf, decide_csrf=csrf if decides else None)


@bp.get("/admin/networks/<code>/holds")
@require("publisher", network="code", browser=True)
def decided_holds(code):
    net = admin_network(code)
    page = _args(PageArgs())["page"]
    with store().read() as conn:
        decided = holds.decided_holds(conn, page=page, per_page=DECIDED_PER_PAGE, network=code)
    return render_template("steward/holds.html", net=net, decided=decided, csrf=_csrf())
