"""The UI's two languages: how a request picks its language, and gettext through Flask-Babel.

Chinese is the default for everyone (the catalogue's public is Chinese; a browser's Accept-Language
is deliberately ignored so a shared kiosk or a test browser in en-US still opens in Chinese).
`?lang=en` or `?lang=zh` switches and the choice is kept in a cookie, so the switch is one plain
link and works without JavaScript.

The messages are gettext catalogues (`hub.web.catalogues`). Templates call `_()` / `ngettext()`
(Jinja's i18n extension, installed by Flask-Babel, "newstyle": `_('pager.of', page=2, pages=5)`);
Python calls `gettext` / `ngettext` here for the request's language, or `translate(lang, …)` where
the language is not a request's (report.html written by the CLI). Every message is a %-format
string whatever its arguments, as Jinja's newstyle gettext treats it: a literal percent is `%%`.

A message id built at run time is invisible to extraction, so such ids are written out in tables
of `N_("…")` markers next to the code that picks one (never `"status." + value`).
"""

from __future__ import annotations

from babel.support import NullTranslations, Translations
from flask import g, has_request_context
from flask_babel import Babel, Domain

import hub.web.catalogues as catalogues  # by full name: tests/test_layers.py reads `from hub.web import` as the web layer

LANGS = catalogues.LANGS
DEFAULT_LANG = "zh"
COOKIE = "lang"
#: HTML `lang` attribute per UI language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}


def pick_lang(args, cookies) -> str:
    """The request's language: `?lang=` first, then the cookie, then Chinese."""
    for candidate in (args.get("lang"), cookies.get(COOKIE)):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG


def N_(msgid: str) -> str:  # noqa: N802  (gettext's own name for the marker)
    """Marks a message id for extraction without translating it (gettext_noop)."""
    return msgid


def current_lang() -> str:
    return g.get("lang", DEFAULT_LANG) if has_request_context() else DEFAULT_LANG


def _format(text: str, values: dict) -> str:
    return text % values


def translate(lang: str, msgid: str, **values) -> str:
    """The message `msgid` in `lang`, its `%(name)s` placeholders filled.

    An id the catalogue lacks shows as the id itself (visible, never a crash); the catalogue test
    keeps that from reaching users.
    """
    return _format(catalogues.translations(lang if lang in LANGS else DEFAULT_LANG).gettext(msgid), values)


def translate_plural(lang: str, msgid: str, plural: str, num: int, **values) -> str:
    """The form of `msgid` for `num` in `lang` (`%(num)s` is `num` unless given)."""
    values.setdefault("num", num)
    return _format(catalogues.translations(lang if lang in LANGS else DEFAULT_LANG).ngettext(msgid, plural, num), values)


def gettext(msgid: str, **values) -> str:
    """The message in the request's language."""
    return translate(current_lang(), msgid, **values)


def ngettext(msgid: str, plural: str, num: int, **values) -> str:
    return translate_plural(current_lang(), msgid, plural, num, **values)


class _Catalogues(Domain):
    """Flask-Babel's message domain, reading the catalogues compiled in memory (no .mo files)."""

    def get_translations(self) -> Translations | NullTranslations:
        return catalogues.translations(current_lang())


def init_app(app) -> None:
    """Flask-Babel on `app`: Jinja's `_` / `ngettext` in the request's language."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANG)
    babel = Babel(app, locale_selector=current_lang)
    babel.domain_instance = _Catalogues()
