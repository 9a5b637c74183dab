"""The evaluation API's request and answer shapes (marshmallow schemas, documented in the OpenAPI
description) and the functions that shape a stored evaluation into them. The routes are in
hub.web.api.evaluations."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from hub.evaluation.service import DEFAULT_SEED
from hub.exports.record import iso

#: Monte Carlo runs one request may ask for: 5,000 runs of the built-in framework take a few
#: seconds of a queue worker.
MAX_RUNS = 5000
API = "/api/v1/evaluations"

_NAME = re.compile(r"^[^/\\\x00-\x1f.][^/\\\x00-\x1f]{0,99}$")


class InputIn(Schema):
    name = fields.String(
        required=True,
        validate=validate.Regexp(_NAME, error="a plain file name (no directories, not starting with a dot, at most 100 characters)"),
        metadata={"description": "file name the report will show, e.g. survey.csv"},
    )
    csv = fields.String(required=True, metadata={"description": "the table as CSV text (UTF-8), first column the unit id"})


class EvaluationIn(Schema):
    framework = fields.String(
        load_default="networks-2013",
        validate=validate.Length(1, 100),
        metadata={"description": "a framework file name in conf/evaluation/ (with or without .yaml)"},
    )
    period = fields.Integer(
        load_default=None,
        validate=validate.Range(1990, 2100),
        metadata={"description": "service-statistics year (default: settings service_year)"},
    )
    periods = fields.List(
        fields.Integer(validate=validate.Range(1990, 2100)),
        load_default=None,
        validate=validate.Length(1, 10),
        metadata={
            "description": (
                "several service-statistics years side by side: the latest is ranked with uncertainty, the report's `panel` holds every "
                "period and the movement"
            )
        },
    )
    seed = fields.Integer(
        load_default=DEFAULT_SEED,
        validate=validate.Range(0, 2**32 - 1),
        metadata={"description": "Monte Carlo seed; same inputs and seed, same report bytes"},
    )
    runs = fields.Integer(
        load_default=None,
        validate=validate.Range(0, MAX_RUNS),
        metadata={"description": f"Monte Carlo runs (default: the framework's; 0 = none; at most {MAX_RUNS})"},
    )
    as_of = fields.DateTime(
        load_default=None, metadata={"description": "evaluation date for the harvest window (default: end of the store's latest job)"}
    )
    title = fields.String(load_default=None, validate=validate.Length(1, 300), metadata={"description": "default: the framework's title"})
    publish = fields.Boolean(load_default=False)
    inputs = fields.List(fields.Nested(InputIn), load_default=None, metadata={"description": "input tables (default: the framework's own)"})

    @validates_schema
    def _distinct_names(self, data, **kwargs):
        names = [t["name"] for t in data.get("inputs") or []]
        if len(set(names)) != len(names):
            raise ValidationError("two input tables with the same name", "inputs")


class RankOut(Schema):
    rank = fields.Integer(allow_none=True)
    id, label = fields.String(), fields.String(allow_none=True)
    score, median_rank, rank_p05, rank_p95 = (fields.Float(allow_none=True) for _ in range(4))


class InputOut(Schema):
    file, sha256 = fields.String(), fields.String()
    rows, columns = fields.Integer(), fields.Integer()


class EvaluationOut(Schema):
    id = fields.Integer()
    title, framework = fields.String(), fields.String()
    period = fields.String(allow_none=True)
    created_at = fields.String(metadata={"format": "date-time"})
    created_by = fields.String(allow_none=True)
    published = fields.Boolean()
    report_sha256 = fields.String()
    links = fields.Dict(keys=fields.String(), values=fields.String())


class EvaluationCreated(EvaluationOut):
    framework_sha256 = fields.String()
    seed = fields.Integer()
    runs = fields.Integer(allow_none=True)
    inputs = fields.List(fields.Nested(InputOut))
    counts = fields.Dict()
    ranking = fields.List(fields.Nested(RankOut))
    panel = fields.Dict(
        allow_none=True, metadata={"description": "periods side by side (when several were asked): ranks, scores and movement per unit"}
    )
    warnings = fields.List(fields.String())


class EvaluationRequestOut(Schema):
    id = fields.Integer()
    state = fields.String(metadata={"enum": ["queued", "running", "succeeded", "failed"]})
    created_at = fields.String(metadata={"format": "date-time"})
    created_by = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    finished_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    links = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "self; evaluation when succeeded"})
    evaluation = fields.Nested(EvaluationCreated, metadata={"description": "when succeeded: the evaluation and its ranking"})
    problem = fields.Dict(
        metadata={"description": "when failed: the problem document (status, type, detail; source, key and problem for a bad input)"}
    )
    attempts = fields.Integer(metadata={"description": "runs started so far (a run whose worker died is started again, at most 3 times)"})
    note = fields.String(metadata={"description": "when still queued after 2 minutes: no worker has started it"})


def links(eid: int) -> dict:
    return {"self": f"{API}/{eid}", "csv": f"{API}/{eid}/report.csv", "html": f"{API}/{eid}/report.html", "page": f"/evaluations/{eid}"}


def summary(row) -> dict:
    return {
        "id": row["id"],
        "title": row["title"],
        "framework": row["framework"],
        "period": row["period"],
        "created_at": iso(row["created_at"]),
        "created_by": row["created_by"],
        "published": bool(row["published"]),
        "report_sha256": row["report_sha256"],
        "links": links(row["id"]),
    }


def ranking(report: dict) -> list[dict]:
    out = []
    for u in report["units"]:
        unc = u.get("uncertainty") or {}
        out.append(
            {
                "rank": u["rank"],
                "id": u["id"],
                "label": u.get("label"),
                "score": u.get("score"),
                "median_rank": unc.get("median_rank"),
                "rank_p05": unc.get("rank_p05"),
                "rank_p95": unc.get("rank_p95"),
            }
        )
    return out
