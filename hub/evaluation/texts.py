"""A framework's words for people — its title, description, and each node's name, rationale and
description — in one language for every reader, or per language of the UI.

A framework file writes such a text either as a string (shown as written to every reader) or as
`{zh: 绩效, en: Performance}`. The report keeps one plain string per field (the first language the
UI lists that the text has: old readers and the terminal see what they saw before) and, for the
texts given per language, `texts: {field: {lang: text}}` beside it. A page in one language shows
that language's text, or the other one marked as such (`pick` says which it fell back to): an
evaluator who wrote only English sees a Chinese page say so, never pass English off as Chinese.
"""

from __future__ import annotations

from hub.web.catalogues import LANGS

#: Fields of a framework or node that are words for people.
TEXT_FIELDS = ("title", "description", "name", "rationale")


def problem(value) -> str | None:
    """Why `value` is not a framework text (None when it is one)."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in LANGS)
        if unknown:
            return f"unknown language {unknown[0]!r}, expected some of {list(LANGS)}"
        if not value:
            return f"expected a text, or one per language ({', '.join(LANGS)})"
        bad = [k for k, v in value.items() if not isinstance(v, str) or not v.strip()]
        if bad:
            return f"the {bad[0]} text is not a non-empty string: {value[bad[0]]!r}"
        return None
    return f"expected a text, or one per language ({', '.join(f'{lang}: …' for lang in LANGS)}), got {value!r}"


def flat(value) -> str | None:
    """The one plain string the report keeps for a text (a per-language text: its first language)."""
    if isinstance(value, dict):
        return next(value[lang].strip() for lang in LANGS if lang in value)
    return value


def per_language(value) -> dict[str, str] | None:
    """{lang: text} in the UI's order for a per-language text; None for a text shared by every reader."""
    if isinstance(value, dict):
        # a folded YAML block (`>`) ends in a newline that is no part of the text
        return {lang: value[lang].strip() for lang in LANGS if lang in value}
    return None


def texts_of(values: dict) -> dict[str, dict[str, str]]:
    """The `texts` member of a report's framework or node: {field: {lang: text}} for its per-language texts."""
    out = {}
    for field, value in values.items():
        langs = per_language(value)
        if langs:
            out[field] = langs
    return out


def pick(holder: dict, field: str, lang: str) -> tuple[str | None, str | None]:
    """(text, language it fell back to) of `holder[field]` for a reader of `lang`.

    `holder` is a report's framework or node. The fallback language is None when the text is in
    the reader's language or is one text for every reader."""
    langs = (holder.get("texts") or {}).get(field)
    if not langs:
        return holder.get(field), None
    if lang in langs:
        return langs[lang], None
    other = next(iter(langs))
    return langs[other], other
