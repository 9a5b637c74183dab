"""A model typed otherwise than a record writes it: what a query word that reads as a model number
also matches, and the parts of a model the index holds apart.

The analyser indexes a model as whole tokens (7890B → `7890b`, SU8010 → `su8010`), and a person
types the family ("Agilent 7890", "SU80"), or writes it with a space ("SU 8010", "Q Exactive"),
or without one ("QExactive" for a record's "Q Exactive"), or says only its number ("2695" for the
e2695, "8010" for the SU8010). Families and spellings are answered at query time, from the index as
it is; a number inside a model is not, since FTS5 and tsquery match prefixes only, so the model
field also holds each model's parts (below): in a store indexed before them, `hub init` writes the
documents with parts again once (migration 0021, hub.search.index.index_extras).

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
- **Parts**: a model token of letters and digits (`e2695`, `su8010`, `cfx96`) is also indexed,
  in the model and manufacturer field, as its runs of digits (from `MIN_NUMBER_CHARS`) and of
  letters (from `MIN_PART_LETTERS`), and a word its capitals divide (`QExactive`, `TripleTOF`) as
  those parts, so that "Exactive" finds the QExactive (migration 0023 writes the documents of such
  models again), each marked (`§m2695`, `§mcfx`: the analyser never emits `§`,
  so no word of any text can be one); a query word that is such a run alone also asks for the mark
  (`part`; a single word only, not each word of a run read as pinyin or as a category's name).
  Marked, not plain: a plain `2695` would score as the model field's own token, and "7000" would
  rank the 7890B-7000C beside the AA-7000.

A family or a part matches, it does not score: its alternative is not a text field's
(parse.Clause.in_text), so an instrument found only by it scores for that word as a word spread
across fields does, and the exact model ranks first.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hub.search.tags import MARK

#: The text field a family is looked for in (hub.search.tables.FIELDS): the model's and manufacturer's.
FAMILY_FIELD = "brand"
#: Marks an alternative's token as a model family (a prefix of model tokens), never a token itself.
PREFIX = "*"
#: The fewest characters a family is read from: "78" or "SU" would begin far too many models.
MIN_FAMILY_CHARS = 3
#: A number alone begins a family from four digits: 7890 and 8050 do, 100 and 500 (mL, MHz) do not.
MIN_NUMBER_CHARS = 4

#: Marks an indexed part of a model (`§m2695`): a tag's mark, so no analyser token can be one.
PART = MARK + "m"
#: A run of letters is a part from three ("cfx" of CFX96, "pgstat" of PGSTAT128N); "su" of SU8010
#: and "e" of e2695 would each find a maker's whole range, or every model with one letter.
MIN_PART_LETTERS = 3

_FAMILY = re.compile(r"(?=[a-z]*\d)[a-z0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_MODEL_HALF = re.compile(r"[A-Za-z0-9]")
#: The parts a model's capitals mark: QExactive → Q Exactive, SmartLab → Smart Lab.
_CAPITALISED = re.compile(r"[A-Z](?:[a-z]+|[A-Z]*(?![a-z]))|[a-z]+|\d+")
#: A model token's runs: the analyser's tokens are lower case (hub.search.tokenize.normalize).
_RUN = re.compile(r"[0-9]+|[a-z]+")


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


def part(token: str) -> str | None:
    """The marked part a query token also asks (`2695` → `§m2695`, `cfx` → `§mcfx`), or None: a
    run of digits or of letters long enough to be indexed as a part."""
    return PART + token if _long_enough(token) else None


def model_parts(tokens, texts=()) -> list[str]:
    """The marked parts of a model field: its tokens' runs (`e2695` → `§m2695`) and the parts its
    texts' capitals mark (`QExactive` → `§mexactive`: the tokens are lower case, the capitals are
    read from `texts`, the field's columns as written), each once, in order; none for a run the
    field holds as a token of its own (AA-7000's `7000` answers "7000" already, and scores)."""
    parts = dict.fromkeys(p for t in tokens for p in _parts_of(t))
    for text in texts:
        if text and (capitalised := capitalised_model_parts(text)):
            parts.update(dict.fromkeys(capitalised))
    return [p for p in parts if p[len(PART) :] not in tokens] if parts else []


_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


@lru_cache(maxsize=4096)
def capitalised_model_parts(text: str) -> tuple[str, ...]:
    """The marked parts a text's capitals mark, from the letters of each word written as one
    ("QExactive" → `§mexactive`, "TripleTOF 5600" → `§mtriple` `§mtof`); models and makers repeat."""
    out: list[str] = []
    for word in _ASCII_WORD.findall(text):
        spaced = capitalised_parts(word)
        if spaced:
            out += (PART + p.lower() for p in spaced.split() if _long_enough(p.lower()))
    return tuple(out)


@lru_cache(maxsize=4096)
def _parts_of(token: str) -> tuple[str, ...]:
    # Models repeat across thousands of records: each token split once.
    runs = _RUN.findall(token)
    if len(runs) < 2 or "".join(runs) != token:
        return ()  # one run is the token itself, already indexed; a token of other letters (μ, ß) is left whole
    return tuple(PART + r for r in runs if _long_enough(r))


def _long_enough(run: str) -> bool:
    if run.isdigit():
        return run.isascii() and len(run) >= MIN_NUMBER_CHARS
    return run.isascii() and run.isalpha() and len(run) >= MIN_PART_LETTERS
