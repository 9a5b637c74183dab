"""report.html: the ranking table, a score chart with rank-interval whiskers, the uncertainty and
sensitivity summary, and a breakdown per unit with its dimension chart. Charts are drawn by
matplotlib as inline SVG; the page loads nothing from elsewhere and needs no JavaScript
(<details> elements fold the breakdowns).
"""

from __future__ import annotations

import io
import re
import warnings
from html import escape

from markupsafe import Markup
from matplotlib import rc_context
from matplotlib.figure import Figure

from hub.evaluation.report import canonical
from hub.fonts import RENDER_LOCK, cjk_font


def _num(v, digits=3):
    v = canonical(v)
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


#: Units beyond this many get their breakdown table without a chart: matplotlib takes ~0.1 s a
#: chart, and a 191-country ranking would spend half a minute drawing bars nobody scrolls to.
MAX_UNIT_CHARTS = 60


def _svg(fig: Figure, tight=False) -> str:
    buf = io.StringIO()
    # Set per drawing, never globally: the UI's charts in the same process draw glyphs as paths.
    rc = {
        "svg.fonttype": "none",  # text stays text: Chinese names render with the reader's fonts
        "svg.hashsalt": "hub-evaluation",
    }  # stable element ids
    if font := cjk_font():
        rc["font.sans-serif"] = [font, "DejaVu Sans"]  # right layout metrics for Chinese labels
    # rc_context changes matplotlib's global settings: no other thread may draw meanwhile.
    with RENDER_LOCK, rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # with no CJK font, missing glyphs only affect layout metrics
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight" if tight else None)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _name(u):
    return f"{u['id']} {u['label']}" if u.get("label") else u["id"]


_PLACE = re.compile(r"^.{2,8}?(?:自治区|省|市)")


def short_name(u):
    """A unit as a phone's chart names it: its province (浙江省, not 330000 浙江省大型科学仪器设备协作共享平台),
    else the first characters of its name; the page's table beside the chart names it whole."""
    label = u.get("label") or u["id"]
    place = _PLACE.match(label)
    return place.group() if place else label if len(label) <= 8 else label[:7] + "…"


def _t(lang):
    from hub.web.ui.i18n import translate  # the UI's message catalogue: one wording for page and file

    return lambda key, **values: translate(lang, key, **values)


#: The score chart's width in inches, by the `size` a page asks for (hub.web.ui.charts.WIDTHS): on a
#: phone the page's chart, scrolled in its box, showed thirty bars of one length and no intervals.
SCORE_CHART_WIDTHS = {"page": 9.0, "phone": 2.6}


def score_chart(report, lang: str = "en", size: str = "page", names: dict | None = None) -> str:
    """`names`: unit id → (its name, its short name on a phone) in the reader's language, which the
    web layer knows (an English page's chart named units in Chinese beside an English table); else
    the report's own."""
    _ = _t(lang)
    ranked = [u for u in report["units"] if u["rank"] is not None]
    if not ranked:
        return ""
    height = 0.6 + 0.28 * len(ranked)
    fig = Figure(figsize=(SCORE_CHART_WIDTHS[size], height))
    ax_s, ax_r = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    ys = list(range(len(ranked)))
    labels = [names[u["id"]][0] if names else _name(u) for u in ranked]
    shorts = [names[u["id"]][1] if names else short_name(u) for u in ranked]
    ax_s.barh(ys, [canonical(u["score"]) or 0 for u in ranked], color="#4477aa")
    ax_s.set_yticks(ys, labels if size == "page" else shorts, fontsize=7)
    ax_s.invert_yaxis()
    ax_s.set_xlabel(_("eval.axis_score"))
    ranks = [u["rank"] for u in ranked]
    ax_r.plot(ranks, ys, "o", color="#222222", markersize=3, label=_("eval.legend_rank"))
    unc = [u.get("uncertainty") for u in ranked]
    if all(unc):
        med = [x["median_rank"] for x in unc]
        lo = [x["median_rank"] - x["rank_p05"] for x in unc]
        hi = [x["rank_p95"] - x["median_rank"] for x in unc]
        ax_r.errorbar(med, ys, xerr=[lo, hi], fmt="|", color="#cc6677", capsize=2, label=_("eval.legend_interval"))
        ax_r.legend(fontsize=7, loc="lower right")
    ax_r.set_xlabel(_("eval.axis_rank"))
    ax_r.invert_xaxis()
    return _svg(fig, tight=True)


def dimension_chart(report, unit, lang: str = "en") -> str:
    from hub.evaluation.wording import framework_names

    names = framework_names(report, lang)
    index = report["framework"]["index"]
    dims = [n for n in report["nodes"] if n["parent"] == index]
    scores = unit.get("scores") or {}
    values = [
        canonical(scores.get(d["id"])) if d["id"] in scores else canonical(unit["indicators"].get(d["id"], {}).get("normalised"))
        for d in dims
    ]
    fig = Figure(figsize=(6, 0.3 + 0.3 * len(dims)))
    fig.subplots_adjust(left=0.42, right=0.9, top=0.95, bottom=0.05)
    ax = fig.subplots()
    ax.barh(range(len(dims)), [v or 0 for v in values], color="#228833")
    ax.set_yticks(range(len(dims)), [names[d["id"]] for d in dims], fontsize=8)
    ax.set_xticks([])  # the value is written on each bar; ticks cost more than they tell
    ax.set_xlim(min(0, *(v or 0 for v in values)), max(1e-9, *(v or 0 for v in values)) * 1.25)
    ax.invert_yaxis()
    for y, v in enumerate(values):
        ax.text(v or 0, y, f" {_num(v, 2)}", va="center", fontsize=7)
    return _svg(fig)


def rank_sparkline(series: list[dict], units: int, label: str = "") -> str:
    """A unit's rank over the periods as a small inline SVG line (best rank at the top); drawn by
    hand, not by matplotlib — thirty of them on a page must cost nothing."""
    width, height, pad = 64, 18, 2
    points = [(i, s["rank"]) for i, s in enumerate(series)]
    known = [(i, r) for i, r in points if r is not None]
    if not known:
        return ""
    n = max(len(series) - 1, 1)
    top = max(units, 2)

    def xy(i, r):
        return pad + i * (width - 2 * pad) / n, pad + (r - 1) * (height - 2 * pad) / (top - 1)

    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, r) for i, r in known))
    dots = "".join(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='1.8'/>" for x, y in (xy(i, r) for i, r in known))
    return (
        f"<svg class='spark' width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img' aria-label='{escape(label)}'>"
        f"<title>{escape(label)}</title><polyline fill='none' stroke='#4477aa' stroke-width='1.2' points='{coords}'/>"
        f"<g fill='#4477aa'>{dots}</g></svg>"
    )


CSS = """body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;font-size:.85em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td.l,th.l{text-align:left}
details{margin:.4em 0}summary{cursor:pointer;font-weight:bold}code{font-size:.85em}"""


def framework_said(holder: dict, field: str, lang: str, _) -> Markup:
    """A framework's or node's text in the reader's language, as HTML; one the framework gives only in
    the other language is shown marked as such (its `lang` set, and a note), never passed off as the
    reader's. The report file and the published page both say it this way."""
    from hub.evaluation import wording
    from hub.web.ui.i18n import HTML_LANG

    text, other, note = wording.framework_text(holder, field, lang, _)
    if other is None:
        return Markup.escape(text)
    return Markup('<span lang="{}">{}</span> <small class="muted text-in">{}</small>').format(HTML_LANG.get(other, other), text, note)


def to_html_bytes(report: dict, lang: str = "en") -> bytes:
    from hub.evaluation import wording
    from hub.web.ui.i18n import translate_plural

    _ = _t(lang)
    fw = report["framework"]
    index = fw["index"]
    dims = [n for n in report["nodes"] if n["parent"] == index]
    indicators = [n for n in report["nodes"] if "source" in n]
    names = wording.framework_names(report, lang)

    def say(holder, field):
        return framework_said(holder, field, lang, _)

    unc = report.get("uncertainty")
    html_lang = {"zh": "zh-CN"}.get(lang, lang)
    title = wording.framework_text(fw, "title", lang, _)[0]
    out = [
        f"<!doctype html><html lang='{html_lang}'><head><meta charset='utf-8'><title>{escape(title)}</title><style>{CSS}</style>"
        f"</head><body>"
    ]
    out.append(f"<h1>{say(fw, 'title')}</h1>")
    if fw.get("description"):
        out.append(f"<p>{say(fw, 'description')}</p>")
    meta = [
        (_("eval.framework"), f"{fw['file']} (sha256 {fw['sha256']})"),
        (_("eval.period"), report.get("period") or "–"),
        (_("eval.seed"), report.get("seed")),
    ]
    meta += [
        (
            f"{_('eval.input')} {tb['file']}",
            f"{translate_plural(lang, 'eval.rows', 'eval.rows', tb['rows'], rows=tb['rows'])}, sha256 {tb['sha256']}",
        )
        for tb in report["inputs"]
    ]
    if report.get("window") and report["window"].get("jobs_from"):
        w = report["window"]
        meta.append((_("eval.window"), f"{w['jobs_from']} – {w['jobs_to']}"))
    out.append(
        "<table>"
        + "".join(f"<tr><th class=l>{escape(str(k))}</th><td class=l><code>{escape(str(v))}</code></td></tr>" for k, v in meta)
        + "</table>"
    )

    panel = report.get("panel")
    moves = {u["id"]: u for u in panel["units"]} if panel else {}
    ranked_count = report["counts"]["ranked"]
    out.append(
        f"<h2>{_('eval.ranking')}</h2><table><tr><th>{_('eval.rank')}</th><th class=l>{_('eval.unit')}</th><th>{_('eval.score')}</th>"
        f"<th>{_('eval.median_rank')}</th><th>{_('eval.rank_interval')}</th>"
    )
    if panel:
        out.append(f"<th>{_('eval.rank_change')}</th><th>{_('eval.score_change')}</th><th>{_('eval.series')}</th>")
    out.append("".join(f"<th>{say(d, 'name')}</th>" for d in dims) + f"<th class=l>{_('eval.in_words')}</th></tr>")
    after = wording.next_ranked(report["units"])
    for u in report["units"]:
        x = u.get("uncertainty") or {}
        interval = f"{_num(x.get('rank_p05'), 0)}–{_num(x.get('rank_p95'), 0)}" if x else "–"
        scores = u.get("scores") or {}
        cells = "".join(f"<td>{wording.num(scores.get(d['id']), 2)}</td>" for d in dims)
        rank = u["rank"] if u["rank"] is not None else ("–" if not u["screened_out"] else _("eval.unranked"))
        row = (
            f"<tr><td>{rank}</td><td class=l><a href='#u-{escape(u['id'])}'>{escape(_name(u))}</a></td>"
            f"<td>{wording.num(u.get('score'), 2)}</td>"
            f"<td>{_num(x.get('median_rank'), 0)}</td><td>{interval}</td>"
        )
        if panel:
            m = moves.get(u["id"]) or {}
            change, score_change = m.get("rank_change"), m.get("score_change")
            values = ", ".join(f"{s['period']}: {s['rank'] if s['rank'] is not None else '–'}" for s in m.get("series", []))
            row += (
                f"<td>{'–' if change is None else (f'{change:+d}' if change else '0')}</td>"
                f"<td>{'–' if score_change is None else f'{score_change:+.2f}'}</td>"
                f"<td>{rank_sparkline(m.get('series', []), ranked_count, _('eval.series_alt', unit=_name(u), values=values))}</td>"
            )
        out.append(row + cells + f"<td class=l>{escape(wording.unit_summary(u, _, lang, after.get(u['id'])))}</td></tr>")
    out.append("</table>")
    out.append(f"<h2>{_('eval.chart')}</h2>" + score_chart(report, lang))

    if report.get("aggregates"):
        out.append(_aggregates_html(report["aggregates"], _))
    if report.get("awards"):
        out.append(_awards_html(report["awards"], _, say))

    if unc:
        shift = wording.num(unc["mean_abs_rank_shift"], 2)
        note = _("eval.uncertainty_note", runs=unc["runs"], seed=unc["seed"], shift=shift)
        out.append(f"<h2>{_('eval.uncertainty')}</h2><p>{escape(note)}</p>")
        if unc.get("scores_not_summarised_code"):
            out.append(f"<p>{escape(_('eval.scores_not_summarised', reason=wording.reason(unc['scores_not_summarised_code'], _)))}</p>")
        if unc.get("positive_rescale"):
            out.append(f"<p>{escape(_('eval.positive_rescale', low=1, high=100))}</p>")
        out.append(
            f"<table><tr><th class=l>{_('eval.choice')}</th><th class=l>{_('eval.alternatives')}</th><th>{_('eval.s1')}</th>"
            f"<th>{_('eval.st')}</th></tr>"
        )
        for name, s in sorted(unc["sobol"].items()):  # as report.json stores them (sorted keys)
            alt = escape(wording.factor_alternatives(name, unc["factors"][name], _))
            out.append(
                f"<tr><td class=l>{escape(wording.factor_name(name, _))}</td><td class=l>{alt}</td><td>{wording.sobol_text(s, 'S1')}</td>"
                f"<td>{wording.sobol_text(s, 'ST')}</td></tr>"
            )
        out.append(f"</table><p>{escape(_('eval.sobol_note'))}</p>")

    if report.get("audit"):
        out.append(_audit_html(report["audit"], names, _))

    out.append(f"<h2>{_('eval.breakdown')}</h2>")
    if len(report["units"]) > MAX_UNIT_CHARTS:
        out.append(f"<p>Dimension charts for the first {MAX_UNIT_CHARTS} units; the others have their table only.</p>")
    for pos, u in enumerate(report["units"]):
        out.append(
            f"<details id='u-{escape(u['id'])}'><summary>{u['rank'] if u['rank'] is not None else '–'}. {escape(_name(u))}</summary>"
        )
        if not u["screened_out"] and pos < MAX_UNIT_CHARTS:
            out.append(dimension_chart(report, u, lang))
        out.append(
            f"<table><tr><th class=l>{_('eval.indicator')}</th><th>{_('eval.raw')}</th><th>{_('eval.normalised')}</th>"
            f"<th class=l>{_('eval.trace')}</th></tr>"
        )
        for n in indicators:
            e = u["indicators"][n["id"]]
            tr = (u.get("trace") or {}).get(n["source"].get("metric", ""), "")
            out.append(
                f"<tr><td class=l>{say(n, 'name')}</td><td>{wording.num(e.get('raw'), 3)}</td><td>{wording.num(e.get('normalised'), 2)}"
                f"</td>"
                f"<td class=l><code>{escape(wording.trace_text(tr)) if tr else ''}</code></td></tr>"
            )
        out.append("</table></details>")

    out.append(
        f"<h2>{_('eval.method')}</h2><table><tr><th class=l>{_('eval.indicator')}</th><th class=l>{_('eval.dimension')}</th>"
        f"<th>{_('eval.weight')}</th><th>{_('eval.weight_share')}</th>"
        f"<th class=l>{_('eval.method')}</th><th class=l>{_('eval.rationale')}</th></tr>"
    )
    shares = wording.weight_shares(report)
    for n in report["nodes"]:
        method = (
            wording.method_sentence(n["aggregate"], "aggregation", _)
            if n.get("aggregate")
            else wording.method_sentence(n.get("normalise"), "normalisation", _)
        )
        out.append(
            f"<tr><td class=l>{say(n, 'name')}</td><td class=l>{escape(names.get(n['parent'], '') if n['parent'] else '')}</td>"
            f"<td>{wording.num(n['weight'], 2)}</td><td>{wording.share(shares[n['id']])}</td>"
            f"<td class=l>{escape(method)}</td><td class=l>{say(n, 'rationale')}</td></tr>"
        )
    out.append("</table>")
    if report["warnings"]:
        out.append(
            f"<h2>{translate_plural(lang, 'eval.warnings', 'eval.warnings', len(report['warnings']), count=len(report['warnings']))}"
            "</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in report["warnings"]) + "</ul>"
        )
    out.append("</body></html>\n")
    return "".join(out).encode("utf-8")


def _aggregates_html(a: dict, _) -> str:
    from hub.evaluation import wording

    rows = [
        (_("eval.agg.units"), f"{a['units']:,}"),
        (_("eval.agg.instruments"), f"{a['instruments']:,}"),
        (_("eval.agg.external_services"), f"{a['external_services']:,}"),
        (_("eval.agg.enterprise_share"), wording.share(a["enterprise_share"], 2)),
        (_("eval.agg.samples"), f"{a['samples']:,}"),
        (_("eval.agg.external_sample_share"), wording.share(a["external_sample_share"], 2)),
        (_("eval.agg.hours"), f"{a['effective_hours']:,}"),
    ]
    return (
        f"<h2>{_('eval.aggregates')}</h2><table id='aggregates'>"
        + "".join(f"<tr><th class=l>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
        + "</table>"
    )


def _awards_html(awards: dict, _, say) -> str:
    from hub.evaluation import wording

    rule = awards["rule"]
    note = _(
        "eval.awards_note",
        budget=f"{rule['budget']:,}",
        cap=f"{rule['cap']:,}" if rule["cap"] else "–",
        step=f"{rule['step']:,}",
        total=f"{awards['total']:,}",
    )
    out = [
        f"<h2>{_('eval.awards')}</h2><p>{escape(note)}</p><table id='awards'><tr><th>{_('eval.rank')}</th><th class=l>{_('eval.unit')}</th>"
        f"<th class=l>{_('eval.band')}</th><th>{_('eval.score')}</th><th>{_('eval.award')}</th></tr>"
    ]
    band_of = {b["name"]: b for b in rule["bands"]}  # a band's name per language, when the table gives it
    for u in awards["units"]:
        name = f"{u['id']} {u['label']}" if u.get("label") else u["id"]
        band = say(band_of.get(u["band"]) or {"name": u["band"]}, "name")
        out.append(
            f"<tr><td>{u['rank']}</td><td class=l>{escape(name)}</td><td class=l>{band}</td><td>{wording.num(u['score'], 2)}"
            f"</td><td>{u['award']:,}</td></tr>"
        )
    return "".join(out) + "</table>"


def _audit_html(audit: dict, names: dict, _) -> str:
    from hub.evaluation import wording

    out = [f"<h2>{_('eval.audit')}</h2><p>{escape(_('eval.audit_note', units=audit['units']))}</p>"]
    out.append(
        f"<table id='audit-indicators'><tr><th class=l>{_('eval.indicator')}</th><th class=l>{_('eval.dimension')}</th>"
        f"<th>{_('eval.pearson_parent')}</th>"
        f"<th>{_('eval.spearman_parent')}</th><th>{_('eval.pearson_index')}</th><th>{_('eval.spearman_index')}</th>"
        f"<th>{_('eval.nominal_weight')}</th><th>{_('eval.effective_weight')}</th></tr>"
    )
    # in the tree's order (report["nodes"]), whatever order the JSON keys came back in
    for node_id in [n for n in names if n in audit["nodes"]]:
        e = audit["nodes"][node_id]
        w = audit["effective_weights"].get(node_id)
        out.append(
            f"<tr><td class=l>{escape(names.get(node_id, node_id))}</td><td class=l>{escape(names.get(e['parent'], e['parent']))}</td>"
            f"<td>{wording.num(e['pearson_parent'])}</td><td>{wording.num(e['spearman_parent'])}</td><td>{wording.num(e['pearson_index'])}"
            f"</td>"
            f"<td>{wording.num(e['spearman_index'])}</td><td>{wording.share(w['nominal']) if w else ''}</td>"
            f"<td>{wording.share(w['effective']) if w else ''}</td></tr>"
        )
    out.append(
        f"</table><table id='audit-dimensions'><tr><th class=l>{_('eval.dimension')}</th><th>{_('eval.cronbach')}</th>"
        f"<th>{_('eval.pca_first')}</th><th>{_('eval.pca_above_1')}</th></tr>"
    )
    for d in [n for n in names if n in audit["dimensions"]]:
        e = audit["dimensions"][d]
        pca = e.get("pca") or {}
        first = wording.share(pca["variance_share"][0]) if pca else "–"
        out.append(
            f"<tr><td class=l>{escape(names.get(d, d))}</td><td>{wording.num(e['cronbach_alpha'])}</td><td>{first}</td>"
            f"<td>{pca.get('components_above_1', '–')}</td></tr>"
        )
    out.append("</table>")
    between = audit["between_dimensions"]
    if len(between["dimensions"]) > 1:
        head = "".join(f"<th>{escape(names.get(d, d))}</th>" for d in between["dimensions"])
        out.append(f"<h3>{_('eval.between_dimensions')}</h3><table id='audit-between'><tr><th></th>{head}</tr>")
        for d, row in zip(between["dimensions"], between["pearson"]):
            out.append(f"<tr><th class=l>{escape(names.get(d, d))}</th>" + "".join(f"<td>{wording.num(v)}</td>" for v in row) + "</tr>")
        out.append("</table>")
    flags = audit["flags"]
    out.append(f"<h3>{_('eval.flags')}</h3>")
    out.append(
        "<ul>" + "".join(f"<li>{escape(wording.flag_sentence(f, names, _))}</li>" for f in flags) + "</ul>"
        if flags
        else f"<p>{_('eval.no_flags')}</p>"
    )
    return "".join(out)
