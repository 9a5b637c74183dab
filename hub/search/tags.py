"""Filter values as index tokens ("tags"), so the text index answers query and filters together.

Intersecting a few posting lists inside FTS5 or a GIN index is far cheaper than joining a large
text match with filtered rows, and keeps facet counting to the instruments that really match.
Tags start with `§`, which the analyser never emits (it is punctuation), so no search text can
produce or collide with one. The same table builds a document's tags and a query's filter tags.
"""

from __future__ import annotations

MARK = "§"


def _category(v: str) -> list[str]:
    return [f"{MARK}c{v[:2]}", f"{MARK}c{v[:4]}", f"{MARK}c{v}"] if v and len(v) == 6 else []


#: search_docs column → tags of a document (the column's value → list of tags)
DOCUMENT = {
    "network": lambda v: [f"{MARK}n{v}"],
    "city_code": lambda v: [f"{MARK}y{v}"],
    "category": _category,
    "owner_type": lambda v: [f"{MARK}o{v}"],
    "owner_level": lambda v: [f"{MARK}l{v}"],
    "status": lambda v: [f"{MARK}s{v}"],
    "sharing": lambda v: [f"{MARK}h{v}"],
}

#: search parameter → the tag a document must carry, for the *selective* filters only. A filter
#: most documents pass (owner type, sharing, certified, status, a level-1 category) would make the
#: index read a posting list of most of the catalogue to intersect it; those are row conditions
#: on search_docs instead (hub.search.query.ROW_FILTERS), checked on the few rows that match.
FILTER = {
    "network": lambda v: f"{MARK}n{v}",
    "city": lambda v: f"{MARK}y{v}" if v != "unknown" else None,  # "unknown" is a missing value: a row condition
    "category": lambda v: f"{MARK}c{v}" if len(v) >= 4 and v != "unknown" else None,  # documents carry all three levels
}


def document_tags(columns: dict) -> list[str]:
    out = [t for col, make in DOCUMENT.items() if columns.get(col) for t in make(columns[col])]
    out.append(f"{MARK}x{1 if columns.get('certified') else 0}")
    return out


def filter_tags(filters: dict) -> list[str]:
    tags = (FILTER[k](v) for k, v in filters.items() if k in FILTER and v is not None)
    return [t for t in tags if t]
