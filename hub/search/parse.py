"""A query string → the clauses search runs: every clause must match; a clause matches when any of
its alternatives does; an alternative matches when all its tokens are in the document.

One clause per whitespace-separated word. Its alternatives are the word's tokens and the tokens of
each synonym variant. Nothing of the user's text reaches SQL except tokens made of letters, digits
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


def parse_query(q: str | None, synonyms: Synonyms) -> list[Clause]:
    clauses: list[Clause] = []
    for word in (q or "").split():
        alternatives = []
        for variant in synonyms.variants(word):
            tokens = tuple(dict.fromkeys(t for term in query_terms(variant) for t in term))
            if tokens and tokens not in alternatives:
                alternatives.append(tokens[:MAX_TOKENS_PER_ALTERNATIVE])
        if alternatives and alternatives not in [list(c.alternatives) for c in clauses]:
            clauses.append(Clause(word, tuple(alternatives)))
    return clauses[:MAX_CLAUSES]
