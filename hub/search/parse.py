"""A query string → the clauses search runs: every clause must match; a clause matches when any of
its alternatives does; an alternative matches when all its tokens are in the document.

One clause per whitespace-separated word. Its alternatives are the word's tokens and the tokens of
each variant: synonyms, English word forms (conf/synonyms.yaml) and, for a Latin word that reads
as pinyin, the catalogue term it spells (hub.search.lexicon). Nothing of the user's text reaches SQL except tokens made of letters, digits
and CJK characters, so FTS syntax (`"` `*` `NEAR(` `AND` `-`) and SQL fragments are just words.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.search.synonyms import Synonyms
from hub.search.tokenize import query_terms

MAX_CLAUSES = 12
MAX_TOKENS_PER_ALTERNATIVE = 24


@dataclass(frozen=True)
class Clause:
    word: str
    alternatives: tuple[tuple[str, ...], ...]
    variants: tuple[str, ...] = ()  # the texts the alternatives were made from (the word first)

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


def parse_query(q: str | None, synonyms: Synonyms, pinyin=None, respell=None) -> list[Clause]:
    """`pinyin`: word → the CJK term it spells, or None (hub.search.lexicon.Lexicon.from_pinyin);
    `respell`: word → its correction, searched beside it (hub.search.lexicon.Lexicon.corrections)."""
    clauses: list[Clause] = []
    for word in (q or "").split():
        alternatives = []
        variants = synonyms.variants(word)
        for spelled in ((pinyin(word) if pinyin else None), (respell or {}).get(word)):
            if spelled:
                variants = variants + [v for v in synonyms.variants(spelled) if v not in variants]
        for variant in variants:
            tokens = tuple(dict.fromkeys(t for term in query_terms(variant) for t in term))
            if tokens and tokens not in alternatives:
                alternatives.append(tokens[:MAX_TOKENS_PER_ALTERNATIVE])
        if alternatives and alternatives not in [list(c.alternatives) for c in clauses]:
            clauses.append(Clause(word, tuple(alternatives), tuple(variants)))
    return clauses[:MAX_CLAUSES]
