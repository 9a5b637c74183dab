"""Validation against the common schema, compiled once from `hub.schema`'s marshmallow declarations.

Why not `InstrumentSchema().load()` per record: it costs ~180 µs, which alone caps mapping at about
5,000 records a second. The transforms already produce canonical Python values (Decimal, str, aware
datetime), so what is left to check is types, nullability, required fields, unknown keys, the
field validators and the schema-level validators — all read from the schema classes themselves,
so the schema stays the single source of truth. A test asserts that every record this accepts is a
fixed point of `InstrumentSchema().load()` and that what it rejects, the schema rejects too.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Callable

from marshmallow import Schema, ValidationError, fields, missing

from hub import reasons

Problem = tuple[str, str]  # (dotted field path, message)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _type_check(field: fields.Field) -> Callable | None:
    """value → (value, error). Returns None for field classes we do not know (marshmallow fallback)."""
    if isinstance(field, fields.String):
        return lambda v: (v, None) if isinstance(v, str) else (v, f"expected text, got {type(v).__name__} {_short(v)}")
    if isinstance(field, fields.Integer):
        return lambda v: (v, None) if isinstance(v, int) and not isinstance(v, bool) else (v, f"expected a whole number, got {_short(v)}")
    if isinstance(field, fields.Decimal):
        quantum, rounding = field.places, field.rounding  # marshmallow keeps places as a quantum

        def check_decimal(v):
            if isinstance(v, bool) or not isinstance(v, (Decimal, int)) or (isinstance(v, Decimal) and not v.is_finite()):
                return v, f"expected a decimal number, got {_short(v)}"
            v = Decimal(v)
            return (v.quantize(quantum, rounding=rounding) if quantum is not None else v), None

        return check_decimal
    if isinstance(field, fields.Float):

        def check_float(v):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                return v, f"expected a number, got {_short(v)}"
            return float(v), None

        return check_float
    if isinstance(field, fields.AwareDateTime):
        return lambda v: (
            (v, None) if isinstance(v, datetime) and v.tzinfo is not None else (v, f"expected a date-time with time zone, got {_short(v)}")
        )
    if isinstance(field, fields.Boolean):
        return lambda v: (v, None) if isinstance(v, bool) else (v, f"expected true or false, got {_short(v)}")
    return None


class CompiledSchema:
    """`check(data) -> (loaded, problems)` equivalent to `schema_cls().load(data)` for canonical values."""

    def __init__(self, schema_cls: type[Schema]):
        self.schema_cls = schema_cls
        self.instance = schema_cls()
        self.fields = []  # (name, field, type_check, nested CompiledSchema | None, inner check)
        for name, field in self.instance.fields.items():
            nested = inner = None
            if isinstance(field, fields.Nested):
                nested = CompiledSchema(type(field.schema))
            elif isinstance(field, fields.List):
                inner = (_type_check(field.inner) or _fallback(field.inner), _runner(field.inner.validators))
            self.fields.append((name, field, _type_check(field) if nested is None and inner is None else None, nested, inner))
        self.names = set(self.instance.fields)
        self.plan = [
            (
                name,
                f.required,
                f.allow_none,
                f.load_default,
                tc or (None if nested or inner else _fallback(f)),
                nested,
                inner,
                _runner(f.validators),
            )
            for name, f, tc, nested, inner in self.fields
        ]
        self.hooks = [(getattr(self.instance, attr), kw) for attr, many, kw in schema_cls._hooks.get("validates_schema", []) if not many]

    def check(self, data: dict, prefix: str = "") -> tuple[dict, list[Problem]]:
        out, problems = {}, []
        unknown = data.keys() - self.names
        if unknown:
            problems.extend((prefix + str(key), reasons.UNKNOWN_FIELD()) for key in sorted(map(str, unknown)))
        for name, required, allow_none, default, type_check, nested, inner, validators in self.plan:
            value = data.get(name, _ABSENT)
            if value is _ABSENT:
                if required:
                    problems.append((prefix + name, reasons.MISSING()))
                elif default is not missing:
                    out[name] = default() if callable(default) else default
                continue
            if value is None:
                if allow_none:
                    out[name] = None
                else:
                    problems.append((prefix + name, reasons.EMPTY()))
                continue
            if type_check is not None:
                value, error = type_check(value)
                if error:
                    problems.append((prefix + name, error))
                    continue
            elif nested is not None:
                if type(value) is not dict:
                    problems.append((prefix + name, reasons.NOT_OBJECT(value=_short(value))))
                    continue
                value, sub = nested.check(value, prefix + name + ".")
                if sub:
                    problems.extend(sub)
                    continue
            else:
                value, error = self._list(value, inner, prefix + name, problems)
                if error:
                    continue
            if validators is not None:
                error = validators(value)
                if error:
                    problems.append((prefix + name, reasons.GOT(message=error, value=_short(value))))
                    continue
            out[name] = value
        for hook, kwargs in self.hooks:
            if problems and kwargs.get("skip_on_field_errors", True):
                break
            try:
                hook(out, partial=None, many=False)
            except ValidationError as exc:
                messages = exc.normalized_messages()
                for key, texts in messages.items():
                    path = prefix + ("" if key == "_schema" else key)
                    problems.append((path.rstrip("."), "; ".join(map(str, texts if isinstance(texts, list) else [texts]))))
        return out, problems

    @staticmethod
    def _list(value, inner, path, problems):
        check, validators = inner
        if type(value) is not list:
            problems.append((path, reasons.NOT_LIST(value=_short(value))))
            return value, True
        items, bad = [], False
        for i, item in enumerate(value):
            item, error = check(item)
            error = error or (validators(item) if validators is not None else None)
            if error:
                problems.append((f"{path}[{i}]", error))
                bad = True
            items.append(item)
        return items, bad


_ABSENT = object()


def _runner(validators) -> Callable[[object], str | None] | None:
    """The field's validators as one `fn(value) -> message or None` (None: no validators).

    A validator may offer `passes(value) -> bool`, True only when calling it would not raise: a
    check without a message, asked first. When every such one passes, only the others run; when one
    fails, the whole list runs in order, so the message is exactly the one marshmallow's order gives.
    Every common-schema text has one (`hub.schema.StorableText`): ~30 a record, most of validation."""
    validators = list(validators)
    if not validators:
        return None
    quick = [v.passes for v in validators if callable(getattr(v, "passes", None))]
    if not quick:
        return lambda value: _run(validators, value)
    rest = [v for v in validators if not callable(getattr(v, "passes", None))]
    if len(quick) == 1 and not rest:
        (passes,) = quick
        return lambda value: None if passes(value) else _run(validators, value)

    def run(value):
        for passes in quick:
            if not passes(value):
                return _run(validators, value)
        return _run(rest, value) if rest else None

    return run


def _run(validators, value) -> str | None:
    for validator in validators:
        try:
            validator(value)
        except ValidationError as exc:
            return "; ".join(map(str, exc.messages))
    return None


def _fallback(field: fields.Field):
    def check(v):
        try:
            return field.deserialize(v), None
        except ValidationError as exc:
            return v, "; ".join(map(str, exc.messages))

    return check
