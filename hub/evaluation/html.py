"""report.html: the ranking table, a score chart with rank-interval whiskers, the uncertainty and
sensitivity summary, and a breakdown per unit with its dimension chart. Charts are drawn by
matplotlib as inline SVG; the page loads nothing from elsewhere and needs no JavaScript
(<details> elements fold the breakdowns).
"""

from __future__ import annotations

import io
import warnings
from html import escape

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
    rc = {"svg.fonttype": "none",  # text stays text: Chinese names render with the reader's fonts
          "svg.hashsalt": "hub-evaluation"}  # stable element ids
    if font := cjk_font():
        rc["font.sans-serif"] = [font, "DejaVu Sans"]  # right layout metrics for Chinese labels
    # rc_context changes matplotlib's global settings: no other thread may draw meanwhile.
    with RENDER_LOCK, rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # with no CJK font, missing glyphs only affect layout metrics
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight" if tight else None)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _name(u):
    return f"{u['id']} {u['label']}" if u.get("label") else u["id"]


def score_chart(report) -> str:
    ranked = [u for u in report["units"] if u["rank"] is not None]
    if not ranked:
        return ""
    height = 0.6 + 0.28 * len(ranked)
    fig = Figure(figsize=(9, height))
    ax_s, ax_r = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    ys = list(range(len(ranked)))
    labels = [_name(u) for u in ranked]
    ax_s.barh(ys, [canonical(u["score"]) or 0 for u in ranked], color="#4477aa")
    ax_s.set_yticks(ys, labels, fontsize=7)
    ax_s.invert_yaxis()
    ax_s.set_xlabel("index score")
    ranks = [u["rank"] for u in ranked]
    ax_r.plot(ranks, ys, "o", color="#222222", markersize=3, label="rank")
    unc = [u.get("uncertainty") for u in ranked]
    if all(unc):
        med = [x["median_rank"] for x in unc]
        lo = [x["median_rank"] - x["rank_p05"] for x in unc]
        hi = [x["rank_p95"] - x["median_rank"] for x in unc]
        ax_r.errorbar(med, ys, xerr=[lo, hi], fmt="|", color="#cc6677", capsize=2, label="median, 5–95 %")
        ax_r.legend(fontsize=7, loc="lower right")
    ax_r.set_xlabel("rank (1 = best)")
    ax_r.invert_xaxis()
    return _svg(fig, tight=True)


def dimension_chart(report, unit) -> str:
    index = report["framework"]["index"]
    dims = [n for n in report["nodes"] if n["parent"] == index]
    scores = unit.get("scores") or {}
    values = [canonical(scores.get(d["id"])) if d["id"] in scores else canonical(unit["indicators"].get(d["id"], {}).get("normalised")) for d in dims]
    fig = Figure(figsize=(6, 0.3 + 0.3 * len(dims)))
    fig.subplots_adjust(left=0.42, right=0.9, top=0.95, bottom=0.05)
    ax = fig.subplots()
    ax.barh(range(len(dims)), [v or 0 for v in values], color="#228833")
    ax.set_yticks(range(len(dims)), [d["name"] for d in dims], fontsize=8)
    ax.set_xticks([])  # the value is written on each bar; ticks cost more than they tell
    ax.set_xlim(min(0, *(v or 0 for v in values)), max(1e-9, *(v or 0 for v in values)) * 1.25)
    ax.invert_yaxis()
    for y, v in enumerate(values):
        ax.text(v or 0, y, f" {_num(v, 2)}", va="center", fontsize=7)
    return _svg(fig)


CSS = """body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;font-size:.85em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td.l,th.l{text-align:left}
details{margin:.4em 0}summary{cursor:pointer;font-weight:bold}code{font-size:.85em}"""


def to_html_bytes(report: dict) -> bytes:
    fw = report["framework"]
    index = fw["index"]
    dims = [n for n in report["nodes"] if n["parent"] == index]
    indicators = [n for n in report["nodes"] if "source" in n]
    unc = report.get("uncertainty")
    out = [f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{escape(fw['title'])}</title><style>{CSS}</style></head><body>"]
    out.append(f"<h1>{escape(fw['title'])}</h1>")
    meta = [("framework", f"{fw['file']} (sha256 {fw['sha256']})"), ("period", report.get("period")), ("seed", report.get("seed"))]
    meta += [(f"input {t['file']}", f"{t['rows']} rows, sha256 {t['sha256']}") for t in report["inputs"]]
    if report.get("window"):
        w = report["window"]
        meta.append(("harvest window", f"{w['jobs_from']} – {w['jobs_to']}"))
    out.append("<table>" + "".join(f"<tr><th class=l>{escape(str(k))}</th><td class=l><code>{escape(str(v))}</code></td></tr>" for k, v in meta) + "</table>")

    out.append("<h2>Ranking</h2><table><tr><th>rank</th><th class=l>unit</th><th>score</th><th>median rank</th><th>5–95 % rank</th>")
    out.append("".join(f"<th>{escape(d['name'])}</th>" for d in dims) + "</tr>")
    for u in report["units"]:
        x = u.get("uncertainty") or {}
        interval = f"{_num(x.get('rank_p05'), 0)}–{_num(x.get('rank_p95'), 0)}" if x else "–"
        scores = u.get("scores") or {}
        cells = "".join(f"<td>{_num(scores.get(d['id']))}</td>" for d in dims)
        rank = u["rank"] if u["rank"] is not None else ("screened out" if u["screened_out"] else "–")
        out.append(f"<tr><td>{rank}</td><td class=l><a href='#u-{escape(u['id'])}'>{escape(_name(u))}</a></td><td>{_num(u.get('score'))}</td>"
                   f"<td>{_num(x.get('median_rank'), 1)}</td><td>{interval}</td>{cells}</tr>")
    out.append("</table>")
    out.append("<h2>Scores and rank intervals</h2>" + score_chart(report))

    if unc:
        out.append(f"<h2>Uncertainty and sensitivity</h2><p>{unc['runs']} Monte Carlo runs (seed {unc['seed']}); mean absolute rank shift "
                   f"{_num(unc['mean_abs_rank_shift'], 2)}.</p><table><tr><th class=l>uncertain choice</th><th class=l>alternatives</th>"
                   "<th>first-order S1</th><th>total ST</th></tr>")
        for name, s in sorted(unc["sobol"].items()):  # as report.json stores them (sorted keys)
            alt = escape(str(unc["factors"][name]))
            out.append(f"<tr><td class=l>{name}</td><td class=l><code>{alt}</code></td>"
                f"<td>{_num(s['S1'])} ± {_num(s['S1_conf'])}</td><td>{_num(s['ST'])} ± {_num(s['ST_conf'])}</td></tr>")
        out.append("</table>")

    out.append("<h2>Breakdown per unit</h2>")
    if len(report["units"]) > MAX_UNIT_CHARTS:
        out.append(f"<p>Dimension charts for the first {MAX_UNIT_CHARTS} units; the others have their table only.</p>")
    for pos, u in enumerate(report["units"]):
        out.append(f"<details id='u-{escape(u['id'])}'><summary>{u['rank'] if u['rank'] is not None else '–'}. {escape(_name(u))}</summary>")
        if not u["screened_out"] and pos < MAX_UNIT_CHARTS:
            out.append(dimension_chart(report, u))
        out.append("<table><tr><th class=l>indicator</th><th>raw</th><th>value</th><th>normalised</th><th class=l>trace</th></tr>")
        for n in indicators:
            e = u["indicators"][n["id"]]
            t = (u.get("trace") or {}).get(n["source"].get("metric", ""), "")
            out.append(f"<tr><td class=l>{escape(n['name'])}</td><td>{_num(e.get('raw'))}</td>"
                f"<td>{_num(e.get('value'))}</td><td>{_num(e.get('normalised'))}</td>"
                       f"<td class=l><code>{escape(str(t)) if t else ''}</code></td></tr>")
        out.append("</table></details>")

    out.append("<h2>Method</h2><table><tr><th class=l>node</th><th class=l>parent</th>"
        "<th>weight</th><th class=l>method</th><th class=l>rationale</th></tr>")
    for n in report["nodes"]:
        method = n.get("aggregate") or n.get("normalise")
        out.append(f"<tr><td class=l>{escape(n['name'])}</td><td class=l>{escape(str(n['parent'] or ''))}</td><td>{_num(n['weight'], 2)}</td>"
                   f"<td class=l><code>{escape(str(method))}</code></td><td class=l>{escape(n.get('rationale') or '')}</td></tr>")
    out.append("</table>")
    if report["warnings"]:
        out.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in report["warnings"]) + "</ul>")
    out.append("</body></html>\n")
    return "".join(out).encode("utf-8")
