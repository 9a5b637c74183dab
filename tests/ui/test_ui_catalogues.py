"""The gettext catalogues are complete: Babel extracts every message the source marks (templates and
Python, babel.cfg) and each must be translated, not fuzzy, in both zh and en; no catalogue keeps an
entry the source dropped; messages.pot lists what the source marks; the catalogue the app serves is
the .po as it stands. Any of these failing fails CI (this runs in the normal suite).

How to add a message: docs/ui.md, "Language".
"""

from __future__ import annotations

import gettext
import io
import shutil

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from hub.web import catalogues


def _ids(catalog) -> set[str]:
    return {catalogues._key(m) for m in catalog if m.id}


def test_both_catalogues_translate_every_marked_message():
    assert catalogues.problems() == []


def test_the_extraction_found_the_interface():
    marked = _ids(catalogues.extract())
    # the templates, the views' tables of coded values, the evaluation wording and report.html
    assert {"site.title", "status.retired", "invalid.amount", "method.normalisation.minmax", "eval.axis_score"} <= marked
    assert len(marked) > 350


def test_messages_pot_lists_what_the_source_marks():
    with catalogues.POT.open("rb") as f:
        template = read_po(f)
    assert _ids(template) == _ids(catalogues.extract()), "run: python -m hub.web.catalogues update"


class _AnyValue(dict):
    def __missing__(self, key):
        return "1"


@pytest.mark.parametrize("lang", catalogues.LANGS)
def test_the_served_catalogue_is_the_po_as_it_stands(lang):
    """No .mo file to go stale: what gettext answers is the .po's text, and every text formats (a
    lone % would break Jinja's newstyle gettext)."""
    assert not list(catalogues.DIRECTORY.rglob("*.mo")), "compiled catalogues are made in memory, not kept"
    served = catalogues.translations(lang)
    catalog = catalogues.read(lang)
    plural_index = gettext.c2py(catalog.plural_expr)  # the header's Plural-Forms, as gettext reads it
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            for n in (1, 2, 5):
                expected = message.string[plural_index(n)]
                assert served.ngettext(singular, plural, n) == expected, (message.id, n)
        else:
            assert served.gettext(message.id) == message.string, message.id
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            text % _AnyValue()


def test_extraction_reads_calls_inside_f_strings():
    source = b"""
x = f"<th>{_('eval.rank')}</th>"
y = translate(lang, "unit.yuan", amount=1)
z = i18n.ngettext("search.total", "search.total", n)
STATUS = {"normal": N_("status.normal")}
w = _(name)  # not a literal: nothing to extract
"""
    found = list(catalogues.extract_python(io.BytesIO(source), ["_", "translate", "ngettext", "N_"], [], {}))
    assert [(line, name, args) for line, name, args, _comments in found] == [
        (2, "_", ("eval.rank",)),
        (3, "translate", (None, "unit.yuan")),
        (4, "ngettext", ("search.total", "search.total", None)),
        (5, "N_", ("status.normal",)),
        (6, "_", (None,)),
    ]


def test_the_check_names_each_kind_of_problem(tmp_path, monkeypatch):
    """The completeness check is not vacuous: a missing, an untranslated, a fuzzy, a dropped and an
    obsolete entry are each reported."""
    shutil.copytree(catalogues.DIRECTORY, tmp_path / "translations")
    monkeypatch.setattr(catalogues, "DIRECTORY", tmp_path / "translations")
    zh, en = catalogues.read("zh"), catalogues.read("en")
    zh.delete("site.title")
    en["nav.search"].string = ""
    en["nav.stats"].flags.add("fuzzy")
    zh.add("no.longer.used", "旧")
    en.obsolete["retired.key"] = Message("retired.key", "Old")
    catalogues._write(catalogues.po_path("zh"), zh)
    catalogues._write(catalogues.po_path("en"), en)
    found = catalogues.problems()
    assert "zh: missing 'site.title'" in found
    assert "en: untranslated 'nav.search'" in found
    assert "en: fuzzy 'nav.stats'" in found
    assert "zh: no longer in the source 'no.longer.used'" in found
    assert "en: obsolete entry 'retired.key'" in found
