"""Query-time synonyms from `conf/synonyms.yaml`, checked where they are loaded."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hub.config import conf_dir, load_yaml, validation_error
from hub.errors import ConfigError
from hub.search.tokenize import normalize, pieces

MAX_VARIANTS = 8


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
    any other key matches a whole word (separators ignored)."""

    def __init__(self, table: dict[str, list[str]], source: str = "", word_forms=()):
        self.source = source
        self.word_forms = [tuple(pair) for pair in word_forms]
        self.cjk: dict[str, list[str]] = {}
        self.words: dict[str, list[str]] = {}
        for raw_key, expansions in table.items():
            kinds = [k for k, _ in pieces(raw_key)]
            if not kinds:
                raise ConfigError(source, f"synonyms.{raw_key}", "key has no letters, digits or CJK characters")
            expansions = [normalize(e) for e in expansions]
            if kinds == ["cjk"] and normalize(raw_key) == next(p for _, p in pieces(raw_key)):
                self.cjk[normalize(raw_key)] = expansions
            else:
                self.words[_word_key(raw_key)] = expansions

    def variants(self, word: str) -> list[str]:
        """The word itself, then each form with one synonym key replaced by an expansion."""
        word = normalize(word)
        out = [word]
        for exp in self.words.get(_word_key(word), ()):
            out.append(exp)
        for key, expansions in self.cjk.items():
            if key in word and not any(e in word for e in expansions):
                out.extend(word.replace(key, e) for e in expansions)
        out.extend(self.forms(word))
        return list(dict.fromkeys(out))[:MAX_VARIANTS]

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
            out.append(w[:-1] if w.endswith("s") and not w.endswith("ss") else w + "s")
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


@lru_cache(maxsize=1)
def default_synonyms() -> Synonyms:
    path = conf_dir() / "synonyms.yaml"
    return Synonyms.load(path) if path.exists() else Synonyms({}, str(path))
