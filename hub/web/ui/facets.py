"""Facets and links of the search page: the URLs that select, deselect and page — plain links, so
the page works without JavaScript.

Pure functions of the current query (a dict of the strings in the URL); the view passes the result
of hub.search to `facet_groups` and `page_links`, and the template only loops.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import urlencode

from hub.search.params import MAX_WINDOW, SearchParams
from hub.paging import page_count
from hub.web.ui.i18n import N_

#: The search parameters the UI passes through to hub.search (everything else in the query string,
#: such as `lang`, is the UI's own): SearchParams' fields, in the order links are written in, so a
#: new search parameter reaches the page's links without being named twice.
SEARCH_PARAMS = tuple(f.name for f in fields(SearchParams))
SORTS = ("relevance", "-value", "value", "-commissioned", "commissioned", "updated")

#: The facets the sidebar shows, in order: hub.search facet name → catalogue key of its heading.
#: Values, labels, counts and the parameters that select each value come from hub.search.
FACETS = (
    ("status", N_("facet.status")),
    ("network", N_("facet.network")),
    ("category1", N_("facet.category")),
    ("category2", N_("facet.category2")),
    ("city", N_("facet.city")),
    ("owner_type", N_("facet.owner_type")),
    ("sharing", N_("facet.sharing")),
    ("certified", N_("facet.certified")),
    ("value_band", N_("facet.value_band")),
)


def search_params(args) -> dict:
    """The parameters of `args` that hub.search understands, non-empty ones only, first value each."""
    return {k: args.get(k) for k in SEARCH_PARAMS if args.get(k) not in (None, "")}


def query_string(params: dict) -> str:
    return urlencode([(k, params[k]) for k in SEARCH_PARAMS if params.get(k) not in (None, "")])


def with_params(current: dict, **changes) -> dict:
    """`current` with `changes` applied (None removes a key); any change but paging goes to page 1."""
    out = dict(current)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    if "page" not in changes:
        out.pop("page", None)
    return out


def is_selected(current: dict, selecting: dict) -> bool:
    """Whether the query already selects this facet value (compared as the strings in the URL)."""
    return bool(selecting) and all(current.get(k) == v for k, v in selecting.items())


#: Values a facet shows before "more" (the rest sit in a closed disclosure: a phone sees the
#: results, not 328 cities).
TOP_VALUES = 5
#: The city facet only once a network (a province) or a city is chosen: all cities of the country
#: in one list help no one.
SHOWN_WHEN = {"city": ("network", "city")}


@dataclass(frozen=True)
class FacetLink:
    value: str
    label: str
    count: int
    href: str | None  # "?…": selects the value, or deselects it when already selected; None: no filter selects it
    selected: bool
    key: str = ""  # the query parameter the value sets
    unknown: bool = False


@dataclass(frozen=True)
class FacetGroup:
    name: str
    heading: str
    links: list

    @property
    def top(self) -> list:
        """The values shown at once: the first TOP_VALUES and any selected one."""
        return [l for i, l in enumerate(self.links) if i < TOP_VALUES or l.selected]

    @property
    def more(self) -> list:
        return [l for i, l in enumerate(self.links) if i >= TOP_VALUES and not l.selected]


#: Facets whose values are Chinese names: their English form (hub.web.ui.places).
ENGLISH_NAMES = {
    "city": lambda places, label, value: places.city_en(label),
    "network": lambda places, label, value: places.network_label_en(value, label),
}


def facet_groups(facets: dict, current: dict, lang: str) -> list[FacetGroup]:
    """The facet sidebar: one group per facet with values, each value a toggle link.

    `facets` is SearchResult.facets: per facet a list of {value, label, label_en, count, filter},
    where `filter` holds the query parameters that select exactly that value — so following the
    link shows exactly the count the facet showed.
    """
    from hub.web.ui import places

    groups = []
    for name, heading in FACETS:
        if name in SHOWN_WHEN and not any(current.get(k) for k in SHOWN_WHEN[name]):
            continue
        links = []
        for entry in facets.get(name) or []:
            selecting = {k: str(v) for k, v in entry["filter"].items()}
            selected = is_selected(current, selecting)
            target = with_params(current, **{k: None for k in selecting}) if selected else with_params(current, **selecting)
            label = entry.get("label_en") if lang == "en" and entry.get("label_en") else entry.get("label")
            if lang == "en" and not entry.get("unknown") and name in ENGLISH_NAMES:
                label = ENGLISH_NAMES[name](places, label, str(entry["value"]))
            href = "?" + query_string(target) if selecting else None
            links.append(
                FacetLink(
                    str(entry["value"]),
                    label or str(entry["value"]),
                    int(entry["count"]),
                    href,
                    selected,
                    next(iter(selecting), ""),
                    bool(entry.get("unknown")),
                )
            )
        if links:
            groups.append(FacetGroup(name, heading, links))
    return groups


def page_links(current: dict, page: int, page_size: int, total: int, window: int = 2) -> dict:
    """Previous / next and a window of page numbers around the current one (with first and last)."""
    pages = page_count(total, page_size) if page_size else 1
    pageable = max(1, MAX_WINDOW // page_size) if page_size else 1
    truncated = pages > pageable
    pages = min(pages, pageable)  # never a link to a page the search would refuse
    # A page past the last (an old or shared link) shows no results: no page is the one shown, and
    # the last one is where "previous" leads.
    beyond = page > pages and total > 0
    page = min(max(page, 1), pages)

    def href(n):
        return "?" + query_string(with_params(current, page=str(n) if n > 1 else None))

    numbers = sorted({1, pages, *range(max(1, page - window), min(pages, page + window) + 1)})
    items, previous = [], 0
    for n in numbers:
        if n - previous > 1:
            items.append({"gap": True})
        items.append({"number": n, "href": href(n), "current": n == page and not beyond})
        previous = n
    return {
        "page": page,
        "pages": pages,
        "prev": href(pages) if beyond else href(page - 1) if page > 1 else None,
        "next": href(page + 1) if page < pages else None,
        "items": items,
        "truncated": truncated,  # more results than can be paged to: the page says how to narrow
        "window": MAX_WINDOW,
    }
