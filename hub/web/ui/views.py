"""Routes of the web UI. Each view reads, then renders one template; no view writes.

Search goes through hub.search — the same parameter schema and the same function the JSON API uses,
so the page and the API accept the same queries and always agree. Records are the national records
of hub.exports.record (what the API and exports show); network and statistics pages read the store
through hub.web.ui.queries.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, abort, g, render_template, request

from hub.dedup.store import also_listed as also_listed_in, national_totals
from hub.exports.record import RECORD_SELECT, fetch_records, tombstone
from hub.search import load_params, search
from hub.search.cache import cached
from hub.search.labels import category_label, network_names
from hub.store.models import Instrument
from hub.web.ui import bp, charts, facets, formatting, i18n, queries

EXPORT_FORMATS = ("csv", "xlsx", "jsonl")


def _store():
    from hub.web import store

    return store()


def _category_name(code) -> str:
    if not code:
        return i18n.translate(g.lang, "unknown")
    zh, en = category_label(str(code))
    return en if g.lang == "en" else zh


@bp.app_template_global()
def switch_lang_url() -> str:
    """This page in the other language (the rest of the query string kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", "en" if g.get("lang", i18n.DEFAULT_LANG) == "zh" else "zh"))
    return f"{request.path}?{urlencode(args)}"


def _load(params: dict):
    # A refused parameter raises marshmallow's ValidationError; the app's one error handler answers
    # it with a 400 page (error.html) naming the parameter.
    return load_params(params)


@bp.get("/")
def search_page():
    # Unknown query arguments (lang, tracking tags) are the page's business, not the search's.
    current = facets.search_params(request.args)
    params = _load(current)
    with _store().read() as conn:
        result = search(conn, params)
    groups = facets.facet_groups(result.facets, current, g.lang)
    export_query = facets.query_string({k: v for k, v in current.items() if k not in ("page", "page_size")})
    return render_template(
        "search.html",
        params=current,
        result=result,
        groups=groups,
        pager=facets.page_links(current, result.page, result.page_size, result.total),
        sorts=facets.SORTS,
        active=_active_filters(current, groups),
        exports=[(fmt, _export_href(fmt, export_query)) for fmt in EXPORT_FORMATS],
        category_name=_category_name,
    )


def _export_href(fmt: str, query: str) -> str:
    return f"/api/v1/instruments/export?format={fmt}" + (f"&{query}" if query else "")


def _active_filters(current: dict, groups) -> list[dict]:
    """Each filter in force, with a link that removes it, labelled as its facet value where shown."""
    selected = {link.value: link.label for group in groups for link in group.links if link.selected}
    out = []
    for key in facets.SEARCH_PARAMS:
        if key in ("q", "sort", "page", "page_size") or key not in current:
            continue
        value = current[key]
        label = selected.get(value) or (_category_name(value) if key == "category" else f"{key} = {value}")
        out.append({"key": key, "label": label, "href": "?" + facets.query_string(facets.with_params(current, **{key: None}))})
    return out


@bp.get("/instruments/<instrument_id>")
def instrument_page(instrument_id):
    with _store().read() as conn:
        row = conn.execute(RECORD_SELECT.where(Instrument.__table__.c.id == instrument_id)).first()
        if row is None:
            abort(404)
        names = network_names(conn)
        if row._mapping["withdrawn_at"] is not None:
            record = tombstone(row)
            return render_template("withdrawn.html", record=record, network_name=names.get(record["network"])), 410
        record = fetch_records(conn, [instrument_id])[0]
        also_listed = [dict(o, network_name=names.get(o["network"], o["network"])) for o in also_listed_in(conn, instrument_id)]
    return render_template("instrument.html", record=record, network_name=names.get(record["network"]), category_name=_category_name,
                           also_listed=also_listed)


@bp.get("/networks")
def networks_page():
    with _store().read() as conn:
        rows = queries.by_network(conn)
        jobs = queries.last_jobs(conn)
    rows.sort(key=lambda r: r["code"])
    return render_template("networks.html", networks=rows, jobs=jobs)


@bp.get("/networks/<code>")
def network_page(code):
    with _store().read() as conn:
        network = queries.network(conn, code)
        if network is None:
            abort(404)
        jobs = queries.recent_jobs(conn, code)
        result = search(conn, _load({"network": code, "sort": "-value", "page_size": "10"}))
    return render_template("network.html", network=network, jobs=jobs, result=result, category_name=_category_name)


# ----------------------------------------------------------------------------- statistics
# Each chart: name → (title key, the query giving its rows, how a row is labelled on the chart as
# (label in the page's language, fallback without CJK glyphs)).


def _network_label(row):
    return row["province"] or row["name"], row["code"]


def _category_row_label(row):
    if not row["key"]:
        return i18n.translate(g.lang, "unknown"), "unknown"
    zh, en = category_label(row["key"])
    return (en if g.lang == "en" else zh), en


def _band_label(row):
    if row["labels"] is None:
        return i18n.translate(g.lang, "unknown"), "unknown"
    zh, en = row["labels"]
    return (en if g.lang == "en" else zh), en


def _vocab_label(kind):
    return lambda row: (formatting.vocabulary(kind, row["key"], g.lang), str(row["key"] or "unknown"))


STAT_CHARTS = {
    "network": ("stats.by_network", queries.by_network, _network_label),
    "category": ("stats.by_category", queries.by_category, _category_row_label),
    "owner_type": ("stats.by_owner_type", queries.by_owner_type, _vocab_label("owner_type")),
    "value_band": ("stats.by_value_band", queries.by_value_band, _band_label),
}


def _stat_rows(conn, name):
    title_key, query, label = STAT_CHARTS[name]
    rows = []
    for row in cached(conn, ("stats", name), lambda: query(conn)):
        text, fallback = label(row)
        rows.append({**row, "label": text, "fallback": fallback})
    return title_key, rows


@bp.get("/stats")
def stats_page():
    with _store().read() as conn:
        totals = cached(conn, ("stats", "totals"), lambda: queries.totals(conn))
        tables = {name: _stat_rows(conn, name) for name in STAT_CHARTS}
        national = national_totals(conn)  # not cached: clusters change without the index's version
    return render_template("stats.html", totals=totals, tables=tables, national=national)


@bp.get("/stats/charts/<name>.svg")
def stats_chart(name):
    if name not in STAT_CHARTS:
        abort(404)
    with _store().read() as conn:
        _title, rows = _stat_rows(conn, name)
    svg = charts.bar_chart_svg("", [charts.Bar(r["label"], r["fallback"], r["count"]) for r in rows])
    response = Response(svg, mimetype="image/svg+xml")
    # The language comes from the cookie, so a cache must keep one copy per cookie.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Cookie")
    return response
