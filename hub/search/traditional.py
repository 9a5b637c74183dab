"""Traditional Chinese characters → simplified, for a query (質譜儀 → 质谱仪).

Records are written in simplified characters; visitors from Hong Kong, Taiwan and abroad, and some
vendors' names, type traditional ones, which share no bigram with them. OpenCC's own tables do the
conversion (opencc-python-reimplemented, `t2s`: its phrase table first, so 乾燥 → 干燥 while 乾隆
stays): a character table alone gets such phrases wrong. Only characters are converted, never
regional words (Taiwan's 層析 becomes 层析, not the mainland's 色谱): that is a synonym's job.

Query time only: the typed word stays searched beside its simplified form, so a record that really
is written in traditional characters is still found by them.
"""

from __future__ import annotations

import threading
from functools import lru_cache

_LOCK = threading.Lock()
_CONVERTER = None


def load_tables() -> None:
    """Read OpenCC's tables now (~5 ms): a web process calls it when it starts."""
    _converter()


def _converter():
    # Built on first use, under a lock: the library's first conversion initialises its tables and
    # is not safe to run twice at once.
    global _CONVERTER
    with _LOCK:
        if _CONVERTER is None:
            from opencc import OpenCC

            converter = OpenCC("t2s")
            converter.convert("儀")
            _CONVERTER = converter
    return _CONVERTER


@lru_cache(maxsize=4096)
def simplified(word: str) -> str:
    """`word` with its traditional characters simplified (itself when it has none). Memoised: a
    conversion costs ~10 µs, and the same words are searched again and again."""
    if word.isascii():
        return word  # most Latin queries: no table to consult
    return _converter().convert(word)
