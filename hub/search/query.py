"""search(conn, params) → SearchResult: the one search the API, the web UI and exports run.

Scoring is deterministic and computed the same way on both backends (see docs/catalogue.md):
every clause of the query contributes the sum of the weights of the fields that contain one of its
alternatives completely (name 8, model/manufacturer 4, functions/specs/services 2, owner/place 1),
or 1 when its tokens are only spread across fields; a document whose name says exactly the kind
of instrument the query names (hub.search.signals.name_kind) gets KIND_BONUS more. Equal scores
are ordered by the record's usefulness (signals.quality: normal status, sharing, fee, booking,
contact, completeness), then by a hash of the id — never by the id, which put Beijing first.

A query that finds fewer than FEW is tried once more with its one-character slips' corrections
searched beside them (hub.search.lexicon); when that finds more, the result says so
(`corrected_from`), and the page shows "did you mean".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sqlalchemy import Integer, and_, distinct, func, literal, literal_column, or_, select

from hub.dedup.tables import CLUSTERS

from hub.exports.record import fetch_records
from hub.search import counts, in_memory, versions
from hub.search.backends import backend
from hub.search.facets import FACETS, facet_counts
from hub.search.facets import within as facets_within
from hub.search.lexicon import could_be_pinyin, lexicon
from hub.search.pages import ranked_page
from hub.search.params import DEFAULT_PAGE_SIZE, RETIRED, UNKNOWN, SearchParams, load_params
from hub.search.parse import Clause, parse_query
from hub.search.signals import kind_tag, name_kind
from hub.search.synonyms import default_synonyms
from hub.search.tables import FIELDS, SCATTERED, docs
from hub.search.tags import FILTER as TAG_FILTER
from hub.search.tags import filter_tags


@dataclass
class SearchResult:
    total: int
    page: int
    page_size: int
    # national records (hub.exports.record), each with "score" and "also_listed_networks" (how many other
    # networks list the same instrument)
    items: list[dict] = field(default_factory=list)
    # Every facet, empty when nothing matched: a q with nothing searchable in it (q=*) answered {}
    # where any other search that found nothing answered the nine keys.
    facets: dict[str, list[dict]] = field(default_factory=lambda: {facet.name: [] for facet in FACETS})
    all_sources: bool = False  # every network's record shown, not one per instrument
    clauses: list[Clause] = field(default_factory=list)  # how q was understood (tokens, synonyms)
    corrected_from: str | None = None  # q as typed, when it found nothing and its correction is shown
    q: str | None = None  # the query the items answer (the correction, when there was one)
    # The lexicon of every network's names was read (q spelt in pinyin, or checked for a slip): the
    # answer then depends on more than the documents its filters select.
    read_lexicon: bool = False


def _prefix_range(column, prefix: str):
    if len(prefix) == 6:
        return column == prefix
    upper = str(int(prefix) + 1).zfill(len(prefix))  # "01" → "02": the codes between share the prefix
    return and_(column >= prefix, column < upper)


#: Every filter as a row condition on search_docs. With a query, the selective filters are tags
#: matched inside the text index instead (tags.FILTER); the rest stay row conditions, checked on
#: the few rows the text index returns. Without a query, search_docs' b-tree indexes serve them.
def _equals(column):
    """`column = v`, or `column IS NULL` for the "unknown" bucket of a facet."""
    return lambda v: column.is_(None) if v == UNKNOWN else column == v


def _category(column):
    return lambda v: column.is_(None) if v == UNKNOWN else _prefix_range(column, v)


ROW_FILTERS = {
    "network": _equals(docs.c.network),
    "city": _equals(docs.c.city_code),
    "category": _category(docs.c.category),
    "owner_type": _equals(docs.c.owner_type),
    "owner_level": _equals(docs.c.owner_level),
    "status": _equals(docs.c.status),
    "sharing": _equals(docs.c.sharing),
    "certified": lambda v: docs.c.certified.is_(True) if v else or_(docs.c.certified.is_(False), docs.c.certified.is_(None)),
    "min_value": lambda v: docs.c.value >= v,
    "max_value": lambda v: docs.c.value <= v,
}
#: The same conditions written so that no index can serve them (`x || ''`, `x + 0`): with a
#: query, the text index must drive and these be checked on the few rows it returns. Otherwise a
#: planner may prefer scanning "category 01…" or "value ≥ 500000" — most of the catalogue — and
#: probing each row against the text match.
UNINDEXED = {
    "category": _category(docs.c.category.concat("")),
    "min_value": lambda v: (docs.c.value + 0) >= v,
    "max_value": lambda v: (docs.c.value + 0) <= v,
}


def _nulls_last(column, descending=False):
    return [column.is_(None), column.desc() if descending else column.asc()]


SORTS = {
    "value": lambda: _nulls_last(docs.c.value),
    "-value": lambda: _nulls_last(docs.c.value, True),
    "commissioned": lambda: _nulls_last(docs.c.commissioned),
    "-commissioned": lambda: _nulls_last(docs.c.commissioned, True),
    "updated": lambda: _nulls_last(docs.c.updated, True),
}


KIND_BONUS = 10


def query_kinds(clauses) -> list[str]:
    """The instrument kinds the query names: the whole query, and with any one word replaced by one
    of its variants (synonym, word form, pinyin reading)."""
    words = [c.word for c in clauses]
    kinds = []
    for i, clause in enumerate(clauses):
        for variant in clause.variants or (clause.word,):
            kinds.append(name_kind(" ".join(words[:i] + [variant] + words[i + 1 :])))
    return sorted({k for k in kinds if k})


def score_probes(clauses) -> list[tuple[str, Clause]]:
    """The (field, clause) questions a document's score is made of: whether its tags name a kind the
    query names (when it names one), then each clause in each of FIELDS, in that order."""
    kinds = query_kinds(clauses)
    probes = [("tags", Clause("", tuple((kind_tag(k),) for k in kinds)))] if kinds else []
    return probes + [(name, clause.in_text) for clause in clauses for name, _, _ in FIELDS]


def score_expression(text, clauses, many: bool = False):
    """The relevance score as one SQL expression (see the module docstring). `many`: scoring many
    candidates (MANY), which the text index may answer differently (hub.search.backends)."""
    hits = [text.field_match_sql(clause, name, many) for name, clause in score_probes(clauses)]
    parts = [f"CASE WHEN {hits.pop(0)} THEN {KIND_BONUS} ELSE 0 END"] if query_kinds(clauses) else []
    for at in range(0, len(hits), len(FIELDS)):
        parts.append(_clause_score([(hit, weight) for hit, (_, _, weight) in zip(hits[at : at + len(FIELDS)], FIELDS)]))
    return literal_column("(" + " + ".join(parts) + ")", Integer)


def scores_of_hits(bits: np.ndarray, clauses) -> np.ndarray:
    """score_expression's score of each document, from its bits of score_probes (bit i: probe i)."""
    scores = np.zeros(len(bits), dtype=np.int64)
    bit = 0
    if query_kinds(clauses):
        scores += KIND_BONUS * (bits & 1)
        bit = 1
    for _clause in clauses:
        found, anywhere = np.zeros(len(bits), dtype=np.int64), np.zeros(len(bits), dtype=bool)
        for _, _, weight in FIELDS:
            hit = (bits >> bit) & 1
            found += weight * hit
            anywhere |= hit.astype(bool)
            bit += 1
        scores += np.where(anywhere, found, SCATTERED)
    return scores


def _clause_score(hits: list[tuple[str, int]]) -> str:
    """One clause's score: the weights of the fields it is found in, or SCATTERED in none. Written
    so that each field is tested once per document (the first field found decides the branch; the
    later ones are added inside it): testing them once for the weights and again for "in none"
    made the score twice as costly, and it is computed for every match of a broad query."""

    def weight(hit, w):
        return f"CASE WHEN {hit} THEN {w} ELSE 0 END"

    branches = [f"WHEN {hit} THEN {' + '.join([str(w), *(weight(h, v) for h, v in hits[i + 1 :])])}" for i, (hit, w) in enumerate(hits)]
    return f"CASE {' '.join(branches)} ELSE {SCATTERED} END"


#: Without a query, a page of at least this many matches in the default order is read along the rank
#: index (tables.ix_search_docs_rank), its filters checked row by row: at most 1 row in
#: catalogue/BROAD is skipped per row shown. Left indexed, "category 01" or a value band (hundreds of
#: thousands of rows) made planners fetch every match through the filter's index and sort them all.
BROAD = 50_000
#: A query's page of at least this many matches is scored as many (score_expression): on SQLite, at a
#: million, the index's sets cost ~0.1 s whatever the matches, the stored text ~15 µs a match.
MANY = 20_000
ALONG_RANK = {**UNINDEXED, "city": lambda v: docs.c.city_code.is_(None) if v == UNKNOWN else docs.c.city_code.concat("") == v}


def conditions(text, p: SearchParams, clauses, broad: bool = False) -> list:
    """WHERE conditions on search_docs: with a query, one text-index match for the clauses and
    the selective filters (as tags), plus row conditions for the others. `broad`: the same rows,
    written for a page read along the rank index (BROAD)."""
    filters = p.filters()
    as_tags = {k: v for k, v in filters.items() if clauses and k in TAG_FILTER and TAG_FILTER[k](v)}
    forms = UNINDEXED if clauses else ALONG_RANK if broad else ROW_FILTERS
    where = [forms.get(k, ROW_FILTERS[k])(v) for k, v in filters.items() if k not in as_tags]
    if p.include_retired is False and p.status is None:
        where.append(or_(docs.c.status.is_(None), docs.c.status.notin_(RETIRED)))
    if not p.all_sources:
        # One result per instrument. `IS NOT false` is a row check no index serves: nearly every row
        # passes, so the text match, or the filters' indexes, must choose the rows.
        where.append(docs.c.cluster_primary.is_not(False))
    if clauses:
        where.append(text.matches(clauses, filter_tags(as_tags)))
    return where


def ordering(text, p: SearchParams, clauses, many: bool = False):
    """(score column, ORDER BY list): relevance when there is a query, else the asked sort; then the
    record's usefulness and the id's hash, and the id last only so that every order is total and
    the same on both backends. `many`: see score_expression."""
    signals = [docs.c.quality.desc(), docs.c.tiebreak, docs.c.instrument_id]
    if p.sort == "relevance" and clauses:
        score = score_expression(text, clauses, many).label("score")
        return score, [score.desc(), *signals]
    return literal(0).label("score"), [*(SORTS[p.sort]() if p.sort in SORTS else []), *signals]


def plan(conn, params: SearchParams):
    """(clauses, where, score, order) for a search, or None when q holds nothing searchable. A q
    that `search` answers with its correction (`corrected_from`) is planned corrected too, so that
    an export holds what the page and the API listed."""
    clauses = parse_query(params.q, default_synonyms(), _pinyin(conn, params.q), correction(conn, params))
    if params.q and not clauses:
        return None
    text = backend(conn)
    score, order = ordering(text, params, clauses)
    return clauses, conditions(text, params, clauses), score, order


def search(conn, params: SearchParams | dict, synonyms=None) -> SearchResult:
    """Run a catalogue search. `params` is a SearchParams, or request arguments / a dict of its
    fields, which are validated first (marshmallow.ValidationError names any bad one)."""
    p = params if isinstance(params, SearchParams) else load_params(params)
    result = _search(conn, p, synonyms)
    result.read_lexicon = _could_be_pinyin(p.q)
    if result.total < FEW and p.q:
        # Few or no results: a one-character slip? The corrected spelling is searched beside the
        # typed one (a record that really says 气相色普仪 is still found).
        result.read_lexicon = True
        fixes = lexicon(conn).corrections(p.q)
        if fixes:
            again = _search(conn, p, synonyms, fixes)
            if again.total > result.total:
                again.corrected_from, again.q = p.q, " ".join(fixes.get(w, w) for w in p.q.split())
                again.read_lexicon = True
                return again
    return result


#: Below this many results a query is checked for a one-character slip.
FEW = 10


def correction(conn, p: SearchParams) -> dict[str, str] | None:
    """The respelling `search` answers `p` with, or None: the same decision (fewer than FEW found
    as typed, and more found corrected), made by counting rather than by searching."""
    if not p.q:
        return None
    typed = count_upto(conn, p, FEW)
    if typed >= FEW:
        return None
    fixes = lexicon(conn).corrections(p.q)
    if not fixes or count_upto(conn, p, typed + 1, fixes) <= typed:
        return None
    return fixes


def count_upto(conn, p: SearchParams, cap: int, respell=None) -> int:
    """How many instruments `p` (its q and filters, its words respelled by `respell`) finds, counted
    up to `cap`: no ranking, no facets, and a cost that does not grow with the catalogue (the text
    index stops at `cap` matches). For hints about other searches; a page's own total is `search`'s."""
    clauses = _clauses(conn, p, respell=respell)
    if p.q and not clauses:
        return 0
    first = select(literal(1)).select_from(docs).where(*conditions(backend(conn), p, clauses)).limit(cap).subquery()
    return conn.execute(select(func.count()).select_from(first)).scalar_one()


def _clauses(conn, p: SearchParams, synonyms=None, respell=None):
    """`p.q` as the text index is asked it (synonyms, pinyin, a respelling); none for no words."""
    return parse_query(p.q, synonyms or default_synonyms(), _pinyin(conn, p.q), respell)


def _pinyin(conn, q):
    """The lexicon's pinyin reader, when a word of q could be pinyin (building the lexicon costs)."""
    return lexicon(conn).from_pinyin if _could_be_pinyin(q) else None


def _could_be_pinyin(q) -> bool:
    return bool(q) and could_be_pinyin(q.split())


def _search(conn, p: SearchParams, synonyms=None, respell=None) -> SearchResult:
    clauses = _clauses(conn, p, synonyms, respell)
    result = SearchResult(total=0, page=p.page, page_size=p.page_size, clauses=clauses, q=p.q, all_sources=bool(p.all_sources))
    if p.q and not clauses:
        return result  # nothing searchable in q (punctuation only): nothing matches

    text = backend(conn)
    where = conditions(text, p, clauses)

    # Total and facets: one statement, the matching rows' narrow columns read once.
    # Without a query and with at most one filter, from the counts the writers keep (hub.search.counts).
    # Cache keys: what `where` and the order are made from (compiling them to SQL for a key cost more
    # than a cached answer's look-up); q is fully in its clauses, paging only in the page's key.
    asked = (replace(p, q=None, sort="relevance", page=1, page_size=DEFAULT_PAGE_SIZE), *clauses)
    state = versions.current(conn)  # read once: the key of the facets and of the page
    scope = counts.scope_of(p) if not clauses else None
    # A network changed since the question was counted is counted again through its own index entries.
    narrowed = (lambda network: conditions(text, replace(p, network=network), clauses)) if p.network is None else None
    # A nation-wide question counted or ranked whole: from the columns held in memory, when they are.
    held = None
    if clauses and p.network is None and p.city is None:
        held = in_memory.answer(conn, p, clauses, score_probes(clauses), lambda bits: scores_of_hits(bits, clauses), state)
    whole, by_network = (held.facet_rows, held.facet_rows_by_network) if held is not None else (None, None)
    result.total, result.facets = facet_counts(conn, where, scope, asked, state, narrowed, whole, by_network)
    result.facets = facets_within(result.facets, p)
    if result.total == 0 or p.offset >= result.total:
        return result

    # Ranking every match of a broad query is the costly part; the page is kept like the facets.
    ranked, ranked_by_network = (held.page, held.pages_by_network) if held is not None else (None, None)
    page = ranked_page(conn, p, clauses, lambda asked: page_select(text, asked, clauses, result.total), state, ranked, ranked_by_network)
    scores = {i: s for i, s in page}
    others = other_networks(conn, list(scores))
    result.items = [
        {**rec, "score": scores[rec["id"]], "also_listed_networks": others.get(rec["id"], 0)} for rec in fetch_records(conn, list(scores))
    ]
    return result


def page_select(text, p: SearchParams, clauses, total: int):
    """The select of page `p` (instrument_id, score), in its order. `total`: how many match (a page of
    at least BROAD matches with no query is read along the rank index; with a query, one of at least
    MANY is scored as many)."""
    # A network's or a city's share of a question (pages by network rank one network at a time) is
    # never scored as many, whatever the question's total.
    many = bool(clauses) and p.network is None and p.city is None and total >= MANY
    score, order = ordering(text, p, clauses, many)
    broad = not clauses and p.sort == "relevance" and total >= BROAD
    return (
        select(docs.c.instrument_id, score)
        .select_from(text.scored_from(many) if clauses else docs)
        .where(*conditions(text, p, clauses, broad=broad))
        .order_by(*order)
        .limit(p.page_size)
        .offset(p.offset)
    )


def other_networks(conn, ids: list[str]) -> dict[str, int]:
    """For each of `ids` in a cluster, how many other networks list the same instrument (one statement
    for a page: read when shown, so never stale in a cached page)."""
    if not ids:
        return {}
    mine = select(CLUSTERS.c.instrument_id, CLUSTERS.c.cluster_id, CLUSTERS.c.network).where(CLUSTERS.c.instrument_id.in_(ids)).subquery()
    q = (
        select(mine.c.instrument_id, func.count(distinct(CLUSTERS.c.network)))
        .select_from(mine.join(CLUSTERS, and_(CLUSTERS.c.cluster_id == mine.c.cluster_id, CLUSTERS.c.network != mine.c.network)))
        .group_by(mine.c.instrument_id)
    )
    return dict(conn.execute(q).all())
