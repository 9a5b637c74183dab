"""The gettext catalogues: where they live, how Babel finds their messages in the source, and how
the app reads them.

`hub/web/translations/<lang>/LC_MESSAGES/messages.po` (zh and en) are the catalogues;
`hub/web/translations/messages.pot` is what extraction found. Message ids are stable dotted keys
(`search.total`, `status.retired`), translated in both catalogues — see docs/ui.md for why.

No `.mo` file is written or shipped: `translations(lang)` compiles the `.po` in memory the first
time a language is asked for (Babel's read_po + write_mo, a few milliseconds), so a compiled
catalogue can never be older than its source and `pip install -e .` needs no build step.

Babel's own Python extractor reads tokens, and before Python 3.12 an f-string is one token: a
`_("eval.rank")` inside `f"<th>{_('eval.rank')}</th>"` (report.html is written that way) is
invisible to it on 3.11 and visible on 3.12, so the extracted set would depend on the interpreter.
`extract_python` walks the syntax tree instead and finds every call on every version; babel.cfg
names it for `hub/**.py`.

Maintainers: `python -m hub.web.catalogues update` extracts the messages (babel.cfg at the
repository root names the files and the marker functions) into messages.pot and merges them into
both catalogues; `python -m hub.web.catalogues check` lists what tests/ui/test_ui_catalogues.py
would fail on.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Collection, Iterator, Mapping
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

LANGS = ("zh", "en")
DOMAIN = "messages"
DIRECTORY = Path(__file__).resolve().parent / "translations"
POT = DIRECTORY / f"{DOMAIN}.pot"
#: The source tree extraction reads (the repository root, where babel.cfg lives).
ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "babel.cfg"
HEADER = {"project": "hub", "copyright_holder": "the hub's authors", "width": 140}


def po_path(lang: str) -> Path:
    return DIRECTORY / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    if not po_path(lang).exists():  # a new language: an empty catalogue that `update` fills with ids
        return Catalog(locale=lang, domain=DOMAIN, project=HEADER["project"], copyright_holder=HEADER["copyright_holder"])
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@lru_cache(maxsize=None)
def translations(lang: str) -> Translations:
    """`lang`'s catalogue compiled in memory (fuzzy entries left out, as msgfmt does)."""
    buf = BytesIO()
    write_mo(buf, read(lang), use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def extract() -> Catalog:
    """Every message the source marks, as Babel's extraction sees it (the future messages.pot)."""
    with MAPPING.open() as f:
        method_map, options_map = parse_mapping_cfg(f, str(MAPPING))
    catalog = Catalog(project=HEADER["project"], copyright_holder=HEADER["copyright_holder"], domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _name(func: ast.expr) -> str | None:
    """`_` for `_(…)`, `gettext` for `i18n.gettext(…)`."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract_python(fileobj, keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]) -> Iterator[tuple]:
    """(line, function, positional arguments as strings or None, comments) for each call of a keyword.

    Babel picks the message arguments by the keyword's spec (`translate:2` → the second) and drops a
    call whose message is not a literal.
    """
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in keywords and n.args]
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):  # in reading order, as the .pot lists them
        yield node.lineno, _name(node.func), tuple(_literal(a) for a in node.args), []


def _write(path: Path, catalog: Catalog) -> None:
    """Write a catalogue so that re-running `update` on unchanged source changes nothing, and two
    branches adding messages touch only their own entries: the .po files carry no `#:` source
    locations (every edit elsewhere in a template would move them; messages.pot keeps them for
    context), and the creation date is the one already written."""
    language = catalog.locale.english_name if catalog.locale else "the template"
    catalog.header_comment = (
        f"# The hub's web interface: {language}.\n"
        '# Message ids are stable keys, translated in every language (docs/ui.md, "Language").\n'
        "# Refreshed by `python -m hub.web.catalogues update`; translations are edited here by hand."
    )
    if path.exists():
        with path.open("rb") as f:
            catalog.creation_date = read_po(f).creation_date
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=HEADER["width"], sort_output=False, include_previous=False, no_location=path.suffix == ".po")


def update() -> None:
    """Extract into messages.pot and merge it into both catalogues (new ids arrive untranslated,
    ids no longer in the source are dropped rather than kept as obsolete entries)."""
    template = extract()
    _write(POT, template)
    for lang in LANGS:
        catalog = read(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        _write(po_path(lang), catalog)
    translations.cache_clear()


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _strings(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def problems() -> list[str]:
    """What makes the catalogues unfit to ship, one line each (empty: all is well): a marked
    message missing from a catalogue, untranslated or fuzzy there, an entry the source no longer
    marks or an obsolete one, a plural that is singular in the source (or the reverse), and
    placeholders that differ between the languages."""
    wanted = {_key(m): m for m in extract() if m.id}
    catalogs = {lang: read(lang) for lang in LANGS}
    out = []
    for lang, catalog in catalogs.items():
        have = {_key(m): m for m in catalog if m.id}
        out += [f"{lang}: missing {key!r}" for key in sorted(set(wanted) - set(have))]
        out += [f"{lang}: no longer in the source {key!r}" for key in sorted(set(have) - set(wanted))]
        out += [f"{lang}: obsolete entry {_key(m)!r}" for m in catalog.obsolete.values()]
        for key, message in sorted(have.items()):
            if message.fuzzy:
                out.append(f"{lang}: fuzzy {key!r}")
            if not all(_strings(message)):
                out.append(f"{lang}: untranslated {key!r}")
            if key in wanted and message.pluralizable != wanted[key].pluralizable:
                out.append(f"{lang}: {key!r} is {'plural' if wanted[key].pluralizable else 'singular'} in the source")
    first, *others = LANGS
    for key, message in sorted((_key(m), m) for m in catalogs[first] if m.id):
        names = {n for s in _strings(message) for n in PLACEHOLDER.findall(s or "")}
        for lang in others:
            other = catalogs[lang].get(message.id)
            if other is not None and names != {n for s in _strings(other) for n in PLACEHOLDER.findall(s or "")}:
                out.append(f"{key!r}: placeholders differ between {first} and {lang}")
    return out


def _from_format(text: str) -> str:
    """A str.format message (`{name}`, the retired dictionary's style) as a %-format one."""
    return re.sub(r"\{(\w+)\}", r"%(\1)s", text.replace("%", "%%"))


def import_dictionary(path: str) -> list[str]:
    """Fill untranslated entries from a retired `messages.py` (`CATALOGUE[lang][key]`, `{name}`
    placeholders) — how keys added on a branch that still had the dictionary are brought over.
    Runs `update` first, so every id the source marks is there to fill. Returns what was filled."""
    import runpy

    source = runpy.run_path(path)["CATALOGUE"]
    update()
    filled = []
    for lang in LANGS:
        catalog = read(lang)
        for message in catalog:
            key = _key(message) if message.id else ""
            if not key or all(_strings(message)) or key not in source.get(lang, {}):
                continue
            text = _from_format(source[lang][key])
            message.string = (text,) * catalog.num_plurals if message.pluralizable else text
            filled.append(f"{lang}: {key}")
        _write(po_path(lang), catalog)
    translations.cache_clear()
    return filled


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "update":
        update()
        print(f"updated {POT.relative_to(ROOT)} and {', '.join(str(po_path(lang).relative_to(ROOT)) for lang in LANGS)}")
        return 0
    if command == "check":
        found = problems()
        print("\n".join(found) or "the catalogues are complete")
        return 1 if found else 0
    if command == "import-dictionary" and len(argv) == 3:
        filled = import_dictionary(argv[2])
        print(f"filled {len(filled)} entries; check the plural forms and delete {argv[2]}")
        return 0
    print("usage: python -m hub.web.catalogues update | check | import-dictionary <messages.py>", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
