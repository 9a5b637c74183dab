"""A query string → the clauses search runs: every clause must match; a clause matches when any of
its alternatives does; an alternative matches when all its tokens are in the document.

One clause per whitespace-separated word. Its alternatives are the word's tokens and the tokens of
each variant: synonyms, English word forms (conf/synonyms.yaml), its simplified form
(hub.search.traditional) and, for a Latin word that reads as pinyin, the catalogue term it spells
(hub.search.lexicon). A run of words that spells a term in pinyin ("zhi pu yi"), is a phrase of the
synonyms ("electron microscope" → 电子显微镜, so that English finds the records named only in Chinese)
or is a category's name ("Electron optical instruments") is one clause: the words all together, or
the terms, or the category's tag (hub.search.category_names), which no text field holds and so is
never scored as one (Clause.in_text). A word that reads as a model number also matches its family ("7890" → 7890A,
7890B-7000C), the models it is a part of ("2695" → e2695) and the model written with a space or
without one (hub.search.model_numbers); a family or a part matches but is not scored either.
Nothing of the user's text reaches SQL except tokens made of letters, digits and CJK characters, so
FTS syntax (`"` `*` `NEAR(` `AND` `-`) and SQL fragments are just words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import islice, product
from typing import NamedTuple

from hub.search.category_names import CategoryNames, category_names
from hub.search.lexicon import splits_into_syllables
from hub.search.model_numbers import capitalised_parts, family, is_family, part, written_together
from hub.search.synonyms import Synonyms
from hub.search.tags import MARK
from hub.search.tokenize import normalize, query_terms
from hub.search.traditional import simplified

MAX_CLAUSES = 12
MAX_TOKENS_PER_ALTERNATIVE = 24
#: Alternatives of a clause made of several words (their variants combined).
MAX_ALTERNATIVES = 16
#: The most words a spaced pinyin spelling is read across (液相色谱质谱联用仪 is nine syllables).
MAX_PINYIN_WORDS = 10


@dataclass(frozen=True)
class Clause:
    word: str
    alternatives: tuple[tuple[str, ...], ...]
    variants: tuple[str, ...] = ()  # the texts the alternatives were made from (the word first)

    @property
    def in_text(self) -> "Clause":
        """The clause without its tag alternatives (a category its words name), model parts (marked
        as tags are) and model families: what a document's text fields are scored on. A tag is in no
        text field; on PostgreSQL tags share the place field's weight label, so asking a field for one
        would score a category as a place. A family scored as its field would rank SU8020 with SU8010
        for "SU8010", and a part the 7890B-7000C with the AA-7000 for "7000"."""
        kept = tuple(a for a in self.alternatives if not a[0].startswith(MARK) and not any(is_family(t) for t in a))
        return self if len(kept) == len(self.alternatives) else replace(self, alternatives=kept)

    @property
    def essential(self) -> tuple[tuple[str, ...], ...]:
        """The alternatives that decide whether the clause matches a text: one holding every token of
        another (高效液相色谱 beside 液相色谱, 核磁共振 beside 核磁) matches only where that one does, so it
        is left out of the index's questions. Scoring a broad match tests each alternative in each
        field of each match: HPLC's four alternatives were ten tokens per field, three are five."""
        sets = [frozenset(a) for a in self.alternatives]
        return tuple(
            a
            for i, a in enumerate(self.alternatives)
            # a strict subset elsewhere, or the same tokens in an earlier alternative (kept once)
            if not any(b < sets[i] or (b == sets[i] and j < i) for j, b in enumerate(sets))
        )


def parse_query(q: str | None, synonyms: Synonyms, pinyin=None, respell=None, names: CategoryNames | None = None) -> list[Clause]:
    """`pinyin`: word → the CJK term it spells, or None (hub.search.lexicon.Lexicon.from_pinyin);
    `respell`: word → its correction, searched beside it (hub.search.lexicon.Lexicon.corrections);
    `names`: the categories' names (hub.search.category_names), default the classification's."""
    words = (q or "").split()
    names = names or category_names()
    # Asked once a word: each word is the start of a run and inside up to MAX_PINYIN_WORDS others.
    syllabic = [splits_into_syllables(w.lower()) for w in words] if pinyin else []
    clauses: list[Clause] = []
    start = 0
    while start < len(words) and len(clauses) < MAX_CLAUSES:
        end, terms, tag, phrase = _run(words, start, synonyms, pinyin, names, syllabic)
        run = words[start:end]
        # a word of a run is not also read as pinyin on its own (the run was); a phrase's words are
        # searched as written, in their forms: its expansions say what they mean together
        if phrase:
            own = [[normalize(w), *synonyms.forms(normalize(w))] for w in run]
        else:
            own = [_variants(w, synonyms, pinyin if len(run) == 1 else None, respell) for w in run]
        alternatives = _joined([_alternatives(v) for v in own])
        if len(run) == 1:
            # not variants: a model's other spelling names no kind of instrument (query_kinds)
            alternatives += [a for a in _alternatives(_model_spellings(words, start)) if a not in alternatives]
            alternatives += [a for a in _inside_models(words[start]) if a not in alternatives]
        # a run's variants are phrases, so that the kind a name says is compared with each (query_kinds)
        variants = tuple(own[0]) if len(run) == 1 else tuple(" ".join(p) for p in islice(product(*own), MAX_ALTERNATIVES))
        if terms:
            spelt = list(dict.fromkeys(v for term in terms for v in synonyms.variants(term) if v not in variants))
            alternatives += [a for a in _alternatives(spelt) if a not in alternatives]
            variants += tuple(spelt)
        if tag:
            alternatives.append((tag,))
        if alternatives and alternatives not in [list(c.alternatives) for c in clauses]:
            clauses.append(Clause(" ".join(run), tuple(alternatives), variants))
        start = end
    return clauses[:MAX_CLAUSES]


class _Run(NamedTuple):
    end: int
    terms: tuple[str, ...] = ()  # what the words spell or mean together, searched beside them
    tag: str | None = None
    phrase: bool = False  # a phrase of the synonyms


def _run(words: list[str], start: int, synonyms: Synonyms, pinyin, names: CategoryNames, syllabic: list[bool]) -> _Run:
    """The clause that starts at `words[start]`: the longest run of two or more words whose joined
    spelling is pinyin of a catalogue term ("zhi pu yi" → 质谱仪); else the longest run that is a
    phrase of the synonyms (its expansions) or a category's name (the category's tag), the category
    when both are as long; else the word alone. `syllabic`: whether each word splits into pinyin
    syllables."""
    if pinyin:
        last = start  # the end of the run of words that each split into syllables
        while last < min(len(words), start + MAX_PINYIN_WORDS) and syllabic[last]:
            last += 1
        for end in range(last, start + 1, -1):
            if term := pinyin("".join(words[start:end]).lower()):
                return _Run(end, (term,))
    named = names.longest(words, start)
    phrase = synonyms.phrase(words, start)
    if phrase and (not named or phrase[0] > named[0]):
        return _Run(phrase[0], tuple(phrase[1]), phrase=True)
    if named:
        return _Run(named[0], tag=named[1])
    return _Run(start + 1)


def _variants(word: str, synonyms: Synonyms, pinyin, respell) -> list[str]:
    """The texts one word is searched as: itself and its synonyms and word forms, then those of its
    simplified form (質譜儀 → 质谱仪), of the term it spells in pinyin, and of its correction."""
    variants = synonyms.variants(word)
    for other in (simplified(word), (pinyin(word) if pinyin else None), (respell or {}).get(word)):
        # A word with no traditional character is its own simplified form: its variants are in already.
        if other and other != word:
            variants = variants + [v for v in synonyms.variants(other) if v not in variants]
    return variants


def _model_spellings(words: list[str], at: int) -> list[str]:
    """The other ways a model the word may be (part of) is written: with the word beside it as one
    ("SU 8010" → SU8010), or in the parts its capitals mark ("QExactive" → "Q Exactive")."""
    parts = capitalised_parts(words[at])
    return written_together(words, at) + ([parts] if parts else [])


def _inside_models(word: str) -> list[tuple[str, ...]]:
    """The word as a part of models ("2695" → the e2695's `§m2695`), when it is one token that may be
    one: of a single word only, as the words of a run (zhi pu yi) would each ask one for nothing."""
    tokens = [t for term in query_terms(word) for t in term]
    inside = part(tokens[0]) if len(tokens) == 1 else None
    return [(inside,)] if inside else []


def _alternatives(variants) -> list[tuple[str, ...]]:
    """Each variant's tokens, all of which must match; a variant that is one model-like token also
    asks for the models it begins (hub.search.model_numbers)."""
    out: list[tuple[str, ...]] = []
    for variant in variants:
        tokens = tuple(dict.fromkeys(t for term in query_terms(variant) for t in term))[:MAX_TOKENS_PER_ALTERNATIVE]
        begun = family(tokens[0]) if len(tokens) == 1 else None
        out += [a for a in (tokens, (begun,) if begun else ()) if a and a not in out]
    return out


def _joined(per_word: list[list[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    """One clause's alternatives for a run of words that must all match: every word's alternatives
    taken together (their tokens joined), the words' own spellings first, at most MAX_ALTERNATIVES."""
    out: list[tuple[str, ...]] = []
    for combination in islice(product(*[w for w in per_word if w]), MAX_ALTERNATIVES):
        tokens = tuple(dict.fromkeys(t for alternative in combination for t in alternative))[:MAX_TOKENS_PER_ALTERNATIVE]
        if tokens and tokens not in out:
            out.append(tokens)
    return out
