"""The fields of a mapping file, checked and compiled (`Loader`), and one compiled field run on a
payload (`CompiledField.run`): where its value comes from, which transforms apply, what happens when
one fails. hub.mapping.engine assembles them into a network's `Mapping`.

Everything is checked when the file is loaded, so a typo fails at start-up with the file, the key and
what was expected; a record then only runs precompiled closures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from hub.errors import ConfigError, TransformError
from hub.mapping import registry

#: Pseudo-paths: values the connector put on the RawRecord rather than in the payload.
RAW_PATHS = ("$source_id", "$source_updated")
FIELD_KEYS = {
    "from": "a payload path, or a list of paths tried in order",
    "combine": "`first` (first non-empty path, default) or `all` (list of every non-empty path's value)",
    "const": "a constant value used instead of a payload path",
    "default": "a value used when every path is empty",
    "transform": "a transform name, {name: {options}}, or a list of those",
    "on_error": "`reject` (the record is rejected) or `drop` (the value is dropped with a warning)",
}
MISSING = object()


def getter(path: str) -> Callable[[dict, Any], Any]:
    """A payload path → fn(payload, raw). A literal key wins (`SSDW@xydm`, `listing.状态` are flat
    keys); otherwise dots walk into nested objects (`org.name`)."""
    if path == "$source_id":
        return lambda payload, raw: raw.source_id if raw is not None else MISSING
    if path == "$source_updated":
        return lambda payload, raw: raw.source_updated if raw is not None else MISSING
    if "." not in path:
        return lambda payload, raw: payload.get(path, MISSING)
    parts = path.split(".")

    def walk(payload, raw):
        value = payload.get(path, MISSING)
        if value is not MISSING:
            return value
        value = payload
        for part in parts:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(part, MISSING)
            if value is MISSING:
                return MISSING
        return value

    return walk


def present(value):
    """None, blank text and empty lists are missing, whatever path they came from."""
    if value is None or value is MISSING:
        return MISSING
    if isinstance(value, str):
        value = value.strip()
        return value if value else MISSING
    if isinstance(value, list) and not value:
        return MISSING
    return value


@dataclass
class CompiledField:
    target: str
    source: str  # how the province names it, for error messages
    getters: list  # (path, getter)
    combine: str
    const: Any
    default: Any
    steps: list  # (name, bound callable, on_error)
    on_error: str | None

    def __post_init__(self):
        self._cache = {}
        self._single = self.getters[0][1] if len(self.getters) == 1 and self.combine == "first" else None
        self.parent, _, self.part = self.target.rpartition(".")

    def run(self, payload, raw):
        """→ (value, source field, problem or None, is_warning)."""
        if self._single is not None:
            value, source = self._single(payload, raw), self.source
            if type(value) is str:
                value = value.strip() or MISSING
            elif value is None or value == []:
                value = MISSING
        elif self.const is not MISSING:
            value, source = self.const, self.source
        elif self.combine == "all":
            value = [v for v in (present(g(payload, raw)) for _, g in self.getters) if v is not MISSING] or MISSING
            source = self.source
        else:
            value, source = MISSING, self.source
            for path, getter in self.getters:
                value = present(getter(payload, raw))
                if value is not MISSING:
                    source = path
                    break
        if value is MISSING:
            return (self.default if self.default is not MISSING else None), source, None, False
        # Transforms are pure, so a chain's outcome is memoised per input value: status, country,
        # category, region, owner … repeat across thousands of records. Results are never shared
        # mutably (validation copies nested objects and lists).
        kind = type(value)
        if kind in _CACHEABLE and (kind is not str or len(value) <= _CACHE_TEXT):
            key = (kind, value)
            hit = self._cache.get(key)
            if hit is None:
                if len(self._cache) >= _CACHE_SIZE:
                    self._cache.clear()
                hit = self._cache[key] = self.convert(value)
            return hit[0], source, hit[1], hit[2]
        value, problem, warning = self.convert(value)
        return value, source, problem, warning

    def convert(self, value):
        """A present value through the transform chain → (value, problem or None, is_warning)."""
        try:
            for _, fn, _ in self.steps:
                value = fn(value)
                if value is None:
                    break
        except TransformError as exc:
            # The field's own policy wins; else the failing transform's declared default.
            policy = self.on_error or getattr(exc, "policy", None) or "reject"
            return None, str(exc), policy == "drop"
        except (RecursionError, MemoryError):
            raise
        except Exception as exc:  # a transform bug must not stop the harvest: it is this record's error
            return None, f"transform failed: {type(exc).__name__}: {exc}", False
        return value, None, False


_CACHEABLE = {str, int, float, bool}
_CACHE_TEXT = 120
_CACHE_SIZE = 4096


def _policy_wrapper(fn, policy):
    if policy == "reject":
        return fn

    def wrapped(value):
        try:
            return fn(value)
        except TransformError as exc:
            exc.policy = policy
            raise

    return wrapped


class Loader:
    """Validates one mapping file's structure, collecting the file + key of the first problem."""

    def __init__(self, path):
        self.path = str(path)

    def fail(self, key, problem):
        raise ConfigError(self.path, key, problem)

    def fields(self, section: dict, where: str, targets: dict[str, str]) -> list[CompiledField]:
        if not isinstance(section, dict) or not section:
            self.fail(where, "expected a mapping of common-schema field → source")
        compiled = []
        for target, spec in section.items():
            key = f"{where}.{target}"
            if target not in targets:
                self.fail(key, f"unknown common-schema field {target!r}; expected one of: {', '.join(targets)}")
            if targets[target] == "part" and target.split(".")[0] in section:
                self.fail(key, f"{target.split('.')[0]!r} is mapped whole; map either the object or its parts")
            compiled.append(self.field(target, spec, key))
        return compiled

    def field(self, target, spec, key) -> CompiledField:
        if isinstance(spec, (str, list)):  # shorthand: a path, or fallback paths, trimmed
            spec = {"from": spec}
        if not isinstance(spec, dict):
            self.fail(key, f"expected a payload path or a mapping with keys {sorted(FIELD_KEYS)}, got {spec!r}")
        for k in spec:
            if k not in FIELD_KEYS:
                self.fail(f"{key}.{k}", "unknown key; expected one of: " + "; ".join(f"{n} ({d})" for n, d in FIELD_KEYS.items()))
        if "from" not in spec and "const" not in spec:
            self.fail(key, "missing required `from` (a payload path) or `const`")
        if "from" in spec and "const" in spec:
            self.fail(key, "give either `from` or `const`, not both")
        paths = spec.get("from", [])
        paths = [paths] if isinstance(paths, str) else paths
        if "from" in spec and (not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p.strip() for p in paths)):
            self.fail(f"{key}.from", f"expected a payload path or a non-empty list of paths, got {spec['from']!r}")
        for p in paths:
            if p.startswith("$") and p not in RAW_PATHS:
                self.fail(f"{key}.from", f"unknown record path {p!r}; expected one of {list(RAW_PATHS)}")
        combine = spec.get("combine", "first")
        if combine not in ("first", "all"):
            self.fail(f"{key}.combine", f"expected `first` or `all`, got {combine!r}")
        on_error = spec.get("on_error")
        if on_error is not None and on_error not in registry.ON_ERROR:
            self.fail(f"{key}.on_error", f"expected one of {list(registry.ON_ERROR)}, got {on_error!r}")
        steps_spec = spec.get("transform", "trim")
        steps = self.steps(steps_spec, f"{key}.transform")
        source = paths[0] if len(paths) == 1 else " | ".join(paths) if paths else target
        return CompiledField(
            target=target,
            source=source,
            getters=[(p, getter(p)) for p in paths],
            combine=combine,
            const=spec.get("const", MISSING),
            default=spec.get("default", MISSING),
            steps=steps,
            on_error=on_error,
        )

    def steps(self, spec, key):
        items = spec if isinstance(spec, list) else [spec]
        if not items:
            self.fail(key, "expected at least one transform")
        known = registry.names()
        out = []
        for i, item in enumerate(items):
            where = f"{key}[{i}]" if isinstance(spec, list) else key
            if isinstance(item, str):
                name, options = item, {}
            elif isinstance(item, dict) and len(item) == 1:
                name, options = next(iter(item.items()))
                options = {} if options is None else options
                if not isinstance(options, dict):
                    self.fail(f"{where}.{name}", f"expected a mapping of options, got {options!r}")
            else:
                self.fail(where, f"expected a transform name or {{name: {{options}}}}, got {item!r}")
            if name not in known:
                self.fail(where, f"unknown transform {name!r}; expected one of: {', '.join(known)}")
            transform = registry.get(name)
            try:
                fn = transform.bind(options)
            except registry.OptionError as exc:
                self.fail(f"{where}.{name}.{exc.key}", exc.problem)
            out.append((name, _policy_wrapper(fn, transform.on_error), transform.on_error))
        return out


def header_labels(raw, loader) -> dict[str, frozenset[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        loader.fail("header_labels", f"expected column name → label or [labels], got {raw!r}")
    out = {}
    for column, labels in raw.items():
        labels = [labels] if isinstance(labels, str) else labels
        if not (isinstance(labels, list) and labels and all(isinstance(label, str) and label.strip() for label in labels)):
            loader.fail(f"header_labels.{column}", f"expected a label or a list of labels (non-empty text), got {raw[column]!r}")
        out[str(column)] = frozenset(label.strip() for label in labels)
    return out
