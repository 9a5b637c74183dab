"""Query-time synonyms from `conf/synonyms.yaml`, checked where they are loaded."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hub.config import conf_dir, load_yaml, validation_error
from hub.errors import ConfigError
from hub.search.tokenize import normalize, pieces

MAX_VARIANTS = 8
#: The most words a phrase key has ("scanning electron microscope" is three), so a query is scanned no further.
MAX_PHRASE_WORDS = 6


class _SynonymsSchema(Schema):
    class Meta:
        unknown = RAISE

    synonyms = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.List(fields.String(validate=validate.Length(min=1, max=60)), validate=validate.Length(min=1)),
        required=True,
    )
    word_forms = fields.List(
        fields.List(
            fields.String(validate=validate.Regexp(r"^[a-z]{2,12}$", error="expected a lower-case Latin suffix")),
            validate=validate.Length(equal=2),
        ),
        load_default=list,
    )


class Synonyms:
    """Expansions by normalised key. A key made only of CJK characters matches inside a query word;
    a key of several words (an English name: "electron microscope") matches a run of query words,
    each in any of its word forms; any other key matches a whole word (separators ignored)."""

    def __init__(self, table: dict[str, list[str]], source: str = "", word_forms=()):
        self.source = source
        self.word_forms = [tuple(pair) for pair in word_forms]
        self.cjk: dict[str, list[str]] = {}
        self.words: dict[str, list[str]] = {}
        self.phrases: dict[tuple[str, ...], list[str]] = {}
        for raw_key, expansions in table.items():
            kinds = [k for k, _ in pieces(raw_key)]
            if not kinds:
                raise ConfigError(source, f"synonyms.{raw_key}", "key has no letters, digits or CJK characters")
            expansions = [normalize(e) for e in expansions]
            if len(raw_key.split()) > 1:
                words = raw_key.split()
                if len(words) > MAX_PHRASE_WORDS:
                    raise ConfigError(source, f"synonyms.{raw_key}", f"a key of more than {MAX_PHRASE_WORDS} words")
                self.phrases[tuple(_folded(w) for w in words)] = expansions
            elif kinds == ["cjk"] and normalize(raw_key) == next(p for _, p in pieces(raw_key)):
                self.cjk[normalize(raw_key)] = expansions
            else:
                self.words[_word_key(raw_key)] = expansions

    def variants(self, word: str) -> list[str]:
        """The word itself, then each form with one synonym key replaced by an expansion."""
        word = normalize(word)
        out = [word]
        # A Latin word's expansions, or those of the first of its forms that has some (centrifuges →
        # centrifuge → 离心机); GC-MS is looked up as written only, not as the plural of "gcm".
        forms = self.forms(word)
        for key in (word, *forms):
            if expansions := self.words.get(_word_key(key)):
                out.extend(expansions)
                break
        for key, expansions in self.cjk.items():
            if key == word:
                # the whole word: its expansions as they are, even one it contains (核磁共振仪 →
                # 核磁共振 finds the 核磁共振波谱仪 that the name's own 振仪 misses), which inside a
                # longer word would expand again at every search of the expansion
                out.extend(expansions)
            elif key in word and not any(e in word for e in expansions):
                out.extend(word.replace(key, e) for e in expansions)
        out.extend(forms)
        return list(dict.fromkeys(out))[:MAX_VARIANTS]

    def phrase(self, words: list[str], start: int) -> tuple[int, list[str]] | None:
        """(end, expansions) of the longest run of two or more `words` from `start` that is a phrase
        key, each word in any of its forms ("electron microscopy" is "electron microscope"), if any."""
        if not self.phrases:
            return None
        folded = [{_folded(f) for f in (w, *self.forms(normalize(w)))} for w in words[start : start + MAX_PHRASE_WORDS]]
        for end in range(len(folded), 1, -1):
            for key, expansions in self.phrases.items():
                if len(key) == end and all(k in f for k, f in zip(key, folded)):
                    return start + end, expansions
        return None

    def forms(self, word: str) -> list[str]:
        """English word forms of a Latin word: suffix pairs both ways, then singular and plural."""
        if not (word.isascii() and word.isalpha() and len(word) >= 4):
            return []
        stems = [word]
        for a, b in self.word_forms:
            for old, new in ((a, b), (b, a)):
                if word.endswith(old):
                    stems.append(word[: -len(old)] + new)
        out = []
        for w in stems:
            out.append(w)
            out.append(_other_number(w))
        return [w for w in dict.fromkeys(out) if w != word]

    @classmethod
    def load(cls, path: Path | None = None) -> "Synonyms":
        path = path or conf_dir() / "synonyms.yaml"
        try:
            data = _SynonymsSchema().load(load_yaml(path) or {})
        except ValidationError as exc:
            raise validation_error(path, exc) from None
        return cls(data["synonyms"], str(path), data["word_forms"])


def _word_key(text: str) -> str:
    """GC-MS, gc/ms and GCMS share one key."""
    return "".join(p for _, p in pieces(text)).replace("-", "").replace("/", "").replace(".", "").replace("+", "")


def _other_number(word: str) -> str:
    """The plural of a singular English word, the singular of a plural: microscope ↔ microscopes,
    spectrometry ↔ spectrometries, mass ↔ masses."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def _folded(word: str) -> str:
    """A word of a phrase as compared: normalised, its separators and an English plural `s` left out."""
    key = _word_key(word)
    return key[:-1] if key.isascii() and len(key) > 3 and key.endswith("s") and not key.endswith("ss") else key


@lru_cache(maxsize=1)
def default_synonyms() -> Synonyms:
    path = conf_dir() / "synonyms.yaml"
    return Synonyms.load(path) if path.exists() else Synonyms({}, str(path))
