"""The catalogue's own vocabulary, for a search that forgives: pinyin input and one-character slips.

Terms are the CJK substrings (2–8 characters) of the active instruments' names and of the
classification's names, each weighted by how many instruments carry it. From them:

- `from_pinyin("yexiangsepu")` → 液相色谱: toneless pinyin (pypinyin, which reads polyphonic
  characters by phrase) of every term, looked up whole. A Latin word is read as pinyin only when it
  splits completely into pinyin syllables, so English words (mass, spectrometer) never are. Spaced
  ("zhi pu yi") is read the same: hub.search.parse joins a run of words that split into syllables.
- `correct("液象色谱")` → 液相色谱: a CJK run no name contains (or ten times fewer than its
  neighbour), one character away from a term that many do (the most frequent wins; ties by the
  term, so both backends agree). A run made of two terms that names carry about as often as that
  neighbour (离子 + 质谱) is not a slip: guessing 离子色谱 would search another kind of instrument.

The lexicon is built once per store state (every network's index version) and kept; a change reads
again only the names of the networks it changed.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache

from sqlalchemy import func, select

from hub.search import versions
from hub.search.cache import store_identity
from hub.search.labels import categories
from hub.search.tokenize import normalize
from hub.store.models import Instrument

MIN_TERM, MAX_TERM = 2, 8
#: A Latin word needs this many letters to be read as pinyin (two short syllables are too often
#: an English word or an abbreviation).
MIN_PINYIN_LETTERS = 6
#: A CJK run needs this many characters before a one-character slip is corrected.
MIN_CORRECTED = 3
#: A spelling names carry this many times less often than its neighbour is taken for a slip.
RARER = 10

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_I = Instrument.__table__


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows."""
    from pypinyin.pinyin_dict import pinyin_dict  # see `_pinyin`

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            out.add(lazy_pinyin_plain(reading))
    return frozenset(s for s in out if s.isascii() and s.isalpha())


_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


def lazy_pinyin_plain(reading: str) -> str:
    return reading.translate(_TONES)


def is_pinyin(word: str) -> bool:
    """Whether a lower-case Latin word of MIN_PINYIN_LETTERS or more splits completely into pinyin syllables."""
    return len(word) >= MIN_PINYIN_LETTERS and splits_into_syllables(word)


@lru_cache(maxsize=4096)  # asked of a query's words twice: before the lexicon is read, then by the parse
def splits_into_syllables(word: str) -> bool:
    """Whether a lower-case Latin word, however short, splits completely into pinyin syllables (zhi, sepu)."""
    if not (word.isascii() and word.isalpha()):
        return False
    syllables = _syllables()
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        reachable[end] = any(reachable[start] and word[start:end] in syllables for start in range(max(0, end - 6), end))
    return reachable[-1]


def could_be_pinyin(words: list[str]) -> bool:
    """Whether a word, or a run of two or more words, could spell a term in pinyin (yexiangsepu,
    "ye xiang se pu", "Zhi Pu Yi"): asked before the lexicon is read, since building it costs."""
    run = ""
    for word in words:
        word = word.lower()
        if is_pinyin(word):
            return True
        run = run + word if splits_into_syllables(word) else ""
        if len(run) >= MIN_PINYIN_LETTERS:
            return True
    return False


def _pinyin(run: str) -> list[str]:
    # pypinyin is imported when a query first needs it: loading its phrase dictionary costs ~0.5 s of
    # CPU and ~60 MB, which every harvest process paid for nothing (it imports the search package
    # for the index hook, never a query).
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(run, style=Style.NORMAL, errors="ignore")


def load_pinyin() -> None:
    """Load pypinyin's dictionaries now (~0.5 s of CPU): a web process calls it when it starts, so the
    first visitor whose query is checked for slips does not wait for it."""
    _pinyin("仪")
    _syllables()


class Lexicon:
    def __init__(self, names: list[tuple[str, int]]):
        # Names differ mostly in what is not CJK (models, numbers, brackets): ~1,800 runs for ~10,700
        # names of the simulated country. Counted by run, each run's terms are read once.
        runs: Counter = Counter()
        for name, count in names:
            for run in _runs_of(name or ""):
                runs[run] += count
        self.terms: Counter = Counter()
        spelled: dict[str, set] = {}
        for run, count in runs.items():
            for term, spelling in _terms_of(run):
                self.terms[term] += count
                if spelling:
                    spelled.setdefault(spelling, set()).add(term)
        # The most frequent term of a spelling wins; ties by the term, so both backends agree.
        self.pinyin = {key: max(terms, key=lambda t: (self.terms[t], t)) for key, terms in spelled.items()}

    def from_pinyin(self, word: str) -> str | None:
        word = word.lower()
        if not is_pinyin(word):
            return None
        return self.pinyin.get(word)

    def correct(self, run: str) -> str | None:
        """A term one character away from `run` that names carry far more often than `run` itself
        (a network's own slip, 气相色普仪, does not make 气相色普 right)."""
        if len(run) < MIN_CORRECTED or len(run) > MAX_TERM:
            return None
        best = None
        for term, count in self.terms.items():
            if len(term) == len(run) and sum(a != b for a, b in zip(term, run)) == 1:
                if best is None or (count, term) > best:
                    best = (count, term)
        if best is None or self.terms.get(run, 0) * RARER >= best[0]:
            return None
        if self._two_known_terms(run, best[0]):
            return None
        return best[1]

    def _two_known_terms(self, run: str, guess_count: int) -> bool:
        """Whether `run` is two terms names carry about as often as the guess (离子 + 质谱): then it
        says something else, not the guess misspelt (离子色谱, another kind of instrument). A real
        slip leaves a part no name says (液象, 色普) or says ten times less often."""
        enough = guess_count / RARER
        return any(
            self.terms.get(run[:cut], 0) > enough and self.terms.get(run[cut:], 0) > enough
            for cut in range(MIN_TERM, len(run) - MIN_TERM + 1)
        )

    def known_parts(self, word: str) -> list[str]:
        """Shorter searches for a word that found nothing: each CJK run of it that names never carry
        whole gives its longest tail and its longest head that names do carry, the tail first (a
        Chinese name ends in what the thing is: 量子隧穿显微镜 → 显微镜); a run within other text
        (量子隧穿显微镜XYZ123) is offered alone first."""
        text = normalize(word)
        out = []
        for run in _CJK_RUN.findall(text):
            if run != text and (run in self.terms or len(run) > MAX_TERM):
                out.append(run)
            if run in self.terms or len(run) < MIN_CORRECTED:
                continue
            tails = [run[i:] for i in range(1, len(run) - 1) if run[i:] in self.terms]
            heads = [run[:j] for j in range(len(run) - 1, 1, -1) if run[:j] in self.terms]
            out += tails[:1] + heads[:1]
        return list(dict.fromkeys(out))

    def corrections(self, q: str) -> dict[str, str]:
        """Each whitespace-separated word of `q` whose CJK runs hold a slip → the word corrected."""
        out = {}
        for word in q.split():
            fixed = _CJK_RUN.sub(lambda m: self.correct(m.group()) or m.group(), normalize(word))
            if fixed != normalize(word):
                out[word] = fixed
        return out

    def correct_text(self, q: str) -> str | None:
        """`q` with its slips corrected; None if there were none."""
        fixes = self.corrections(q)
        return " ".join(fixes.get(w, w) for w in q.split()) if fixes else None


@lru_cache(maxsize=65536)  # a name's runs: a few short strings each
def _runs_of(name: str) -> tuple[str, ...]:
    """The CJK runs of a name, normalised."""
    return tuple(_CJK_RUN.findall(normalize(name)))


@lru_cache(maxsize=16384)  # ~20 terms a run
def _terms_of(run: str) -> tuple[tuple[str, str | None], ...]:
    """Each term of a CJK run with its toneless pinyin (None when a character has no reading).
    Memoised: runs repeat across names, networks and rebuilds, and reading pinyin is the costly part.
    Memoised by name before, 10,700 names cycled through 8,192 places and every rebuild after a
    write read pinyin again for all of them: 1.2–1.6 s for the first slip-checked question."""
    readings = _pinyin(run)
    if len(readings) != len(run):
        readings = None  # a character pypinyin cannot read: no pinyin for this run
    return tuple(
        (run[i:j], "".join(readings[i:j]) if readings else None)
        for i in range(len(run))
        for j in range(i + MIN_TERM, min(len(run), i + MAX_TERM) + 1)
    )


#: Per store: (versions, lexicon), and each network's (version, its active instruments' names counted).
_CACHE: dict = {}
_LOCK = threading.Lock()


def lexicon(conn) -> Lexicon:
    """The lexicon of the store `conn` reads, rebuilt when its documents changed.

    Keyed on the networks' index versions (bumped by every write of documents): a read of 30 rows,
    where counting search_docs on every call read a million. Names are counted per network and only a
    changed network's are read again (through its index): after a harvest of one network, counting
    every name of a million instruments cost 1.4 s for the first slip-checked query of each process."""
    store = (id(conn.engine), conn.engine.url.render_as_string(hide_password=False), store_identity(conn))
    now = versions.current(conn)
    with _LOCK:
        kept = _CACHE.get(store)
        if kept and kept["versions"] == now:
            return kept["lexicon"]
    version = dict(now)
    if kept is None:
        # Every network's names in one read, each filed under its version (None: never bumped, as
        # in a store bulk-built before builds bumped; its first change bumps it).
        per_network = {network: (version.get(network), counted) for network, counted in _names(conn).items()}
    else:
        per_network = dict(kept["networks"])
        changed = sorted(n for n in set(per_network) | set(version) if n not in per_network or per_network[n][0] != version.get(n))
        read = _names(conn, changed) if changed else {}
        per_network.update({n: (version.get(n), read.get(n, Counter())) for n in changed})
    names: Counter = Counter()
    for _version, counted in per_network.values():
        names.update(counted)
    names.update(zh for zh, _en in categories().values())  # each classification entry once (其他 is many)
    built = Lexicon(sorted(names.items()))
    with _LOCK:
        _CACHE[store] = {"versions": now, "lexicon": built, "networks": per_network}
    return built


def _names(conn, networks: list[str] | None = None) -> dict[str, Counter]:
    """network → its active instruments' names counted (of `networks`, or of every network)."""
    q = select(_I.c.network, _I.c.name, func.count()).where(_I.c.withdrawn_at.is_(None)).group_by(_I.c.network, _I.c.name)
    if networks is not None:
        q = q.where(_I.c.network.in_(networks))
    out: dict[str, Counter] = {}
    for network, name, n in conn.execute(q):
        out.setdefault(network, Counter())[name] = int(n)
    return out
