"""The UI's two languages: how a request picks its language, and the message lookup.

Chinese is the default for everyone (the catalogue's public is Chinese; a browser's Accept-Language
is deliberately ignored so a shared kiosk or a test browser in en-US still opens in Chinese).
`?lang=en` or `?lang=zh` switches and the choice is kept in a cookie, so the switch is one plain
link and works without JavaScript.

The messages themselves are in `hub.web.ui.messages`.
"""

from __future__ import annotations

from hub.web.ui.messages import CATALOGUE

LANGS = ("zh", "en")
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


def translate(lang: str, key: str, **values) -> str:
    """The message `key` in `lang`, with `{name}` placeholders filled.

    A key missing from the catalogue shows as the key itself (visible, never a crash); the catalogue
    test keeps that from reaching users.
    """
    text = CATALOGUE.get(lang, CATALOGUE[DEFAULT_LANG]).get(key, key)
    return text.format(**values) if values else text


def has(lang: str, key: str) -> bool:
    return key in CATALOGUE.get(lang, {})
