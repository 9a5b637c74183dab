"""The message catalogue: both languages carry the same keys, and every key the templates and views
ask for exists (a missing one would show as its raw key)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.web.ui import i18n

UI = Path(__file__).resolve().parents[2] / "hub" / "web"
# _('key') and _("key"), in templates and in Python; keys built at run time are listed below.
LITERAL_KEY = re.compile(r"""_\(\s*['"]([a-z0-9_.\-]+)['"]""")
DYNAMIC_PREFIXES = {
    "sort.": ("relevance", "value", "-value", "commissioned", "-commissioned", "updated"),
    "job_kind.": ("full", "incremental", "service", "remap", "push"),
    "job_state.": ("running", "succeeded", "partial", "failed", "crashed"),
    "error.": ("400", "404", "405", "410", "500"),
    "job.": ("fetched", "created", "updated", "unchanged", "withdrawn", "rejected"),
    "eval.reason.": ("normalisation", "rescaled", "aggregation"),  # hub.evaluation.uncertainty's reason codes
}


def used_keys() -> set[str]:
    keys = set()
    for path in [*UI.glob("templates/*.html"), *UI.glob("ui/*.py")]:
        keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    prefixes = {k for k in keys if k.endswith(".")}  # _('job_state.' ~ state): completed below
    assert prefixes <= set(DYNAMIC_PREFIXES), f"list the values of {prefixes - set(DYNAMIC_PREFIXES)}"
    keys -= prefixes
    for prefix, values in DYNAMIC_PREFIXES.items():
        keys |= {prefix + v for v in values}
    return keys


def test_both_languages_have_the_same_keys():
    zh, en = set(i18n.CATALOGUE["zh"]), set(i18n.CATALOGUE["en"])
    assert zh - en == set(), "missing in English"
    assert en - zh == set(), "missing in Chinese"


def test_every_key_the_ui_uses_is_in_the_catalogue():
    keys = used_keys()
    assert len(keys) > 80  # the scan found the templates
    assert sorted(k for k in keys if k not in i18n.CATALOGUE["zh"]) == []


@pytest.mark.parametrize(
    "vocabulary, values",
    [
        pytest.param("status", "STATUSES", id="status"),
        pytest.param("sharing", "SHARING", id="sharing"),
        pytest.param("owner_type", "OWNER_TYPES", id="owner type"),
        pytest.param("owner_level", "OWNER_LEVELS", id="owner level"),
    ],
)
def test_every_national_vocabulary_value_has_a_label(vocabulary, values):
    from hub import schema

    for value in getattr(schema, values):
        for lang in i18n.LANGS:
            assert i18n.has(lang, f"{vocabulary}.{value}"), (lang, vocabulary, value)


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


def test_translate_fills_placeholders_and_shows_unknown_keys_as_themselves():
    assert i18n.translate("zh", "search.total", total="12") == "共 12 台仪器"
    assert i18n.translate("en", "pager.of", page=2, pages=5) == "Page 2 of 5"
    assert i18n.translate("en", "no.such.key") == "no.such.key"
