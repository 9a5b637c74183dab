"""Routes of the web UI. Each view reads, then renders one template; no view writes.

Search goes through hub.search — the same parameter schema and the same function the JSON API uses,
so the page and the API accept the same queries and always agree. Records are the national records
of hub.exports.record (what the API and exports show); network and statistics pages read the store
through hub.web.ui.queries.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit

from functools import lru_cache

from flask import Response, abort, g, render_template, request, url_for
from marshmallow import ValidationError

from hub import subsidies
from hub.search import labels
from hub.search.index import GROUPING_NAMES
from hub.search.lexicon import lexicon
from hub.search.query import SearchResult, count_upto

from hub.dedup.store import also_listed as also_listed_in, national_totals
from hub.exports.record import RECORD_SELECT, fetch_records, tombstone
from hub.auth.web import public
from hub.search import load_params, search
from hub.search.cache import cached
from hub.search.facets import city_names
from hub.search.labels import category_label, network_names
from hub.web.ui import by_id
from hub.store.models import Instrument
from hub.web import ui
from hub.web.ui import amounts, bp, charts, facets, formatting, i18n, places, queries, vocabulary
from hub.web.ui.i18n import N_

EXPORT_FORMATS = ("csv", "xlsx", "jsonl")


def _store():
    from hub.web import store

    return store()


def _category_name(code) -> str:
    if not code:
        return i18n.gettext("unknown")
    zh, en = category_label(str(code))
    return en if g.lang == "en" else zh


@bp.app_template_global()
def switch_lang_url() -> str:
    """This page in the other language (the rest of the query string kept, and what the page asked
    to carry along in `g.lang_switch_keeps`: a record's way back to its search).

    A query alone, never a path: the browser keeps the page's own address. The path is the client's
    to choose, and on the 404 page of /%5Cevil.example it made href="/\\evil.example?lang=en", which
    browsers read as //evil.example: a link off the hub on the hub's own page."""
    keeps = g.get("lang_switch_keeps") or {}
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang" and k not in keeps]
    args += list(keeps.items())
    args.append(("lang", "en" if g.get("lang", i18n.DEFAULT_LANG) == "zh" else "zh"))
    return f"?{urlencode(args)}"


def _load(params: dict):
    # A refused parameter raises marshmallow's ValidationError; the search page answers it itself
    # (the form again, the user's search kept, the message in the page's language).
    return load_params(params)


def _search_args(current: dict) -> dict:
    """The page's query → hub.search parameters: values typed in 万元 read as yuan, and retired
    instruments left out unless asked for (or a status is chosen)."""
    args = dict(current)
    for key in ("min_value", "max_value"):
        if key in args:
            args[key] = str(amounts.to_yuan(args[key]))
    args.setdefault("include_retired", "false")
    return args


def _bad_values(current: dict) -> list[dict]:
    errors = []
    for key in ("min_value", "max_value"):
        if key in current:
            try:
                amounts.to_yuan(current[key])
            except amounts.AmountError:
                errors.append({"parameter": key, "message": i18n.gettext("invalid.amount", value=current[key])})
    return errors


def _repeated(args) -> list[dict]:
    """A search parameter given more than once: the page searched the first value and said nothing
    (/?network=110000&network=440000 showed Beijing alone), where the API answers 400."""
    return [
        {"parameter": key, "message": i18n.gettext("invalid.repeated", values=" / ".join(args.getlist(key)))}
        for key in facets.SEARCH_PARAMS
        if len(args.getlist(key)) > 1
    ]


def _translated_errors(exc: ValidationError) -> list[dict]:
    """marshmallow's messages (English, for the API) → the page's language, one line per parameter."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    out = []
    for key, _text in messages.items():
        msgid = vocabulary.label("invalid", key)
        text = i18n.gettext(msgid) if msgid else i18n.gettext("invalid.other")
        out.append({"parameter": key, "message": text})
    return out


def _filters_open() -> bool:
    """Whether the filters start open: not on a phone. A phone says so in its User-Agent ("Mobi",
    as MDN recommends looking for) or, in Chromium, in the Sec-CH-UA-Mobile client hint it sends
    unasked. Without script this is the one way to open the sidebar on a desktop and keep it shut
    on a phone; pages vary on both headers."""
    mobile = request.headers.get("Sec-CH-UA-Mobile") == "?1" or "Mobi" in request.headers.get("User-Agent", "")
    return not mobile


@bp.after_app_request
def _vary_on_device(response):
    if request.endpoint == "ui.search_page":
        response.vary.add("User-Agent")
        response.vary.add("Sec-CH-UA-Mobile")
    return response


@bp.get("/")
@public
def search_page():
    # Unknown query arguments (lang, tracking tags) are the page's business, not the search's.
    current = facets.search_params(request.args)
    errors = _bad_values(current) + _repeated(request.args)
    result = None
    if not errors:
        try:
            params = _load(_search_args(current))
        except ValidationError as exc:
            errors = _translated_errors(exc)
    if errors:
        # A dead end no more: the same page, the search and filters as typed, what to change.
        empty = SearchResult(total=0, page=1, page_size=20)
        return render_template(
            "search.html",
            params=current,
            result=empty,
            groups=[],
            pager=facets.page_links(current, 1, 20, 0),
            sorts=facets.SORTS,
            active=[],
            exports=[],
            category_name=_category_name,
            errors=errors,
            retired_hidden=False,
            filters_open=True,
        ), 400
    with _store().read() as conn:
        result = search(conn, params)
        broader = _broader(conn, params, current) if not result.total and params.q else []
        networks = network_names(conn)
        named = by_id.instruments_named(conn, params.q, networks)
    groups = facets.facet_groups(result.facets, current, g.lang)
    pager = facets.page_links(current, result.page, result.page_size, result.total)
    export_query = facets.query_string({k: v for k, v in _search_args(current).items() if k not in ("page", "page_size")})
    return render_template(
        "search.html",
        params=current,
        result=result,
        groups=groups,
        pager=pager,
        # A link to a page past the last (shared or bookmarked before the results shrank) finds
        # results but shows none: the page says so and links to the last one.
        beyond=result.page if result.total and result.page > pager["pages"] else None,
        broader=broader,
        named=[(row, _network_name(networks, row.network)) for row in named],
        sorts=facets.SORTS,
        active=_active_filters(current, groups),
        exports=[(fmt, _export_href(fmt, export_query)) for fmt in EXPORT_FORMATS],
        category_name=_category_name,
        errors=[],
        filters_open=_filters_open(),
        retired_hidden=params.include_retired is False and params.status is None,
        include_retired_href="?" + facets.query_string(facets.with_params(current, include_retired="true")),
        hide_retired_href="?" + facets.query_string(facets.with_params(current, include_retired=None)),
        all_sources_href="?" + facets.query_string(facets.with_params(current, all_sources="true", page=None)),
        one_per_instrument_href="?" + facets.query_string(facets.with_params(current, all_sources=None, page=None)),
        corrected_href=("?" + facets.query_string(facets.with_params(current, q=result.q))) if result.corrected_from else None,
    )


#: At most this many shorter searches are tried, and shown, when a search finds nothing; each is
#: counted up to BROADER_CAP (shown as "1,000+"), so the hint costs the same at any catalogue size.
BROADER_TRIED, BROADER_SHOWN, BROADER_CAP = 4, 3, 1000


def fewer_words(q: str) -> list[str]:
    """Shorter searches for a query that found nothing, most of it first: the words from the start
    (a model's family before its variant: "Q Exactive Plus" → "Q Exactive"), then each word alone;
    a single hyphenated model number gives its first part ("JSM-7800F" → "JSM")."""
    words = q.split()
    if len(words) == 1:
        parts = [p for p in re.split(r"[-./+]", words[0]) if p]
        out = parts[:1] if len(parts) > 1 else []
    else:
        out = [" ".join(words[:i]) for i in range(len(words) - 1, 0, -1)] + words
    return [w for w in dict.fromkeys(out) if len(w) > 1]  # "Q" alone finds anything with a Q


def _broader(conn, params, current: dict) -> list[dict]:
    """Every word must match, so one word off what a network wrote finds nothing: the shorter
    searches that find something, each with its count (the count its link then shows)."""
    out = []
    shorter_searches = fewer_words(params.q)
    if len(params.q.split()) == 1:  # one word with nothing to split at: the parts of it names carry
        shorter_searches += lexicon(conn).known_parts(params.q)
    for shorter in list(dict.fromkeys(shorter_searches))[:BROADER_TRIED]:
        # Whole searches (ranking, facets) took 0.4–0.65 s for the four at 300,000 instruments.
        total = count_upto(conn, replace(params, q=shorter, page=1), BROADER_CAP)
        # "1260" after "1260 Infinity" with the same count would offer the same instruments twice.
        if total and not any(set(shorter.split()) <= set(o["q"].split()) and o["count"] == total for o in out):
            href = "?" + facets.query_string(facets.with_params(current, q=shorter))
            out.append({"q": shorter, "count": total, "more": total >= BROADER_CAP, "href": href})
    return out[:BROADER_SHOWN]


def _export_href(fmt: str, query: str) -> str:
    return f"/api/v1/instruments/export?format={fmt}" + (f"&{query}" if query else "")


def _active_filters(current: dict, groups) -> list[dict]:
    """Each filter in force, with a link that removes it, labelled as its facet value where shown."""
    selected = {(link.key, link.value): link.label for group in groups for link in group.links if link.selected}
    out = []
    for key in facets.SEARCH_PARAMS:
        if key in ("q", "sort", "page", "page_size", "all_sources") or key not in current:  # all_sources: the mode line says it
            continue
        value = current[key]
        shown = selected.get((key, value))
        label = _chip(key, shown) if shown else _filter_label(key, value)
        out.append({"key": key, "label": label, "href": "?" + facets.query_string(facets.with_params(current, **{key: None}))})
    return out


def _filter_label(key: str, value: str) -> str:
    """A chip's text: the filter's name and its value in words, never `status = retired`."""
    if key == "category":
        shown = _category_name(value) if value != "unknown" else i18n.gettext("unknown")
    elif key in ("min_value", "max_value"):
        try:
            shown = formatting.money(amounts.to_yuan(value), g.lang)
        except amounts.AmountError:
            shown = value
    elif key == "include_retired":
        return i18n.gettext("search.including_retired")
    elif key in _VALUE_NAMES and value != "unknown":
        shown = _VALUE_NAMES[key](value)
    else:
        shown = formatting.vocabulary(key, value, g.lang) if value != "unknown" else i18n.gettext("unknown")
    return _chip(key, shown)


def _network_value(code: str) -> str:
    with _store().read() as conn:
        return _network_name(network_names(conn), code)


def _city_value(code: str) -> str:
    with _store().read() as conn:
        name = city_names(conn, [code]).get(code)
    return (places.city_en(name) if g.lang == "en" else name) or code


#: Filters whose values are codes, named for a chip the facets did not label (no result holds the
#: value: a search of nothing showed "网络：420000").
_VALUE_NAMES = {"network": _network_value, "city": _city_value}


def _chip(key: str, shown: str) -> str:
    return f"{formatting.vocabulary('filter', key, g.lang)}{i18n.gettext('colon')}{shown}"


def _subjects(codes) -> list[str]:
    names = labels.subjects()
    out = []
    for code in codes or []:
        zh, en = names.get(str(code), (None, None))
        out.append(ui._coded(en if g.lang == "en" else zh, code) if zh else str(code))
    return out


def _network_config(code):
    try:
        return _registry().get(code)
    except Exception:  # a network stored but no longer registered: no portal to offer
        return None


@lru_cache(maxsize=1)
def _registry():
    from hub.config import Registry

    return Registry.load()


@bp.get("/instruments/<instrument_id>")
@public
def instrument_page(instrument_id):
    with _store().read() as conn:
        row = conn.execute(RECORD_SELECT.where(Instrument.__table__.c.id == instrument_id)).first()
        if row is None:
            abort(404)
        names = network_names(conn)
        if row._mapping["withdrawn_at"] is not None:
            record = tombstone(row)
            return render_template("withdrawn.html", record=record, network_name=_network_name(names, record["network"])), 410
        record = fetch_records(conn, [instrument_id])[0]
        also_listed = [dict(o, network_name=_network_name(names, o["network"])) for o in also_listed_in(conn, instrument_id)]
    region = record.get("region") or {}
    return render_template(
        "instrument.html",
        record=record,
        network_name=_network_name(names, record["network"]),
        network=_network_config(record["network"]),
        subsidies=subsidies.for_province(region.get("province") or record["network"]),
        subjects=_subjects(record.get("subjects")),
        place=_place(region),
        category_name=_category_name,
        also_listed=also_listed,
        back_href=_search_came_from(),
    )


def _search_came_from() -> str:
    """The search page this one was opened from (its query and page), else the search page itself:
    "back to search" kept nothing of the search. The hub's Referrer-Policy (same-origin) sends the
    full URL between its own pages and nothing to others. The language link reloads this page, whose
    referrer is then the page itself: it carries the search as `back` (`g.lang_switch_keeps`), always
    read as a query string of the search page, never as an address."""
    home = url_for("ui.search_page")
    came = urlsplit(request.referrer or "")
    query = came.query if came.netloc == request.host and came.path == home else request.args.get("back", "")
    # The search's own lang would switch the reader back: the cookie holds the language chosen.
    query = urlencode([(k, v) for k, v in parse_qsl(query) if k != "lang"])
    g.lang_switch_keeps = {"back": query} if query else {}
    return f"{home}?{query}" if query else home


def _network_name(names: dict, code: str) -> str:
    name = names.get(code) or code
    if g.lang != "en":
        return name
    return places.network_label_en(code, name)


@bp.app_template_global("place_of")
def _place(region: dict | None, county: bool = True) -> str | None:
    """Province, city, county as the reader reads them (a grouping row such as 林区 left out; with no
    city, the county, as a card read only 海南省 for an instrument in 琼海市)."""
    region = region or {}
    city = region.get("city_name")
    # A municipality (北京市, 上海市 …) is its own city: named once, not 北京市 北京市 怀柔区.
    named = city not in GROUPING_NAMES and city != region.get("province_name")
    parts = [
        region.get("province_name"),
        city if named else None,
        region.get("county_name") if county or not city or city in GROUPING_NAMES else None,
    ]
    parts = [p for p in parts if p]
    if g.lang == "en":
        return ", ".join(reversed([places.province_en(parts[0])] + [places.city_en(p) for p in parts[1:]])) if parts else None
    return " ".join(parts) or None


@bp.get("/networks")
@public
def networks_page():
    with _store().read() as conn:
        rows = queries.by_network(conn)
        jobs = queries.last_jobs(conn)
    rows.sort(key=lambda r: r["code"])
    return render_template("networks.html", networks=rows, jobs=jobs)


@bp.get("/networks/<code>")
@public
def network_page(code):
    with _store().read() as conn:
        network = queries.network(conn, code)
        if network is None:
            abort(404)
        jobs = queries.recent_jobs(conn, code)
        held = queries.held_withdrawals(conn, code)
        # The search its "search all" link opens, so that the number on the link is the one shown there.
        result = search(conn, _load(_search_args({"network": code, "sort": "-value", "page_size": "10"})))
    return render_template("network.html", network=network, jobs=jobs, held=held, result=result, category_name=_category_name)


# ----------------------------------------------------------------------------- statistics
# Each chart: name → (title key, the query giving its rows, how a row is labelled on the chart as
# (label in the page's language, fallback without CJK glyphs)).


def _network_label(row):
    english = places.province_en(row["province"]) if row["province"] else row["code"]
    return (english if g.lang == "en" else row["province"] or row["name"]), english


def _category_row_label(row):
    if not row["key"]:
        return i18n.gettext("unknown"), "unknown"
    zh, en = category_label(row["key"])
    return (en if g.lang == "en" else zh), en


def _band_label(row):
    if row["labels"] is None:
        return i18n.gettext("unknown"), "unknown"
    zh, en = row["labels"]
    return (en if g.lang == "en" else zh), en


def _vocab_label(kind):
    return lambda row: (formatting.vocabulary(kind, row["key"], g.lang), str(row["key"] or "unknown"))


STAT_CHARTS = {
    "network": (N_("stats.by_network"), queries.by_network, _network_label),
    "category": (N_("stats.by_category"), queries.by_category, _category_row_label),
    "owner_type": (N_("stats.by_owner_type"), queries.by_owner_type, _vocab_label("owner_type")),
    "value_band": (N_("stats.by_value_band"), queries.by_value_band, _band_label),
    "status": (N_("stats.by_status"), queries.by_status, _vocab_label("status")),
}


def _stat_rows(conn, name):
    title_key, query, label = STAT_CHARTS[name]
    rows = []
    # The registry too: the table by network lists every registered network under its name.
    for row in cached(conn, ("stats", name, labels.registry(conn)), lambda: query(conn)):
        text, fallback = label(row)
        rows.append({**row, "label": text, "fallback": fallback})
    return title_key, rows


@bp.get("/stats")
@public
def stats_page():
    with _store().read() as conn:
        totals = cached(conn, ("stats", "totals"), lambda: queries.totals(conn))
        tables = {name: _stat_rows(conn, name) for name in STAT_CHARTS}
        # cached like the rest: every change of a cluster bumps the search versions the cache keys on
        national = cached(conn, ("stats", "national"), lambda: national_totals(conn))
    return render_template("stats.html", totals=totals, tables=tables, national=national)


@bp.get("/stats/charts/<name>.svg")
@public
def stats_chart(name):
    size = request.args.get("size", "page")
    if name not in STAT_CHARTS or size not in charts.WIDTHS:
        abort(404)
    with _store().read() as conn:
        _title, rows = _stat_rows(conn, name)
    svg = charts.bar_chart_svg("", [charts.Bar(r["label"], r["fallback"], r["count"]) for r in rows], size=size)
    response = Response(svg, mimetype="image/svg+xml")
    # The language comes from the cookie, so a cache must keep one copy per cookie.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Cookie")
    return response
