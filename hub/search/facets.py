"""Facets: which groups the current result set falls into, with counts.

One grouped pass over the narrow `search_docs` columns gives counts per combination of facet values
(a few hundred to a few thousand combinations however many instruments match); every facet is then
a roll-up of those combinations in Python. Each facet value carries `filter`, the query parameters
that select exactly it, so a facet click shows exactly the count the facet showed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from sqlalchemy import case, func

from hub.search import labels
from hub.search.tables import docs

#: Original-value bands in yuan: [low, high). 大型科学仪器 start at 50万元 in the national rules.
VALUE_BANDS = (
    (0, 500_000, "50万元以下", "under ¥0.5M"),
    (500_000, 1_000_000, "50–100万元", "¥0.5–1M"),
    (1_000_000, 2_000_000, "100–200万元", "¥1–2M"),
    (2_000_000, 5_000_000, "200–500万元", "¥2–5M"),
    (5_000_000, 10_000_000, "500–1000万元", "¥5–10M"),
    (10_000_000, None, "1000万元以上", "¥10M and over"),
)


def band_key(i: int) -> str:
    lo, hi = VALUE_BANDS[i][:2]
    return f"{lo}-{hi if hi is not None else ''}"


def band_expression():
    """Index into VALUE_BANDS of search_docs.value (NULL when the value is unknown)."""
    whens = [(docs.c.value.is_(None), None)] + [(docs.c.value < hi, i) for i, (_, hi, *_r) in enumerate(VALUE_BANDS) if hi is not None]
    return case(*whens, else_=len(VALUE_BANDS) - 1)


# The grouped columns, in order; `key` names them in the combination tuples.
GROUP_COLUMNS = (
    ("network", lambda: docs.c.network),
    ("city", lambda: docs.c.city_code),
    ("category2", lambda: func.substr(docs.c.category, 1, 4)),
    ("owner_type", lambda: docs.c.owner_type),
    ("sharing", lambda: docs.c.sharing),
    ("certified", lambda: docs.c.certified),
    ("band", band_expression),
)


@dataclass(frozen=True)
class Facet:
    name: str
    key: str  # which grouped column it rolls up
    value: Callable  # grouped value -> facet value (None: not counted)
    label: Callable  # (facet value, context) -> (zh, en)
    filter: Callable  # facet value -> query parameters selecting it
    order: str = "count"  # "count" (most first) or "value"


def _ident(v):
    return v


FACETS = (
    Facet("network", "network", _ident, lambda v, ctx: (ctx["networks"].get(v, v),) * 2, lambda v: {"network": v}),
    Facet("city", "city", _ident, lambda v, ctx: (ctx["cities"].get(v) or v,) * 2, lambda v: {"city": v}),
    Facet("category1", "category2", lambda v: v[:2] if v else None, lambda v, ctx: labels.category_label(v), lambda v: {"category": v}),
    Facet("category2", "category2", lambda v: v if v and len(v) == 4 else None, lambda v, ctx: labels.category_label(v), lambda v: {"category": v}),
    Facet("owner_type", "owner_type", _ident, lambda v, ctx: labels.OWNER_TYPES.get(v, (v, v)), lambda v: {"owner_type": v}),
    Facet("sharing", "sharing", _ident, lambda v, ctx: labels.SHARING.get(v, (v, v)), lambda v: {"sharing": v}, order="value"),
    Facet("certified", "certified", lambda v: None if v is None else ("true" if v else "false"), lambda v, ctx: labels.CERTIFIED[v], lambda v: {"certified": v}, order="value"),
    Facet("value_band", "band", lambda v: None if v is None else band_key(int(v)), lambda v, ctx: _band_label(v), lambda v: _band_filter(v), order="band"),
)


def _band_index(key: str) -> int:
    return next(i for i in range(len(VALUE_BANDS)) if band_key(i) == key)


def _band_label(key: str):
    return VALUE_BANDS[_band_index(key)][2:]


def _band_filter(key: str) -> dict:
    lo, hi = VALUE_BANDS[_band_index(key)][:2]
    out = {"min_value": str(lo)}
    if hi is not None:
        out["max_value"] = str(Decimal(hi) - Decimal("0.01"))  # values have 2 places: ≤ hi-0.01 is < hi
    return out


def roll_up(combos, context: dict) -> dict[str, list[dict]]:
    """Counts per combination → {facet: [{value, label, label_en, count, filter}, …]}."""
    index = {name: i for i, (name, _) in enumerate(GROUP_COLUMNS)}
    out = {}
    for facet in FACETS:
        counts: Counter = Counter()
        col = index[facet.key]
        for combo, n in combos:
            v = facet.value(combo[col])
            if v is not None:
                counts[v] += n
        if facet.order == "count":
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        elif facet.order == "band":
            ordered = sorted(counts.items(), key=lambda kv: _band_index(kv[0]))
        else:
            ordered = sorted(counts.items())
        items = []
        for v, n in ordered:
            zh, en = facet.label(v, context)
            items.append({"value": v, "label": zh, "label_en": en, "count": n, "filter": facet.filter(v)})
        out[facet.name] = items
    return out
