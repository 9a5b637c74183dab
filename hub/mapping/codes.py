"""Code tables that live beside the mapping files in `mappings/codes/`: data, never code.

* `classification.csv` — the national instrument classification (大类 / 中类, 6-digit codes);
* `vocabularies.yaml` — spelling → national value tables for the `vocab` transform;
* `countries.yaml` — Chinese country spellings that pycountry's zh_CN names do not cover.

Tables are read once per directory and cached. `version()` is a hash of their bytes: a mapping's
digest includes it, so editing a code table re-maps the records it affects.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from hub.config import mappings_dir
from hub.errors import ConfigError

FILES = ("classification.csv", "vocabularies.yaml", "countries.yaml")


def codes_dir() -> Path:
    return mappings_dir() / "codes"


def vocab_key(value) -> str:
    """How a spelling is matched: trimmed text, case-folded; `true`/`1` as their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().casefold()


@dataclass(frozen=True)
class Category:
    code: str
    level: int
    parent: str | None
    name: str
    name_en: str


@dataclass(frozen=True)
class CodeTables:
    directory: str
    version: str
    categories: dict  # code -> Category
    vocabularies: dict  # table -> {vocab_key: value}
    vocabulary_spellings: dict  # table -> [spelling as written], for error messages
    country_aliases: dict  # spelling -> alpha-2 or None


@lru_cache(maxsize=8)
def _load(directory: str) -> CodeTables:
    base = Path(directory)
    digest = hashlib.sha256()
    for name in FILES:
        path = base / name
        try:
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        except FileNotFoundError:
            raise ConfigError(path, None, "code table not found") from None
    return CodeTables(
        directory=directory,
        version=digest.hexdigest(),
        categories=_categories(base / "classification.csv"),
        **_vocabularies(base / "vocabularies.yaml"),
        country_aliases=_countries(base / "countries.yaml"),
    )


_current: tuple = (object(), None)


def tables() -> CodeTables:
    """The code tables of the current deployment (HUB_HOME), cached: transforms call this per value."""
    global _current
    home = os.environ.get("HUB_HOME")
    if _current[0] != home:
        _current = (home, _load(str(codes_dir())))
    return _current[1]


def version() -> str:
    return tables().version


def _categories(path: Path) -> dict:
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            code = (row.get("code") or "").strip()
            if len(code) != 6 or not code.isdigit():
                raise ConfigError(path, f"line {i}", f"expected a 6-digit code, got {code!r}")
            out[code] = Category(code, int(row["level"]), row["parent"].strip() or None, row["name_zh"].strip(), row["name_en"].strip())
    return out


def _vocabularies(path: Path) -> dict:
    raw = _yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(path, None, "expected a mapping of table name → {spelling: value}")
    tables, spellings = {}, {}
    for table, entries in raw.items():
        if not isinstance(entries, dict) or not entries:
            raise ConfigError(path, str(table), "expected a non-empty mapping of spelling → value")
        compiled = {}
        for spelling, value in entries.items():
            if value is not None and not isinstance(value, str):
                raise ConfigError(path, f"{table}.{spelling}", f"expected a text value or null, got {value!r}")
            key = vocab_key(spelling)
            if key in compiled and compiled[key] != value:
                raise ConfigError(path, f"{table}.{spelling}", "spelling listed twice with different values")
            compiled[key] = value
        # A national value is a spelling of itself: a feed that already speaks the common schema
        # (`university`, `central`) needs no entry, and a table's own spelling of it still wins.
        for value in {v for v in compiled.values() if v is not None}:
            compiled.setdefault(vocab_key(value), value)
        tables[str(table)] = compiled
        spellings[str(table)] = [str(s) for s in entries]
    return {"vocabularies": tables, "vocabulary_spellings": spellings}


def _countries(path: Path) -> dict:
    raw = _yaml(path)
    aliases = (raw or {}).get("aliases") if isinstance(raw, dict) else None
    if not isinstance(aliases, dict):
        raise ConfigError(path, "aliases", "expected a mapping of Chinese spelling → ISO 3166 alpha-2 code or null")
    out = {}
    for spelling, code in aliases.items():
        if code is not None and not (isinstance(code, str) and len(code) == 2 and code.isalpha() and code.isupper()):
            raise ConfigError(path, f"aliases.{spelling}", f"expected an upper-case alpha-2 code or null, got {code!r}")
        out[str(spelling).strip()] = code
    return out


def _yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ConfigError(path, None, f"not valid YAML: {exc}") from None
