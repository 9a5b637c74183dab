"""Text → search tokens, the one analyser both backends share.

Python computes every token, at index time and at query time, so SQLite (FTS5, `ascii` tokenizer:
it only splits on ASCII punctuation and spaces, leaving our tokens intact) and PostgreSQL (tsvector
literals, never the text parser) see exactly the same terms and can be made to agree on results.

- CJK runs give overlapping bigrams, as Lucene's CJKAnalyzer does (液相色谱 → 液相 相色 色谱), and
  at index time also every single character, so that one-character queries work, and the bigram
  across a joiner (液相色谱-质谱 → 谱质), so the compound written without it is found.
- Latin words and model numbers are lower-cased alphanumeric runs; a compound joined by `-` `.` `/`
  `+` (7890A-5975C, GC-MS) is indexed as its parts and as the parts joined (7890a 5975c 7890a5975c),
  and queried as the joined form, so "GC-MS", "GC/MS" and "GCMS" find each other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_TOKEN_CHARS = 40

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f"
_W = rf"[^\W_{_CJK}]"
_PIECE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>{_W}+(?:[-./+]{_W}+)*)")
_SPLIT = re.compile(r"[-./+]")


def normalize(text: str) -> str:
    """NFKC (full-width Ｌ→L, ① → 1), lower case, accents folded (é→e); control characters become spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    if text.isascii() or unicodedata.is_normalized("NFD", text):
        return text  # nothing to fold: the usual case for Chinese text, and much cheaper
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text)


def pieces(text: str):
    """Yield (kind, piece) for each CJK run ("cjk") or word/compound ("word") of normalised text."""
    for m in _PIECE.finditer(normalize(text)):
        yield m.lastgroup, m.group()


def bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _ok(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN_CHARS


def index_tokens(text: str | None) -> tuple[str, ...]:
    """Every token a document field contributes, in order of appearance, duplicates kept."""
    if not text:
        return ()
    if len(text) <= _CACHE_TEXT:
        return _cached_tokens(text)
    return _index_tokens(text)


_CACHE_TEXT = 400


@lru_cache(maxsize=4096)
def _cached_tokens(text: str) -> tuple[str, ...]:
    # Owner names, makers, models, places and boilerplate specs repeat across thousands of records.
    # 4,096 entries hold those; a larger cache only fills with one-off addresses and specifications
    # (16,384 cost a harvest worker ~40 MB for no measurable speed).
    return _index_tokens(text)


#: Two CJK characters joined by a hyphen or slash (液相色谱-质谱): indexed as a bigram as well, so a
#: query that writes the compound without the joiner (液相色谱质谱联用仪) finds it.
_JOINED = re.compile(rf"(?=([{_CJK}])\s*[-/·+–—]\s*([{_CJK}]))")


def _index_tokens(text: str) -> tuple[str, ...]:
    text = normalize(text)  # once for both passes (it was a tenth of tokenising)
    out: list[str] = [a + b for a, b in _JOINED.findall(text)]
    # findall's (cjk, word) pairs and C-level bigrams: no match object or token filter per token
    # (tokenising was a sixth of a harvest). Only a word can be too long: a CJK token is 1 or 2 characters.
    for cjk, word in _PIECE.findall(text):
        if cjk:
            if len(cjk) == 1:
                out.append(cjk)
            else:
                out += map(str.__add__, cjk[:-1], cjk[1:])  # bigrams
                out += cjk  # unigrams: one-character queries
        else:
            parts = _SPLIT.split(word)  # never empty: the pattern puts one joiner between runs
            out += [p for p in parts if len(p) <= MAX_TOKEN_CHARS]
            if len(parts) > 1 and _ok(joined := "".join(parts)):
                out.append(joined)
    return tuple(out)


def query_terms(text: str) -> list[list[str]]:
    """The conjunctions one query word asks for: each piece becomes a list of tokens that must all
    match (a CJK run: its bigrams, or its single character; a compound: its joined form)."""
    terms = []
    for kind, piece in pieces(text):
        tokens = bigrams(piece) if kind == "cjk" else ["".join(p for p in _SPLIT.split(piece) if p)]
        tokens = [t for t in dict.fromkeys(tokens) if _ok(t)]
        if tokens:
            terms.append(tokens)
    return terms
