"""The public pages of published rankings: GET /evaluations, /evaluations/{id} and its SVG charts
(HTML, no JavaScript). Drafts are never shown here, whatever token is sent; the API
(`hub.web.api.evaluations`) is where evaluators read them."""

from __future__ import annotations

import json
from functools import partial

from flask import Blueprint, Response, abort, g, render_template, request
from sqlalchemy import select

from hub.auth.web import public
from hub.evaluation.service import load_evaluation
from hub.store.models import Evaluation
from hub.web import store
from hub.web.api.evaluation_schemas import links
from hub.web.rendered_reports import RENDERED
from hub.web.ui import places

bp = Blueprint("evaluation_pages", __name__)
_E = Evaluation.__table__


def _published(eid: int) -> tuple[dict, dict]:
    row = load_evaluation(store(), eid)
    if row is None or not row["published"]:
        abort(404)
    return row, RENDERED.report(row)


#: report sha256 -> the report's `framework` member (title and its texts per language): a report never
#: changes, and the list should not parse every report's JSON on every visit.
_FRAMEWORK_HEADS: dict[str, dict] = {}


def _framework_heads(conn, rows) -> dict[str, dict]:
    missing = [r["id"] for r in rows if r["report_sha256"] not in _FRAMEWORK_HEADS]
    if missing:
        for sha, text in conn.execute(select(_E.c.report_sha256, _E.c.report).where(_E.c.id.in_(missing))):
            _FRAMEWORK_HEADS[sha] = json.loads(text)["framework"]
    return _FRAMEWORK_HEADS


@bp.get("/evaluations")
@public
def list_page():
    from hub.evaluation.html import framework_said
    from hub.web.ui.i18n import translate

    query = (
        select(_E.c.id, _E.c.title, _E.c.framework, _E.c.period, _E.c.created_at, _E.c.report_sha256)
        .where(_E.c.published.is_(True))
        .order_by(_E.c.id.desc())
    )
    with store().read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        heads = _framework_heads(conn, rows)
    lang = g.lang
    say = partial(framework_said, lang=lang, _=lambda key, **values: translate(lang, key, **values))
    for r in rows:
        head = heads[r["report_sha256"]]
        # the framework's title in the reader's language, unless the evaluator gave the ranking its own
        r["title"] = say(head, "title") if r["title"] == head.get("title") else r["title"]
    return render_template("evaluations.html", evaluations=rows)


def _dimensions(report: dict) -> list[dict]:
    index = report["framework"]["index"]
    return [n for n in report["nodes"] if n["parent"] == index]


@bp.get("/evaluations/<int:eid>")
@public
def evaluation_page(eid):
    from hub.evaluation import wording
    from hub.evaluation.html import framework_said, rank_sparkline
    from hub.web.ui.i18n import translate

    row, report = _published(eid)
    lang = g.lang

    def _(key, **values):  # the page's language, for the wording shared with report.html
        return translate(lang, key, **values)

    unc = report.get("uncertainty")
    names = wording.framework_names(report, lang)
    say = partial(framework_said, lang=lang, _=_)
    ranked = [u for u in report["units"] if u["rank"] is not None]
    panel = report.get("panel")
    moves = {}
    if panel:
        for m in panel["units"]:
            label = ", ".join(f"{s['period']}: {s['rank'] if s['rank'] is not None else '–'}" for s in m["series"])
            moves[m["id"]] = {
                **m,
                "spark": rank_sparkline(m["series"], len(ranked), _("eval.series_alt", unit=_unit_label(lang, m), values=label)),
            }
    after = wording.next_ranked(ranked)
    words = {u["id"]: wording.unit_summary(u, _, lang, after.get(u["id"])) for u in ranked}
    digits = score_digits(ranked)
    methods = {
        n["id"]: (
            wording.method_sentence(n["aggregate"], "aggregation", _)
            if n.get("aggregate")
            else wording.method_sentence(n.get("normalise"), "normalisation", _)
        )
        for n in report["nodes"]
    }
    sobol = []
    if unc:
        for name, s in sorted(unc["sobol"].items()):
            sobol.append(
                {
                    "name": wording.factor_name(name, _),
                    "alternatives": wording.factor_alternatives(name, unc["factors"][name], _),
                    "s1": wording.sobol_text(s, "S1"),
                    "st": wording.sobol_text(s, "ST"),
                }
            )
    audit = report.get("audit")
    flags = [wording.flag_sentence(f, names, _) for f in audit["flags"]] if audit else []
    # Which indicators moved between the two periods compared (a report from before the panel said
    # so has no list: nothing is claimed then).
    changed_ids = panel.get("changed_indicators") if panel else None
    indicators = [n["id"] for n in report["nodes"] if "source" in n]
    return render_template(
        "evaluations_detail.html",
        row=row,
        report=report,
        dims=_dimensions(report),
        unc=unc,
        links=links(eid),
        ranked=ranked,
        unranked=[u for u in report["units"] if u["rank"] is None],
        panel=panel,
        changed=None if changed_ids is None else _("list.sep").join(names.get(i, i) for i in changed_ids),
        same=0 if changed_ids is None else len(indicators) - len(changed_ids),
        moves=moves,
        words=words,
        digits=digits,
        methods=methods,
        sobol=sobol,
        audit=audit,
        flags=flags,
        names=names,
        say=say,
        shares=wording.weight_shares(report),
        # an award band's name per language, when the award table gives it
        band_of={b["name"]: b for b in report["awards"]["rule"]["bands"]} if report.get("awards") else {},
        title=say(report["framework"], "title") if row["title"] == report["framework"]["title"] else row["title"],
        wording=wording,
        reasons={code: wording.reason(code, _) for code in wording.REASONS},
        lang=lang,
        unit_label=partial(_unit_label, lang),
    )


def _unit_label(lang: str, unit: dict) -> str:
    """A unit's name as the page's reader reads it: a registered network in English on an English
    page (the report keeps the Chinese names it was computed with), any other unit as the report
    names it."""
    return places.unit_label(unit["id"], unit.get("label"), lang)


@bp.get("/evaluations/<int:eid>/charts/score.svg")
@public
def score_chart(eid):
    from hub.evaluation.html import SCORE_CHART_WIDTHS

    row, _ = _published(eid)
    lang, size = g.lang, request.args.get("size", "page")
    if size not in SCORE_CHART_WIDTHS:
        abort(404)
    response = _svg(row, RENDERED.get(row, "score", lang, size))
    response.set_etag(f"{row['report_sha256']}-score-{lang}-{size}")
    return response.make_conditional(request)


@bp.get("/evaluations/<int:eid>/charts/unit-<int:pos>.svg")
@public
def unit_chart(eid, pos):
    row, report = _published(eid)
    if not 0 <= pos < len(report["units"]) or report["units"][pos]["screened_out"]:
        abort(404)
    lang = g.lang  # the dimension names are the framework's, per language
    response = _svg(row, RENDERED.get(row, "unit", pos, lang))
    response.set_etag(f"{row['report_sha256']}-unit-{pos}-{lang}")
    return response.make_conditional(request)


def score_digits(ranked: list[dict], least: int = 2, most: int = 6) -> dict[str, int]:
    """Decimals to show each unit's score with: `least`, or as many as it takes for two neighbours
    of different ranks not to read the same (安徽 53.79 ranked 10th and 重庆 53.79 11th, from 53.7909
    and 53.7877); a true tie keeps `least`."""
    digits = {u["id"]: least for u in ranked}
    for a, b in zip(ranked, ranked[1:]):
        if a["rank"] == b["rank"] or a.get("score") is None or b.get("score") is None:
            continue
        d = least
        while d < most and f"{a['score']:.{d}f}" == f"{b['score']:.{d}f}":
            d += 1
        digits[a["id"]], digits[b["id"]] = max(digits[a["id"]], d), max(digits[b["id"]], d)
    return digits


def _svg(row, body: bytes) -> Response:
    response = Response(body, content_type="image/svg+xml")
    response.set_etag(f"{row['report_sha256']}-{request.path.rsplit('/', 1)[-1]}")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.app_template_filter("fixed")
def fixed(value, digits: int = 2) -> str:
    """A number with `digits` decimals; – for a missing one."""
    if value is None or isinstance(value, bool):
        return "–"
    return f"{float(value):,.{digits}f}"


#: How an indicator's raw value reads, by its metric's unit (hub.evaluation.metrics): shares as
#: percentages, yuan as money, counts whole. A breakdown read "External share of hours 0.28" and
#: "Total original value 9,322,678,000.00" (an evaluator's probe).
_COUNTS = {"instruments", "samples", "services"}


@bp.app_template_filter("raw_value")
def raw_value(value, source: dict | None) -> str:
    from hub.evaluation.metrics import METRICS
    from hub.evaluation.wording import share
    from hub.web.ui import formatting

    if value is None or isinstance(value, bool):
        return "–"
    name = (source or {}).get("metric")
    unit = METRICS.get(name).meta.get("unit") if name in METRICS else None
    if unit == "share":
        return share(value)
    if unit == "yuan":
        return formatting.money(value, g.lang) or "–"
    if unit in _COUNTS and float(value).is_integer():
        return f"{float(value):,.0f}"
    return fixed(value)
