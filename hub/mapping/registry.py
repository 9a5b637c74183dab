"""The transform registry: the one place a newcomer reads to add a transform.

A transform is a pure function ``fn(value, **options) -> value``. It receives a value that is present
(never None, never an empty string: the engine treats those as missing before any transform runs) and
returns the converted value, or None when the input is a known way of saying "no value" (`进口` for a
country, `否` for a certification). It raises `hub.errors.TransformError` with a message that names the
bad value and what was expected; the engine adds the network, the record and the source field.

Registering::

    @transform("money", bare_unit=Option(str, default="yuan", choices=("yuan", "wanyuan")))
    def money(value, bare_unit="yuan"): ...

declares the transform's options, so a mapping file with an unknown option, an ill-typed value or a
missing required option fails when the mapping is loaded, naming the file and the key.

``on_error`` is the transform's default policy when it raises: ``reject`` (the record is rejected,
the usual case) or ``drop`` (the value is dropped and a warning recorded, e.g. a malformed credit
code must not hide an instrument). A mapping field can override it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

ON_ERROR = ("reject", "drop")


@dataclass(frozen=True)
class Option:
    """One declared option of a transform."""

    type: type | tuple[type, ...]
    default: Any = None
    required: bool = False
    choices: tuple | None = None
    #: Extra load-time check: returns an error text, or None when the value is fine.
    check: Callable[[Any], str | None] | None = None
    help: str = ""

    def validate(self, value) -> str | None:
        """Return what is wrong with `value`, or None."""
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        # bool is an int in Python; an option typed int must not accept `true`.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types)
            return f"expected {names}, got {type(value).__name__} {value!r}"
        if self.choices is not None and value not in self.choices:
            return f"expected one of {list(self.choices)}, got {value!r}"
        if self.check is not None:
            return self.check(value)
        return None


@dataclass(frozen=True)
class Transform:
    name: str
    fn: Callable
    options: dict[str, Option] = field(default_factory=dict)
    on_error: str = "reject"
    doc: str = ""

    def bind(self, options: dict) -> Callable:
        """Validated options → a one-argument callable. Raises ValueError(key, problem)."""
        for key in options:
            if key not in self.options:
                known = ", ".join(sorted(self.options)) or "none"
                raise OptionError(key, f"unknown option of transform {self.name!r} (its options: {known})")
        values = {}
        for key, spec in self.options.items():
            if key in options:
                problem = spec.validate(options[key])
                if problem:
                    raise OptionError(key, problem)
                values[key] = options[key]
            elif spec.required:
                raise OptionError(key, f"transform {self.name!r} requires option {key!r}")
        return partial(self.fn, **values) if values else self.fn


class OptionError(ValueError):
    def __init__(self, key, problem):
        self.key, self.problem = key, problem
        super().__init__(f"{key}: {problem}")


#: name → Transform. Filled by the @transform decorator in `hub.mapping.transforms` and `hub.mapping.dates`.
TRANSFORMS: dict[str, Transform] = {}


def transform(name: str, *, on_error: str = "reject", **options: Option):
    """Register `fn` under `name` with its declared options."""
    assert on_error in ON_ERROR

    def decorate(fn):
        if name in TRANSFORMS:
            raise RuntimeError(f"transform {name!r} registered twice")
        TRANSFORMS[name] = Transform(name, fn, options, on_error, (fn.__doc__ or "").strip())
        return fn

    return decorate


def get(name: str) -> Transform:
    _load_builtins()
    return TRANSFORMS[name]


def names() -> list[str]:
    _load_builtins()
    return sorted(TRANSFORMS)


def _load_builtins():
    # Built-in transforms are declared as entry points exactly like any extension's (hub/plugins.py).
    from hub import plugins

    plugins.load("transforms")
