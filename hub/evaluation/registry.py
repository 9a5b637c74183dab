"""Named methods of the evaluation engine, looked up by name and checked at load.

Every normalisation, outlier treatment, imputation, aggregation, transform and network metric is a
function registered under a name with the parameters it accepts; a framework file names them, the
loader checks the name and the parameters (file, node, what was expected), and the engine calls the
function. A new method is one decorated function, never a new branch.

The modules that register methods are named by entry points in the group `instrument_hub.evaluation`
(the built-ins in this project's pyproject.toml, an extension in its own); every lookup loads them
first, so a framework file can name a method an installed package provides (docs/extending.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from hub import plugins


@dataclass(frozen=True)
class Param:
    """One parameter of a method: its default and a check returning a problem text or None."""

    default: Any
    check: Callable[[Any], str | None] = lambda v: None
    doc: str = ""


@dataclass(frozen=True)
class Entry:
    name: str
    fn: Callable
    doc: str
    params: dict[str, Param] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


class MethodRegistry:
    """Methods of one kind (`normalisation`, `aggregation`, …) by name."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, params: dict[str, Param] | None = None, **meta):
        def wrap(fn):
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            doc = " ".join((fn.__doc__ or "").split())
            self._entries[name] = Entry(name, fn, doc, dict(params or {}), meta)
            return fn

        return wrap

    def __contains__(self, name):
        plugins.load("evaluation")
        return name in self._entries

    def __iter__(self):
        plugins.load("evaluation")
        return iter(sorted(self._entries))

    def get(self, name: str) -> Entry:
        plugins.load("evaluation")
        return self._entries[name]

    def entries(self) -> list[Entry]:
        plugins.load("evaluation")
        return [self._entries[n] for n in sorted(self._entries)]

    def resolve(self, spec, where: str) -> "MethodSpec":
        """Check a spec from a framework file (`name` or `{method: name, param: value}`).

        Returns a MethodSpec with every parameter filled in; raises ValueError with the problem text
        (the loader adds the file and node)."""
        if isinstance(spec, str):
            name, given = spec, {}
        elif isinstance(spec, dict) and isinstance(spec.get("method"), str):
            name, given = spec["method"], {k: v for k, v in spec.items() if k != "method"}
        else:
            raise ValueError(f"{where}: expected a {self.kind} method name or a mapping with 'method', got {spec!r}")
        plugins.load("evaluation")
        if name not in self._entries:
            raise ValueError(f"{where}: unknown {self.kind} method {name!r}, expected one of {sorted(self._entries)}")
        entry = self._entries[name]
        unknown = sorted(set(given) - set(entry.params))
        if unknown:
            raise ValueError(
                f"{where}: {self.kind} {name!r} has no parameter {unknown[0]!r} (parameters: {sorted(entry.params) or 'none'})"
            )
        missing = [r for r in entry.meta.get("required", ()) if r not in given]
        if missing:
            raise ValueError(f"{where}: {self.kind} {name!r} needs the parameter {missing[0]!r}")
        params = {}
        for pname, param in entry.params.items():
            value = given.get(pname, param.default)
            if pname in given and (problem := param.check(value)):
                raise ValueError(f"{where}: {self.kind} {name!r} parameter {pname!r}: {problem}")
            params[pname] = tuple(value) if isinstance(value, list) else value
        return MethodSpec(name, tuple(sorted(params.items(), key=lambda kv: kv[0])))


@dataclass(frozen=True)
class MethodSpec:
    """A method chosen in a framework with its parameters (hashable, so results can be cached)."""

    name: str
    items: tuple = ()

    @property
    def params(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.items}

    def describe(self) -> dict:
        return {"method": self.name, **self.params}


# ---------------------------------------------------------------- parameter checks


def is_number(v):
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) else f"expected a number, got {v!r}"


def is_positive(v):
    return is_number(v) or (None if v > 0 else f"expected a positive number, got {v!r}")


def is_bool(v):
    return None if isinstance(v, bool) else f"expected true or false, got {v!r}"


def is_int_at_least(low):
    def check(v):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            return f"expected an integer >= {low}, got {v!r}"
        return None

    return check


def is_range(v):
    ok = isinstance(v, (list, tuple)) and len(v) == 2 and all(is_number(x) is None for x in v) and v[0] < v[1]
    return None if ok else f"expected [low, high] with low < high, got {v!r}"


def is_optional_number(v):
    return None if v is None else is_number(v)


def is_optional_text(v):
    return None if v is None or isinstance(v, str) else f"expected text, got {v!r}"
