"""A mapping's `source_id`: where a record's id comes from, for sources that have one and those that don't.

    source_id: YQBH                          # a payload path: the network's own id
    source_id:                               # composed from several columns, each through transforms
      from: [Department, Name]
      join: " - "                            # default "-"
      transform: [trim, collapse_spaces]     # applied to every part; default trim
    source_id:
      hash: [Name, Description, Building]    # a stable digest of these fields: "h" + 20 hex digits

Trade-off (docs/mapping.md): a composed id stays readable and survives changes to every column it
does not use; a digest needs no column to be unique on its own, but either way a change to a field
the id is made from means the old id disappears (a withdrawal, after a complete listing) and a new
record appears. Choose the fewest, steadiest fields that still tell two instruments apart.

Characters the hub's id syntax cannot carry are encoded, never refused: `%` → `%25`, `/` → `%2F`,
and whitespace other than a plain inner space (tabs, newlines) → `%09`, `%0A` …; surrounding spaces
are trimmed. The same encoding applies to plain-path ids read through a mapping (push, tabular).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

_UNSAFE = re.compile(r"[%/\t\n\r\v\f\x85\u2028\u2029]")
_SPACES = re.compile(r"\s+")
MAX_ID = 120
HASH_DIGITS = 20


def encode_id(text: str) -> str:
    """`text` (trimmed) with the characters an id cannot carry percent-encoded."""
    text = text.strip()
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), text)


def _text(value) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _get(payload: dict, path: str):
    value = payload.get(path)
    if value is None and "." in path:
        value = payload
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    return value


@dataclass
class IdSpec:
    kind: str  # path | compose | hash
    paths: list
    join: str = "-"
    steps: list = field(default_factory=list)

    @property
    def describe(self) -> str:
        """How the id is made, in the province's naming (used in error messages)."""
        if self.kind == "path":
            return self.paths[0]
        if self.kind == "hash":
            return "hash(" + ", ".join(self.paths) + ")"
        return self.join.join(self.paths)

    def _part(self, payload, path) -> str | None:
        text = _text(_get(payload, path))
        for _, fn, _ in self.steps:
            if text is None:
                break
            text = _text(fn(text))
        return text

    def of(self, payload: dict) -> tuple[str | None, str | None]:
        """(id, None) or (None, why the record has no id)."""
        if self.kind == "hash":
            parts = [_SPACES.sub(" ", _text(_get(payload, p)) or "") for p in self.paths]
            if not any(parts):
                return None, f"every field the id is made from is empty ({', '.join(self.paths)})"
            digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:HASH_DIGITS]
            return f"h{digest}", None
        try:
            parts = [self._part(payload, p) for p in self.paths]
        except Exception as exc:  # a transform's complaint about this record's value
            return None, f"the record id ({self.describe}) cannot be made: {exc}"
        if self.kind == "path":
            if parts[0] is None:
                return None, f"the record id ({self.describe}) is missing"
        elif not all(parts):
            missing = [p for p, v in zip(self.paths, parts) if not v]
            return None, f"the record id ({self.describe}) is missing its part{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        sid = encode_id(self.join.join(parts))
        if len(sid) > MAX_ID:
            return None, f"the record id is {len(sid)} characters long once encoded (at most {MAX_ID}): {sid[:40]}…"
        return sid, None


def compile_id(spec, loader) -> IdSpec:
    """Check a mapping file's `source_id` and compile it; `loader.fail(key, problem)` on a mistake."""
    if isinstance(spec, str) and spec.strip():
        return IdSpec("path", [spec])
    if not isinstance(spec, dict):
        loader.fail(
            "source_id",
            f"expected the payload path of the record id, {{from: [paths], join, transform}} or {{hash: [paths]}}, got {spec!r}",
        )
    unknown = set(spec) - {"from", "join", "transform", "hash"}
    if unknown:
        loader.fail(f"source_id.{sorted(unknown)[0]}", "unknown key; expected from, join, transform (a composed id) or hash (a digest)")
    if ("from" in spec) == ("hash" in spec):
        loader.fail("source_id", "give either `from` (a composed id) or `hash` (a digest of fields)")
    key = "from" if "from" in spec else "hash"
    paths = spec[key]
    paths = [paths] if isinstance(paths, str) else paths
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p.strip() for p in paths):
        loader.fail(f"source_id.{key}", f"expected a payload path or a non-empty list of paths, got {spec[key]!r}")
    if key == "hash":
        if "join" in spec or "transform" in spec:
            loader.fail("source_id", "a digest takes no join or transform (the fields are trimmed and their spaces collapsed)")
        return IdSpec("hash", paths)
    join = spec.get("join", "-")
    if not isinstance(join, str):
        loader.fail("source_id.join", f"expected a string, got {join!r}")
    steps = loader.steps(spec.get("transform", "trim"), "source_id.transform")
    return IdSpec("compose" if len(paths) > 1 or "join" in spec else "path", paths, join, steps)
