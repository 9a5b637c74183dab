"""A model family typed for a model: what a query word that reads as a model number also matches.

The analyser indexes a model as whole tokens (7890B → `7890b`, SU8010 → `su8010`), and a person
types the family ("Agilent 7890", "SU80"), or writes it with a space ("SU 8010", "Q Exactive"),
or without one ("QExactive" for a record's "Q Exactive"). All of it is answered at query time,
from the index as it is: no document changes, so a store indexed by any earlier version answers
at once, on SQLite and PostgreSQL alike.

- **Families**: a word of letters and digits, with a digit and at least `MIN_FAMILY_CHARS`
  characters (`MIN_NUMBER_CHARS` when it is digits alone), also matches the model tokens it
  begins: the alternative `7890*` (`PREFIX` marks it; the analyser never emits `*`), which the
  backends ask as a prefix restricted to the model and manufacturer field (FTS5
  `brand : "7890"*`, tsquery `'7890':*B`). In a specification a number begins many that name no
  model (100 → 1000 mL, 100 kV), and the index reads every token a prefix begins, in any field,
  before it keeps the model field's: so "100" and "500" ask no family.
- **Spaced and camel-cased models**: a word of letters before a word that begins with a digit, or a
  single letter before a word ("SU 8010", "Q Exactive"), also matches the two written as one, and
  its family; a word whose capitals mark parts ("QExactive", "SmartLab") also matches its parts.

A family matches, it does not score: its alternative is not a text field's (parse.Clause.in_text),
so an instrument found only by it scores for that word as a word spread across fields does, and the
exact model ranks first.
"""

from __future__ import annotations

import re

#: The text field a family is looked for in (hub.search.tables.FIELDS): the model's and manufacturer's.
FAMILY_FIELD = "brand"
#: Marks an alternative's token as a model family (a prefix of model tokens), never a token itself.
PREFIX = "*"
#: The fewest characters a family is read from: "78" or "SU" would begin far too many models.
MIN_FAMILY_CHARS = 3
#: A number alone begins a family from four digits: 7890 and 8050 do, 100 and 500 (mL, MHz) do not.
MIN_NUMBER_CHARS = 4

_FAMILY = re.compile(r"(?=[a-z]*\d)[a-z0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_MODEL_HALF = re.compile(r"[A-Za-z0-9]")
#: The parts a model's capitals mark: QExactive → Q Exactive, SmartLab → Smart Lab.
_CAPITALISED = re.compile(r"[A-Z](?:[a-z]+|[A-Z]*(?![a-z]))|[a-z]+|\d+")


def family(token: str) -> str | None:
    """The family alternative a query token also asks (`7890` → `7890*`), or None."""
    shortest = MIN_NUMBER_CHARS if token.isdigit() else MIN_FAMILY_CHARS
    if len(token) >= shortest and _FAMILY.fullmatch(token):
        return token + PREFIX
    return None


def is_family(token: str) -> bool:
    return token.endswith(PREFIX)


def stem(token: str) -> str:
    """The prefix a family alternative asks for (`7890*` → `7890`)."""
    return token[: -len(PREFIX)]


def written_together(words: list[str], at: int) -> list[str]:
    """The model the word `words[at]` may be one half of, written as one ("SU 8010" → SU8010), with
    the word before it or after it."""
    out = []
    for first, second in ((at - 1, at), (at, at + 1)):
        if 0 <= first and second < len(words) and _spaced(words[first], words[second]):
            out.append(words[first] + words[second])
    return out


def _spaced(first: str, second: str) -> bool:
    # "Agilent 7890" reads as Agilent7890 too: harmless, no model is written so.
    return bool(_LETTERS.fullmatch(first)) and bool(_MODEL_HALF.match(second)) and (second[0].isdigit() or len(first) == 1)


def capitalised_parts(word: str) -> str | None:
    """The word's parts as its capitals mark them, spaced ("QExactive" → "Q Exactive"), or None
    when they mark none (all lower or upper case, or a capital only at the start)."""
    # From a capital and five characters: a name's capitals, not a unit's or a term's (pH, mRNA, iPad).
    if len(word) < 5 or not word.isascii() or not word.isalnum() or not word[0].isupper():
        return None
    parts = _CAPITALISED.findall(word)
    if len(parts) < 2 or "".join(parts) != word or any(p.isdigit() for p in parts):
        return None  # digits split no word: SU8010 is one model
    return " ".join(parts)
