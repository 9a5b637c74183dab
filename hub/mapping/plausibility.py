"""Plausibility checks on a mapped record: values the schema accepts but no real instrument has.

The schema only knows that an original value is a non-negative amount; a value typed in the wrong
unit (yuan in a 万元 field, 万元 in a yuan field) is off by 10⁴ and passes. Each check here is a pure
function ``value -> message or None`` registered for one common field; the mapping engine runs them
after validation, drops a value that fails and records a warning naming the province's source field
and the value — the instrument itself is kept, and the province sees what to correct.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

from hub import reasons

#: common field → checks (registered below; docs/mapping.md "Plausibility checks" lists them)
CHECKS: dict[str, list[Callable]] = {}

#: No large instrument costs less: 10 万元 typed as 10 "yuan" gives 10; the dearest catalogued
#: instrument (a 3 亿 facility at most) typed in 万元 where yuan were meant starts at 10 亿.
MIN_ORIGINAL_VALUE = Decimal(10_000)
MAX_ORIGINAL_VALUE = Decimal(500_000_000)


def check(target: str):
    def wrap(fn):
        CHECKS.setdefault(target, []).append(fn)
        return fn

    return wrap


@check("original_value")
def original_value_in_range(value: Decimal) -> str | None:
    if value < MIN_ORIGINAL_VALUE:
        return reasons.VALUE_TOO_LOW(value=f"{value:,}", limit=f"{MIN_ORIGINAL_VALUE:,}")
    if value > MAX_ORIGINAL_VALUE:
        return reasons.VALUE_TOO_HIGH(value=f"{value:,}", limit=f"{MAX_ORIGINAL_VALUE:,}")
    return None


def run(record: dict) -> list[tuple[str, str]]:
    """Apply every check to `record` in place: failing values become None. → [(common field, message)]."""
    problems = []
    for target, checks in CHECKS.items():
        value = record.get(target)
        if value is None:
            continue
        for fn in checks:
            message = fn(value)
            if message:
                record[target] = None
                problems.append((target, message))
                break
    return problems
