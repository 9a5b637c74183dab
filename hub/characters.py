"""Characters no database or XML document can hold: finding them, naming them, neutralising them.

PostgreSQL refuses NUL (U+0000) in any text value and fails the whole transaction; SQLite stores it,
and then lxml refuses to write it into an OAI-PMH page. XML 1.0 allows neither the other C0 control
characters (except tab, line feed and carriage return) nor U+FFFE/U+FFFF, and no UTF-8 database stores
a lone UTF-16 surrogate. The hub's rule (docs/catalogue.md "Limits"): a record carrying one of these
in a common-schema field, its id or its update time is rejected, naming the field; the rest of its
batch lands. Output (OAI-PMH, messages) additionally neutralises them, for rows stored before the rule.
"""

from __future__ import annotations

import re

#: Everything outside XML 1.0's Char production (tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–):
#: the C0 controls, lone surrogates, U+FFFE and U+FFFF.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_NAMES = {
    0: "NUL",
    0x08: "backspace",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x1B: "escape",
    0xFFFE: "noncharacter",
    0xFFFF: "noncharacter",
}


def first_illegal(text: str) -> tuple[int, str] | None:
    """(position, character) of the first character no store or XML can hold; None when there is none."""
    m = ILLEGAL.search(text)
    return (m.start(), m.group()) if m else None


def describe(char: str) -> str:
    """`U+0000 (NUL)` — how a message names a character a reader cannot see."""
    code = ord(char)
    name = _NAMES.get(code) or ("lone surrogate" if 0xD800 <= code <= 0xDFFF else "control character")
    return f"U+{code:04X} ({name})"


def problem(text: str) -> str | None:
    """The message for text holding such a character, else None."""
    found = first_illegal(text)
    if found is None:
        return None
    pos, char = found
    return f"contains {describe(char)} at character {pos + 1}, which no database or XML document can hold; remove it"


def escaped(text: str) -> str:
    """`text` with each such character written as a visible `\\uXXXX` escape: for messages, error rows
    and ids in reports, so that they can be stored and still say what was sent."""
    return ILLEGAL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if ILLEGAL.search(text) else text


def for_xml(text: str) -> str:
    """`text` with each such character replaced by U+FFFD, for XML output of rows stored before the
    rule (an OAI-PMH page must never fail because one record holds one)."""
    return ILLEGAL.sub("\ufffd", text) if ILLEGAL.search(text) else text
