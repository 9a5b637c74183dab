"""The server-rendered web UI: search with facets, instrument pages, network pages, national statistics.

Chinese by default, English through `?lang=en` (kept in a cookie); every page works without
JavaScript and loads nothing from outside the hub. Views are in `views.py`; this module assembles the
blueprint and what every template may use (`lang`, the formatting filters); `_` and `ngettext` are
Flask-Babel's (hub.web.ui.i18n.init_app, called by the app factory).
"""

from __future__ import annotations

from flask import Blueprint, g, request
from markupsafe import Markup, escape

from hub.web.public_url import over_https
from hub.web.ui import formatting, i18n, vocabulary

bp = Blueprint("ui", __name__)


@bp.before_app_request
def _pick_language():
    g.lang = i18n.pick_lang(request.args, request.cookies)


@bp.after_app_request
def _remember_language(response):
    # Only an explicit switch sets the cookie: a page that merely reads it need not rewrite it.
    if request.args.get("lang") in i18n.LANGS and not request.path.startswith("/api/"):
        # Secure whenever the browser came over HTTPS (as the admin cookie): never sent in clear.
        secure = over_https()
        response.set_cookie(i18n.COOKIE, request.args["lang"], max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=secure)
        # A shared cache must not keep this answer: it would hand the cookie to every later reader
        # (a chart asked with ?lang=en was sent "public, max-age=300" with its Set-Cookie).
        response.cache_control.public = False
        response.cache_control.private = True
    return response


@bp.after_app_request
def _vary_on_language(response):
    # A page is in the cookie's language: a shared cache must keep one copy per cookie, or it hands a
    # Chinese reader the English page another reader was sent.
    if response.mimetype == "text/html":
        response.vary.add("Cookie")
    return response


def _lang() -> str:
    return getattr(g, "lang", i18n.DEFAULT_LANG)


@bp.app_context_processor
def _template_language():
    lang = _lang()
    return {"lang": lang, "html_lang": i18n.HTML_LANG[lang]}


@bp.app_template_filter("money")
def _money(value):
    return formatting.money(value, _lang())


@bp.app_template_filter("total_money")
def _total_money(value):
    """A sum of values: over no known value it reads unknown (未知), never blank (docs/networks.md)."""
    return formatting.money(value, _lang()) if value is not None else formatting.translate(_lang(), "value.unknown")


@bp.app_template_filter("timestamp_cell")
def _timestamp_cell(value):
    """A timestamp in a table cell: the date and time kept on one line (on a phone they broke as
    "2026-12-" / "08 03:21"), the zone short with its full name as a title (the full name in every
    row wrapped each cell onto three lines on a phone)."""
    lang = _lang()
    when, zone = formatting.timestamp_parts(value, lang, zone=i18n.N_("time.zone_short"))
    if not zone:
        return escape(when)
    full = formatting.translate(lang, "time.zone")
    return Markup(f'<span class="when">{escape(when)}</span> <abbr title="{escape(full)}">{escape(zone)}</abbr>')


@bp.app_template_filter("partial_date")
def _partial_date(value):
    return formatting.partial_date(value, _lang())


@bp.app_template_filter("timestamp")
def _timestamp(value):
    return formatting.timestamp(value, _lang())


@bp.app_template_filter("vocab")
def _vocab(value, kind):
    return formatting.vocabulary(kind, value, _lang())


@bp.app_template_filter("job_kind")
def _job_kind(job):
    """A job's kind (a job row or its dict), a pushed batch of service statistics (a push with a
    year) named as such rather than as a push of instruments."""
    kind, year = (job["kind"], job.get("year")) if isinstance(job, dict) else (job.kind, job.year)
    return formatting.vocabulary("job_kind", "push_service" if kind == "push" and year else kind, _lang())


@bp.app_template_filter("refused_field")
def _refused_field(field):
    """The field a refusal names: the province's own name as sent, or what stands for the whole record
    or its id, in the page's language."""
    msgid = vocabulary.label("record_part", field) if field else None
    return i18n.gettext(msgid) if msgid else (field or "")


@bp.app_template_filter("reason")
def _reason(message):
    return formatting.reason(message, _lang())


@bp.app_template_filter("refusal")
def _refusal(parameter):
    """Why a request parameter was refused, in the page's language (the validators' own messages
    are English, for the API)."""
    msgid = vocabulary.label("invalid", parameter)
    return i18n.gettext(msgid) if msgid else i18n.gettext("invalid.other")


@bp.app_template_filter("country")
def _country(value):
    return formatting.country(value, _lang())


@bp.app_template_filter("data")
def _data(value):
    """A value from the records, not from the interface: on an English page a Chinese value is
    marked lang="zh-CN" (screen readers switch voice; the language crawl test skips it)."""
    from jinja2 import Undefined
    from markupsafe import Markup, escape

    # Undefined: a key the record lacks (`contact.name` of a record without a contact) is missing,
    # not a value: passed on, it made `field` show the label beside an empty value.
    if value is None or isinstance(value, Undefined) or value == "":
        return ""
    if _lang() != "zh" and formatting.has_cjk(str(value)):
        return Markup('<span lang="zh-CN">') + escape(value) + Markup("</span>")
    return value


@bp.app_template_global("coded")
def _coded(name, code):
    """A name with its code: 色谱仪器（010500） / Chromatographs (010500)."""
    return f"{name}（{code}）" if _lang() == "zh" else f"{name} ({code})"


@bp.app_template_filter("network_name")
def _network_name(name, code):
    from hub.web.ui import places

    return places.network_label_en(code, name) if _lang() == "en" else name


@bp.app_template_filter("province")
def _province(name):
    from hub.web.ui import places

    return places.province_en(name) if _lang() == "en" else name


@bp.app_template_filter("number")
def _number(value):
    return formatting.number(value, _lang())


from hub.web.ui import views  # noqa: E402,F401  (registers the routes on bp)
