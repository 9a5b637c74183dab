"""The language of a request, the lookup, and the labels of coded values.

That every message the source marks is in both catalogues is tests/ui/test_ui_catalogues.py.
"""

from __future__ import annotations

import pytest

from hub.web.ui import formatting, i18n, vocabulary


@pytest.mark.parametrize(
    "vocabulary_name, values",
    [
        pytest.param("status", "STATUSES", id="status"),
        pytest.param("sharing", "SHARING", id="sharing"),
        pytest.param("owner_type", "OWNER_TYPES", id="owner type"),
        pytest.param("owner_level", "OWNER_LEVELS", id="owner level"),
    ],
)
def test_every_national_vocabulary_value_has_a_label(vocabulary_name, values):
    from hub import schema

    for value in getattr(schema, values):
        msgid = vocabulary.label(vocabulary_name, value)
        assert msgid, (vocabulary_name, value)
        for lang in i18n.LANGS:
            assert i18n.translate(lang, msgid) != msgid, (lang, msgid)


def test_every_search_parameter_has_a_chip_name_and_a_refusal():
    from hub.web.ui import facets

    for key in facets.SEARCH_PARAMS:
        if key not in ("q", "sort", "page", "page_size", "all_sources"):  # no chip: the page's own controls say them
            assert vocabulary.label("filter", key), key
        assert vocabulary.label("invalid", key), key


@pytest.mark.parametrize(
    "kind, value, lang, expected",
    [
        pytest.param("status", "retired", "zh", "已报废", id="a status in Chinese"),
        pytest.param("status", "retired", "en", "Retired", id="in English"),
        pytest.param("certified", True, "en", "certified", id="a boolean"),
        pytest.param("status", "on_the_moon", "en", "on_the_moon", id="an unknown value as sent"),
        pytest.param("status", None, "en", "Unknown", id="a missing value"),
    ],
)
def test_vocabulary_labels(kind, value, lang, expected):
    assert formatting.vocabulary(kind, value, lang) == expected


@pytest.mark.parametrize(
    "args, cookies, expected",
    [
        pytest.param({}, {}, "zh", id="Chinese by default"),
        pytest.param({"lang": "en"}, {}, "en", id="switch"),
        pytest.param({}, {"lang": "en"}, "en", id="cookie"),
        pytest.param({"lang": "zh"}, {"lang": "en"}, "zh", id="switch beats cookie"),
        pytest.param({"lang": "fr"}, {"lang": "xx"}, "zh", id="unknown values ignored"),
    ],
)
def test_pick_lang(args, cookies, expected):
    assert i18n.pick_lang(args, cookies) == expected


def test_translate_fills_placeholders_and_shows_unknown_ids_as_themselves():
    assert i18n.translate("en", "pager.of", page=2, pages=5) == "Page 2 of 5"
    assert i18n.translate("en", "no.such.key") == "no.such.key"
    assert i18n.translate("zh", "eval.rank_interval") == "5–95% 排名区间"  # %% is a literal percent


@pytest.mark.parametrize(
    "lang, n, expected",
    [
        pytest.param("zh", 1, "共 1 台仪器", id="Chinese has one form"),
        pytest.param("zh", 12, "共 12 台仪器", id="Chinese, many"),
        pytest.param("en", 1, "1 instrument", id="English singular"),
        pytest.param("en", 12, "12 instruments", id="English plural"),
        pytest.param("en", 0, "0 instruments", id="English zero"),
    ],
)
def test_plural_forms(lang, n, expected):
    assert i18n.translate_plural(lang, "search.total", "search.total", n, total=str(n)) == expected


def test_templates_translate_through_flask_babel(app):
    """Jinja's _() and ngettext() come from Flask-Babel, in the request's language, and escape the
    values they fill in."""
    from flask import render_template_string

    source = "{{ _('search.remove_filter', label=label) }}|{{ ngettext('search.total', 'search.total', n, total=n) }}"
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert render_template_string(source, label="<b>", n=1) == "Remove filter: &lt;b&gt;|1 instrument"
    with app.test_request_context("/"):
        app.preprocess_request()
        assert render_template_string(source, label="x", n=3) == "去掉条件：x|共 3 台仪器"


def test_a_status_has_one_name_in_the_filter_and_on_the_page():
    """The search filter (the API's facet labels) said 远程 and Normal where the instrument page and
    /stats said 远程可用 and In service (found reading the pages)."""
    from hub.search.labels import STATUSES
    from hub.web.ui.formatting import vocabulary

    for value, (zh, en) in STATUSES.items():
        assert (vocabulary("status", value, "zh"), vocabulary("status", value, "en")) == (zh, en), value
