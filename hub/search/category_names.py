"""A category's name, as the hub's pages show it, → the category it names, for a query.

"电子光学仪器" or "Electron optical instruments" typed into the search box means the instruments of
that category, most of which never say so in their own text (扫描电子显微镜, 电子探针). Documents
already carry their category at every level as a tag (hub.search.tags: §c01, §c0101, §c010100), so
a query word — or run of words, for an English name — that is a category's name also matches the
category's tag: nothing is added to the index, and a store indexed by any earlier version answers it.

Names are compared normalised (case, width), English words also without a plural `s` (Mass
spectrometers ↔ mass spectrometer). A name several unrelated categories share (其他 "Other", under
every 大类) names none of them and is left to the text; a name a category shares with its own parent
(激光器 under 激光器) names the parent, which holds both.
"""

from __future__ import annotations

from functools import lru_cache

from hub.search.labels import categories
from hub.search.tags import MARK
from hub.search.tokenize import normalize
from hub.search.traditional import simplified

#: The most words any category's name has (its English name), so a query is scanned no further.
MAX_WORDS = 8


def name_key(words) -> tuple[str, ...]:
    """How a name (or a run of query words) is compared: normalised, simplified, English plurals folded."""
    return tuple(_word_key(word) for word in words)


@lru_cache(maxsize=4096)
def _word_key(word: str) -> str:
    # Memoised: a query's word is compared in every run it may start or end (up to MAX_WORDS of them).
    word = simplified(normalize(word))
    return word[:-1] if word.isascii() and len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def category_tag(code: str) -> str:
    """The tag documents of this category (and of every category under it) carry: its code to its level."""
    significant = code.rstrip("0")
    return f"{MARK}c{code[: len(significant) + len(significant) % 2]}"


class CategoryNames:
    def __init__(self, table: dict[str, tuple[str, str]]):
        codes: dict[tuple[str, ...], set[str]] = {}
        for code, names in table.items():
            for name in names:
                if name and (key := name_key(name.split())):
                    codes.setdefault(key, set()).add(code)
        self.tags: dict[tuple[str, ...], str] = {}
        for key, named in codes.items():
            tags = {category_tag(c) for c in named}
            # a category and the categories under it: the one that holds them all
            top = {t for t in tags if not any(t != other and t.startswith(other) for other in tags)}
            if len(top) == 1:
                self.tags[key] = top.pop()

    def longest(self, words: list[str], start: int) -> tuple[int, str] | None:
        """(end, tag) of the longest run of `words` from `start` that is a category's name, if any."""
        for end in range(min(len(words), start + MAX_WORDS), start, -1):
            tag = self.tags.get(name_key(words[start:end]))
            if tag:
                return end, tag
        return None


@lru_cache(maxsize=1)
def category_names() -> CategoryNames:
    return CategoryNames(categories())
