"""The evaluation API: it runs evaluations and serves them (the pages of published rankings are
`hub.web.evaluation_pages`).

    POST /api/v1/evaluations                   evaluator or admin: check and queue a run; 202 + Location
    GET  /api/v1/evaluations/requests/{id}     evaluator or admin: a queued run's state, then its evaluation or problem
    GET  /api/v1/evaluations                   list (unpublished ones only for evaluator/admin tokens)
    GET  /api/v1/evaluations/{id}              report.json exactly as stored (= what `hub evaluate` writes)
    GET  /api/v1/evaluations/{id}/report.csv   …/report.html
    GET  /api/v1/evaluations/{id}/panel        the periods side by side (several-period evaluations)
    GET  /api/v1/evaluations/{id}/audit        the statistical audit
    POST /api/v1/evaluations/{id}/publish      evaluator or admin

The POST checks the request and stores it; the job queue runs it (hub.evaluation.requests, task
`evaluate`; see docs/evaluation.md "API and pages"). Input tables arrive as JSON text or multipart
files and are kept as sent, so the report names them — and hashes their bytes — exactly as the CLI
would for files of those names.

App config: EVALUATION_FRAMEWORKS (directory of framework files; default conf/evaluation),
SETTINGS (hub.config.Settings; its service_year is the default period).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from flask import Response, current_app, request
from marshmallow import Schema, ValidationError
from sqlalchemy import select, update

from hub.auth import audit
from hub.clock import as_utc, now
from hub.auth.web import bearer_token, current_principal, public, refusal, require, unauthorized
from hub.evaluation import requests as evaluation_requests
from hub.evaluation.service import load_evaluation
from hub.exports.record import iso
from hub.store.models import Evaluation
from hub.web import store
from hub.web.api import Blueprint
from hub.web.api.evaluation_schemas import API, MAX_RUNS, EvaluationIn, EvaluationOut, EvaluationRequestOut, ranking, summary
from hub.web.errors import Problem, describe
from hub.web.feed import worker as job_queue
from hub.web.feed import worker_enabled
from hub.web.rendered_reports import RENDERED

#: Bytes of one POST (input tables included): evaluator tables are a few kB per 30 networks.
MAX_BODY_BYTES = 10 * 1024 * 1024
WRITERS = ("evaluator", "admin")
#: A request still queued after this long is noted as unclaimed (no `hub worker` running?).
UNCLAIMED = timedelta(minutes=2)

blp = Blueprint("evaluations", __name__, description="Composite scoring and ranking of the networks (docs/evaluation.md)")

_E = Evaluation.__table__


# --------------------------------------------------------------------------- running one


def _settings():
    if current_app.config.get("SETTINGS") is None:
        from hub.config import settings

        current_app.config["SETTINGS"] = settings()
    return current_app.config["SETTINGS"]


def frameworks_dir() -> Path:
    configured = current_app.config.get("EVALUATION_FRAMEWORKS")
    if configured:
        return Path(configured)
    from hub.config import conf_dir

    return conf_dir() / "evaluation"


def resolve_framework(name: str, directory: Path) -> Path:
    """A framework file of `directory` by name — never a path elsewhere on the server."""
    directory = directory.resolve()
    for candidate in (name, f"{name}.yaml", f"{name}.yml"):
        path = (directory / candidate).resolve()
        if path.parent == directory and path.is_file():
            return path
    known = sorted(p.stem for p in directory.glob("*.y*ml"))
    raise Problem(
        422,
        f"framework: no framework file {name!r}; known: {', '.join(known) or 'none'}",
        "evaluation-input",
        errors=[{"parameter": "framework", "in": "body", "messages": [f"no framework file {name!r}"]}],
        known=known,
    )


def _load(schema: Schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        info = describe(exc)
        for entry in info["errors"]:
            entry["in"] = "body"
        raise Problem(400, info["detail"], "invalid-parameter", errors=info["errors"]) from None


def _read_request() -> tuple[dict, list[tuple[str, bytes]] | None]:
    """The request's fields (validated) and its input tables as (name, bytes); JSON or multipart."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Problem(413, f"the body exceeds the {MAX_BODY_BYTES:,}-byte limit of one evaluation request", limit=MAX_BODY_BYTES)
    request.max_content_length = MAX_BODY_BYTES  # also for a chunked body without Content-Length (werkzeug answers 413)
    if request.mimetype == "multipart/form-data":
        form = {k: request.form[k] for k in request.form if k != "periods"}
        if request.form.getlist("periods"):
            form["periods"] = request.form.getlist("periods")
        args = _load(EvaluationIn(exclude=("inputs",)), form)
        files = request.files.getlist("inputs")
        tables = [(f.filename or "", f.read()) for f in files] or None
        if tables:
            # the same rules as for JSON inputs, reported under the same parameter name
            _load(EvaluationIn(only=("inputs",)), {"inputs": [{"name": n, "csv": ""} for n, _ in tables]})
        return args, tables
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(
            400,
            "expected a JSON object (Content-Type: application/json) or multipart/form-data with CSV files under `inputs`",
            "invalid-parameter",
            errors=[{"parameter": "(request)", "in": "body", "messages": ["not a JSON object"]}],
        )
    args = _load(EvaluationIn(), body)
    tables = [(t["name"], t["csv"].encode("utf-8")) for t in args.pop("inputs")] if args.get("inputs") else None
    args.pop("inputs", None)
    return args, tables


def check(args: dict, tables) -> Path:
    """What is cheap to check before the request is queued: the framework exists and loads, the input
    tables parse and hold its columns, the runs are within the cap; a failure is a 400 or 422 at once."""
    directory = frameworks_dir()
    path = resolve_framework(args["framework"], directory)
    if args["period"] is None:
        args["period"] = _settings().service_year
    try:
        fw = evaluation_requests.check(path, tables, args.get("periods"))
    except evaluation_requests.Refused as exc:
        info = dict(exc.problem)
        raise Problem(info.pop("status"), info.pop("detail"), info.pop("type"), **info) from None
    runs = args["runs"] if args["runs"] is not None else fw.uncertainty.runs
    if runs > MAX_RUNS:
        raise Problem(
            400,
            f"invalid parameter runs: the framework asks for {runs} Monte Carlo runs; at most {MAX_RUNS} per request",
            "invalid-parameter",
            errors=[{"parameter": "runs", "in": "body", "messages": [f"at most {MAX_RUNS}"]}],
        )
    return path


# --------------------------------------------------------------------------- the API


def _may_see_unpublished() -> bool:
    """Evaluators and admins see drafts. A token that is given must be valid: a revoked evaluator
    token answers 401 rather than quietly showing less."""
    if bearer_token() is None:
        return False
    principal = current_principal()
    if principal is None:
        raise unauthorized(f"{refusal()}; send none to read the published evaluations")
    return principal.role in WRITERS


def _visible_row(eid: int) -> dict:
    row = load_evaluation(store(), eid)
    if row is None or not (row["published"] or _may_see_unpublished()):
        raise Problem(404, f"no evaluation {eid}", "not-found")
    return row


@blp.route(API, methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": EvaluationIn},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **{k: {"type": "string"} for k in ("framework", "period", "seed", "runs", "as_of", "title", "publish")},
                        "periods": {"type": "array", "items": {"type": "integer"}},
                        "inputs": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
    }
)
@blp.response(
    202,
    EvaluationRequestOut,
    headers={"Location": {"description": "the request's status resource", "schema": {"type": "string"}}},
)
@blp.alt_response(400, description="A bad parameter (runs beyond the cap, an unknown key)")
@blp.alt_response(401, description="No valid bearer token")
@blp.alt_response(403, description="The token's role is not evaluator or admin")
@blp.alt_response(422, description="The framework or an input table is wrong: `source`, `key` and `problem` name it")
@require(WRITERS)
def create_evaluation():
    """Check the request, queue it, answer 202 with its status resource (Location).

    The Monte Carlo runs in the job queue (a `hub worker` on PostgreSQL, the web process's own queue
    on SQLite), never within the request. What is cheap is checked here: parameters (400), the
    framework and the input tables (422). The stored report.json is byte-identical to what
    `hub evaluate` writes for the same framework, input files and seed.
    """
    args, tables = _read_request()
    path = check(args, tables)
    principal = current_principal()
    rid = evaluation_requests.submit(store(), path, args, tables, created_by=principal.token_id, role=principal.role)
    q = job_queue()
    if q.runs_elsewhere or worker_enabled(current_app):
        q.start().defer("evaluate", request_id=rid)
    response = current_app.json.response(_request_status(evaluation_requests.load_request(store(), rid)))
    response.status_code = 202
    response.headers["Location"] = f"{API}/requests/{rid}"
    return response


def _created(row) -> dict:
    """An evaluation's summary with its ranking, from the stored report."""
    report = RENDERED.report(row)
    unc = report.get("uncertainty") or {}
    return {
        **summary(row),
        "framework_sha256": report["framework"]["sha256"],
        "seed": report["seed"],
        "runs": unc.get("runs", 0),
        "inputs": report["inputs"],
        "counts": report["counts"],
        "ranking": ranking(report),
        "panel": report.get("panel"),
        "warnings": report["warnings"],
    }


def _request_status(row) -> dict:
    body = {
        "id": row["id"],
        "state": row["state"],
        "created_at": iso(row["created_at"]),
        "created_by": row["created_by"],
        "started_at": iso(row["started_at"]),
        "finished_at": iso(row["finished_at"]),
        "links": {"self": f"{API}/requests/{row['id']}"},
    }
    if row["state"] == "succeeded":
        body["links"]["evaluation"] = f"{API}/{row['evaluation_id']}"
        body["evaluation"] = _created(load_evaluation(store(), row["evaluation_id"]))
    if row["state"] == "failed":
        body["problem"] = row["problem"]
    body["attempts"] = row["attempts"]
    if row["state"] == "queued" and now() - as_utc(row["created_at"]) > UNCLAIMED:
        # A run takes seconds once a worker starts it: an evaluator polling a request nobody takes
        # is told, as the dashboard tells an administrator of a "harvest now" nobody picked up.
        body["note"] = f"no worker has started this request in {UNCLAIMED.total_seconds() / 60:g} minutes: is `hub worker` running?"
    return body


@blp.route(f"{API}/requests/<int:rid>")
@blp.no_query()
@blp.response(200, EvaluationRequestOut)
@blp.alt_response(401, description="No valid bearer token")
@blp.alt_response(403, description="The token's role is not evaluator or admin")
@blp.alt_response(404, description="No such request")
@require(WRITERS)
def get_evaluation_request(rid):
    """An evaluation request's state: queued, running, succeeded (with the evaluation and its
    ranking, `links.evaluation`) or failed (with the problem document a synchronous run answered)."""
    row = evaluation_requests.load_request(store(), rid)
    if row is None:
        raise Problem(404, f"no evaluation request {rid}", "not-found")
    return _request_status(row)


@blp.route(API, methods=["GET"])
@blp.no_query()
@blp.response(200, EvaluationOut(many=True))
@blp.alt_response(401, description="A bearer token was sent but is unknown or revoked")
@public
def list_evaluations():
    """Stored evaluations, newest first: the published ones, and drafts too for evaluator and admin tokens."""
    query = select(
        *(_E.c[k] for k in ("id", "title", "framework", "period", "created_at", "created_by", "published", "report_sha256"))
    ).order_by(_E.c.id.desc())
    if not _may_see_unpublished():
        query = query.where(_E.c.published.is_(True))
    with store().read() as conn:
        return [summary(r._mapping) for r in conn.execute(query)]


def _file(row, body: bytes, media_type: str, name: str) -> Response:
    response = Response(body, content_type=media_type)
    # The bytes' own digest, not the report's: the same report drawn by a newer hub (report.csv's
    # formula-like labels neutralised) must not revalidate a copy an older one drew.
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.headers["Content-Disposition"] = f'inline; filename="evaluation-{row["id"]}-{name}"'
    return response.make_conditional(request)


@blp.route(f"{API}/<int:eid>")
@blp.no_query()
@blp.response(
    200, description="report.json exactly as stored (format hub-evaluation/1, docs/evaluation.md)", content_type="application/json"
)
@blp.alt_response(404, description="No such evaluation, or not published and no evaluator/admin token")
@blp.alt_response(401, description="A bearer token was sent but is unknown, revoked or expired")
@public
def get_evaluation(eid):
    """One evaluation's report.json, byte for byte as `hub evaluate` writes it (its sha256 is the ETag)."""
    row = _visible_row(eid)
    response = Response(row["report"].encode("utf-8"), content_type="application/json; charset=utf-8")
    response.set_etag(row["report_sha256"])
    return response.make_conditional(request)


@blp.route(f"{API}/<int:eid>/report.csv")
@blp.no_query()
@blp.response(200, description="report.csv: one row per unit", content_type="text/csv")
@blp.alt_response(404, description="No such evaluation")
@blp.alt_response(401, description="A bearer token was sent but is unknown, revoked or expired")
@public
def get_report_csv(eid):
    """The ranking as CSV (rank, unit, score, rank interval, every score and indicator value)."""
    row = _visible_row(eid)
    return _file(row, RENDERED.get(row, "csv"), "text/csv; charset=utf-8", "report.csv")


@blp.route(f"{API}/<int:eid>/report.html")
@blp.no_query()
@blp.response(200, description="report.html: a self-contained page with charts", content_type="text/html")
@blp.alt_response(404, description="No such evaluation")
@blp.alt_response(401, description="A bearer token was sent but is unknown, revoked or expired")
@public
def get_report_html(eid):
    """The full report as one self-contained HTML file (inline SVG charts, no scripts)."""
    from hub.web.headers import SELF_CONTAINED_CSP

    row = _visible_row(eid)
    response = _file(row, RENDERED.get(row, "html"), "text/html; charset=utf-8", "report.html")
    response.headers["Content-Security-Policy"] = SELF_CONTAINED_CSP  # its stylesheet is inline, by design
    return response


def _section(eid: int, key: str):
    row = _visible_row(eid)
    report = RENDERED.report(row)
    response = current_app.json.response(report.get(key))
    response.set_etag(f"{row['report_sha256']}-{key}")
    return response.make_conditional(request)


@blp.route(f"{API}/<int:eid>/panel")
@blp.no_query()
@blp.response(
    200,
    description=(
        "The periods side by side: {periods, from, to, units: [{id, label, series: [{period, rank, score}], rank_change, "
        "score_change}]}; null for a one-period evaluation"
    ),
    content_type="application/json",
)
@blp.alt_response(404, description="No such evaluation")
@blp.alt_response(401, description="A bearer token was sent but is unknown, revoked or expired")
@public
def get_panel(eid):
    """The panel of a several-period evaluation: each unit's rank and score per period and its movement between the last two."""
    return _section(eid, "panel")


@blp.route(f"{API}/<int:eid>/audit")
@blp.no_query()
@blp.response(
    200,
    description="The statistical audit: correlations, Cronbach's alpha, PCA per dimension, flags, effective weights (docs/evaluation.md)",
    content_type="application/json",
)
@blp.alt_response(404, description="No such evaluation")
@blp.alt_response(401, description="A bearer token was sent but is unknown, revoked or expired")
@public
def get_audit(eid):
    """The statistical audit of an evaluation, as report.json holds it."""
    return _section(eid, "audit")


@blp.route(f"{API}/<int:eid>/publish", methods=["POST"])
@blp.response(200, EvaluationOut)
@blp.alt_response(401, description="No valid bearer token")
@blp.alt_response(403, description="The token's role is not evaluator or admin")
@blp.alt_response(404, description="No such evaluation")
@require(WRITERS)
def publish_evaluation(eid):
    """Publish an evaluation: it appears in the public list and on /evaluations. Publishing twice is harmless."""
    principal = current_principal()
    with store().write() as conn:
        found = conn.execute(select(_E.c.published).where(_E.c.id == eid)).first()
        if found is None:
            raise Problem(404, f"no evaluation {eid}", "not-found")
        if not found.published:
            conn.execute(update(_E).where(_E.c.id == eid).values(published=True))
            audit.record(conn, actor=principal.token_id, role=principal.role, action="evaluation.published", target=eid)
    return summary(load_evaluation(store(), eid))
