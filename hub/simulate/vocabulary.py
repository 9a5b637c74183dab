"""The simulator's vocabularies, loaded from `vocab/*.yaml` and validated where they are loaded.

* `kinds.yaml` — the kinds of instrument: canonical name, English name, 中类 code, price band,
  weight, real makers' models, texts, and the other spellings catalogues use for the kind;
* `makers.yaml` — maker key → Chinese spelling, Latin spelling, country as networks write it, alpha-2;
* `spelling.yaml` — the ranked forms a name, a model and a maker are written in, the notes,
  brackets, suffix swaps and typos, and the Zipf exponents that make common spellings dominate.

A bad entry fails at load time with the file, the key (`kinds[12].band`) and what was expected.
The drawing itself lives in `hub.simulate.spelling`; this module only reads and checks data.
"""

from __future__ import annotations

import csv
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from hub.config import mappings_dir
from hub.errors import ConfigError

VOCAB = Path(__file__).with_name("vocab")


@dataclass(frozen=True)
class Kind:
    name: str  # canonical name: the truth a search or a duplicate resolver is measured against
    name_en: str
    code: str  # 中类 code of the national classification
    low: int  # price band in yuan
    high: int
    weight: float
    models: tuple  # ((maker key, model), ...)
    specs: str
    functions: str
    services: tuple
    spellings: tuple = ()  # other ways catalogues write this kind, commonest first


@dataclass(frozen=True)
class Forms:
    zipf: float
    forms: tuple


@dataclass(frozen=True)
class Spelling:
    name: Forms
    spelling_zipf: float
    notes: tuple
    brackets: tuple
    suffixes: tuple  # ((suffix, (replacement, ...)), ...) longest suffix first
    typo_share: float
    typos: tuple  # ((right, wrong), ...)
    model: Forms
    maker: Forms


def _load(name: str):
    path = VOCAB / name
    with open(path, encoding="utf-8") as fh:
        return path, yaml.safe_load(fh)


def _need(path, key, value, kind, what):
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(path, key, f"expected {what}, got {value!r}")
    return value


def _text_list(path, key, value):
    _need(path, key, value, list, "a list of texts")
    for n, item in enumerate(value):
        _need(path, f"{key}[{n}]", item, str, "text")
    return tuple(value)


@lru_cache(maxsize=1)
def makers() -> dict[str, tuple[str, str, str, str]]:
    path, data = _load("makers.yaml")
    _need(path, None, data, dict, "a mapping of maker key → [Chinese, Latin, country, alpha-2]")
    out = {}
    for key, row in data.items():
        if not (isinstance(row, list) and len(row) == 4 and all(isinstance(x, str) for x in row)):
            raise ConfigError(path, key, f'expected [Chinese or "", Latin, country, alpha-2], got {row!r}')
        if not row[1] or len(row[3]) != 2:
            raise ConfigError(path, key, f"expected a Latin spelling and a 2-letter country code, got {row!r}")
        out[key] = tuple(row)
    return out


@lru_cache(maxsize=1)
def classification_codes() -> dict[str, str]:
    with open(mappings_dir() / "codes" / "classification.csv", encoding="utf-8", newline="") as fh:
        return {row["code"]: row["level"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def kinds() -> tuple[Kind, ...]:
    path, data = _load("kinds.yaml")
    _need(path, None, data, list, "a list of kinds")
    known_makers, codes = makers(), classification_codes()
    out, seen = [], set()
    for n, row in enumerate(data):
        at = f"kinds[{n}]"
        _need(path, at, row, dict, "a mapping")
        expected = {"name", "en", "code", "band", "weight", "models", "specs", "functions", "services", "spellings"}
        if set(row) != expected:
            raise ConfigError(path, at, f"expected keys {sorted(expected)}, got {sorted(row)}")
        name = _need(path, f"{at}.name", row["name"], str, "text")
        if name in seen:
            raise ConfigError(path, f"{at}.name", f"{name} is listed twice")
        seen.add(name)
        code = _need(path, f"{at}.code", row["code"], str, "a 6-digit code in quotes")
        if codes.get(code) != "2":
            raise ConfigError(path, f"{at}.code", f"expected a 中类 code of the national classification, got {code!r}")
        band = row["band"]
        if not (isinstance(band, list) and len(band) == 2 and all(isinstance(b, int) for b in band) and 0 < band[0] < band[1]):
            raise ConfigError(path, f"{at}.band", f"expected [low, high] in yuan, low < high, got {band!r}")
        weight = row["weight"]
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise ConfigError(path, f"{at}.weight", f"expected a positive number, got {weight!r}")
        models = _need(path, f"{at}.models", row["models"], list, "a list of [maker key, model]")
        for m, pair in enumerate(models):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)):
                raise ConfigError(path, f"{at}.models[{m}]", f"expected [maker key, model], got {pair!r}")
            if pair[0] not in known_makers:
                raise ConfigError(path, f"{at}.models[{m}]", f"unknown maker {pair[0]!r}; add it to makers.yaml")
        if not models:
            raise ConfigError(path, f"{at}.models", "expected at least one model")
        out.append(
            Kind(
                name=name,
                name_en=_need(path, f"{at}.en", row["en"], str, "text"),
                code=code,
                low=band[0],
                high=band[1],
                weight=float(weight),
                models=tuple(tuple(p) for p in models),
                specs=_need(path, f"{at}.specs", row["specs"], str, "text"),
                functions=_need(path, f"{at}.functions", row["functions"], str, "text"),
                services=_text_list(path, f"{at}.services", row["services"]),
                spellings=_text_list(path, f"{at}.spellings", row["spellings"]),
            )
        )
    return tuple(out)


def _forms(path, key, data, placeholders) -> Forms:
    _need(path, key, data, dict, "a mapping with zipf and forms")
    zipf = data.get("zipf")
    if isinstance(zipf, bool) or not isinstance(zipf, (int, float)) or zipf < 0:
        raise ConfigError(path, f"{key}.zipf", f"expected a non-negative exponent, got {zipf!r}")
    forms = _text_list(path, f"{key}.forms", data.get("forms"))
    if not forms:
        raise ConfigError(path, f"{key}.forms", "expected at least one form")
    for n, form in enumerate(forms):
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(form) if field is not None}
        except ValueError as exc:
            raise ConfigError(path, f"{key}.forms[{n}]", f"{exc} in {form!r}") from None
        unknown = used - set(placeholders)
        if unknown:
            raise ConfigError(
                path, f"{key}.forms[{n}]", f"unknown placeholder {sorted(unknown)} in {form!r}; expected some of {sorted(placeholders)}"
            )
    return Forms(float(zipf), forms)


@lru_cache(maxsize=1)
def spelling() -> Spelling:
    path, data = _load("spelling.yaml")
    _need(path, None, data, dict, "a mapping with name, model and maker")
    name = _need(path, "name", data.get("name"), dict, "a mapping")
    share = name.get("typo_share")
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ConfigError(path, "name.typo_share", f"expected a share between 0 and 1, got {share!r}")
    brackets = _need(path, "name.brackets", name.get("brackets"), list, "a list of [open, close]")
    for n, pair in enumerate(brackets):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ConfigError(path, f"name.brackets[{n}]", f"expected [open, close], got {pair!r}")
    suffixes = _need(path, "name.suffixes", name.get("suffixes"), dict, "a mapping suffix → [replacements]")
    typos = _need(path, "name.typos", name.get("typos"), dict, "a mapping right → wrong")
    for right, wrong in typos.items():
        _need(path, f"name.typos.{right}", wrong, str, "text")
    spelling_zipf = name.get("spelling_zipf")
    if isinstance(spelling_zipf, bool) or not isinstance(spelling_zipf, (int, float)) or spelling_zipf < 0:
        raise ConfigError(path, "name.spelling_zipf", f"expected a non-negative exponent, got {spelling_zipf!r}")
    from hub.simulate.spelling import MAKER_FIELDS, MODEL_FIELDS, NAME_FIELDS  # the code behind the placeholders

    return Spelling(
        name=_forms(path, "name", name, NAME_FIELDS),
        spelling_zipf=float(spelling_zipf),
        notes=_text_list(path, "name.notes", name.get("notes")),
        brackets=tuple(tuple(p) for p in brackets),
        suffixes=tuple(
            sorted(((s, _text_list(path, f"name.suffixes.{s}", r)) for s, r in suffixes.items()), key=lambda item: -len(item[0]))
        ),
        typo_share=float(share),
        typos=tuple(typos.items()),
        model=_forms(path, "model", data.get("model"), MODEL_FIELDS),
        maker=_forms(path, "maker", data.get("maker"), MAKER_FIELDS),
    )
