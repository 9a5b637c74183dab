"""Keeping the search index in step with `instruments`, in the writer's own transaction.

`index_instruments(conn, ids)` is registered as a store hook: whoever creates, updates or withdraws
instruments (harvest, push, remap, tests' factories) calls `hooks.instruments_changed(conn, ids)` and
the index follows in the same transaction. A withdrawn or missing instrument leaves the index.
The writer has the documents of the rows it is about to write built before it takes the write lock
(the hook's `prepare`), so the transaction only writes them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import and_, delete, select, update

from hub import stopping
from hub.dedup.tables import CLUSTERS
from hub.search import counts, postings, signals, stale_counts, versions
from hub.search.backends import backend
from hub.search.model_numbers import capitalised_model_parts, model_parts
from hub.search.tables import docs
from hub.search.tags import document_tags
from hub.search.tokenize import index_tokens
from hub.store.chunks import among
from hub.store.hooks import after_upgrade, on_instruments_changed, on_records_shown_changed
from hub.store.models import Instrument, OwnerUnit

CHUNK = 500

_I = Instrument.__table__
_O = OwnerUnit.__table__

_SOURCE = select(
    _I.c.id,
    _I.c.network,
    _I.c.name,
    _I.c.name_en,
    _I.c.category,
    _I.c.model,
    _I.c.manufacturer,
    _I.c.original_value,
    _I.c.commissioned,
    _I.c.province_name,
    _I.c.city_code,
    _I.c.city_name,
    _I.c.county_code,
    _I.c.county_name,
    _I.c.address,
    _I.c.specs,
    _I.c.functions,
    _I.c.services,
    _I.c.status,
    _I.c.sharing,
    _I.c.certified,
    _I.c.source_updated,
    _I.c.withdrawn_at,
    _I.c.fee_text,
    _I.c.fee_amount,
    _I.c.booking_url,
    _I.c.contact_phone,
    _I.c.contact_email,
    _O.c.name.label("owner_name"),
    _O.c.type.label("owner_type"),
    _O.c.level.label("owner_level"),
).select_from(_I.outerjoin(_O, _I.c.owner_id == _O.c.id))

#: Which instrument columns feed which text field (see tables.FIELDS for their weights).
FIELD_SOURCES = {
    "name": ("name", "name_en"),
    "brand": ("model", "manufacturer"),
    "body": ("functions", "specs", "services"),
    "place": ("owner_name", "province_name", "city_name", "county_name", "address"),
}


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; the store writes UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Division-table parents that name no place (GB/T 2260's grouping rows): "林区" alone is not a city.
GROUPING_NAMES = ("林区", "市辖区", "县", "郊区", "矿区", "省直辖县级行政区划", "自治区直辖县级行政区划")


def place_name(city: str | None, county: str | None) -> str | None:
    """The city's name for facets, or its county's where the city row is only a grouping."""
    return county if city in GROUPING_NAMES and county else city


def directly_under_province(county_code: str | None) -> bool:
    """Whether GB/T 2260 numbers a county-level division as one its province governs itself, under a
    grouping row rather than a city (xx90xx: 仙桃市 429004, 琼海市 469002). Such a place is the city
    of the city facet: with no city of their own, Hainan's 121 and Hubei's 78 were filed as 未知
    beside 海口市 and 神农架林区 (the public's probe)."""
    return bool(county_code) and len(county_code) == 6 and county_code[2:4] == "90"


#: What a text field also holds, made from its own tokens and its columns as written: the model
#: field, each model's number and letters apart (`e2695` → `§m2695`) and the parts its capitals mark
#: (`QExactive` → `§mexactive`), which no prefix query reaches (hub.search.model_numbers).
FIELD_EXTRAS = {"brand": model_parts}


def text_tokens(m) -> dict[str, list[str]]:
    """Tokens per text field of an instrument (a mapping with `_SOURCE`'s text columns). Pure."""
    out = {}
    for f, cols in FIELD_SOURCES.items():
        tokens: list[str] = []
        for col in cols:
            tokens += index_tokens(m[col])  # extended in C, not token by token
        if f in FIELD_EXTRAS:
            tokens += FIELD_EXTRAS[f](tokens, [m[col] for col in cols])
        out[f] = tokens
    return out


class _Prepared(NamedTuple):
    row: dict
    owner: dict | None
    described: tuple  # the owner's (type, level) the document was built with
    tokens: dict
    document: tuple  # (search_docs columns, the backend's encoding of the text fields)


def _owner_filters(owner: dict | None) -> tuple:
    return (owner or {}).get("type"), (owner or {}).get("level")


def _written(row: dict, owner: dict | None) -> dict:
    """An `instruments` row as the writer writes it, with the `_SOURCE` owner columns."""
    owner = owner or {}
    return {**row, "owner_name": owner.get("name"), "owner_type": owner.get("type"), "owner_level": owner.get("level")}


def _encoded(text, m, tokens: dict | None = None) -> tuple:
    columns, fields = document(m, tokens)
    return columns, text.encode(fields)


def _prepare_rows(rows, dialect: str) -> dict[str, _Prepared]:
    """Hook preparation, before the write lock: each `(row, owner)` about to be written with its
    whole document, so that the transaction only writes it."""
    text = backend(dialect)
    out = {}
    for row, owner in rows:
        m = _written(row, owner)
        tokens = text_tokens(m)
        out[row["id"]] = _Prepared(row, owner, _owner_filters(owner), tokens, _encoded(text, m, tokens))
    return out


def _settled(text, p: _Prepared) -> tuple:
    """The prepared document, unless the writer settled the owner to other values than the record
    described: an owner unit keeps a type or level a record leaves out, and both are filters."""
    if _owner_filters(p.owner) == p.described:
        return p.document
    return _encoded(text, _written(p.row, p.owner), p.tokens)


def document(m, tokens: dict | None = None) -> tuple[dict, dict[str, list[str]]]:
    """One instrument (a mapping with `_SOURCE`'s columns) → (search_docs columns, tokens per text
    field); `tokens` when already computed from the same text. Pure."""
    city_code, city_name = m["city_code"], place_name(m["city_name"], m["county_name"])
    if city_code is None and directly_under_province(m["county_code"]):
        city_code, city_name = m["county_code"], m["county_name"]
    columns = {
        "instrument_id": m["id"],
        "network": m["network"],
        "city_code": city_code,
        "city_name": city_name,
        "category": m["category"],
        "owner_type": m["owner_type"],
        "owner_level": m["owner_level"],
        "status": m["status"],
        "sharing": m["sharing"],
        "certified": bool(m["certified"]),
        "value": m["original_value"],
        "commissioned": m["commissioned"],
        "updated": iso_utc(m["source_updated"]),
        "quality": signals.quality(m),
        "tiebreak": signals.tiebreak(m["id"]),
    }
    fields = dict(tokens) if tokens is not None else text_tokens(m)
    fields["tags"] = document_tags(columns) + signals.name_kind_tags(m)
    return columns, fields


def index_instruments(conn, ids, prepared: dict | None = None) -> None:
    """(Re)index these instruments: active ones are written, withdrawn or missing ones removed.
    `prepared`: documents of rows the writer just wrote active (`_prepare_rows`); the other ids
    are read from the store."""
    ids = list(dict.fromkeys(ids))
    prepared = prepared or {}
    text = backend(conn)
    delta: Counter = Counter()
    # A harvest counts its own network again at its end (hub.search.stale_counts): not counted here.
    deferred = stale_counts.deferred_network()
    if deferred is not None and any(versions.network_of(i) == deferred for i in ids):
        stale_counts.mark_deferred(conn)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        counted = [i for i in chunk if versions.network_of(i) != deferred] if deferred else chunk
        before = counts.old_rows(conn, counted) if counted else {}
        text.remove(conn, chunk)
        conn.execute(delete(docs).where(among(docs.c.instrument_id, chunk)))
        documents = [_settled(text, prepared[i]) for i in chunk if i in prepared]
        unread = [i for i in chunk if i not in prepared]
        if unread:
            rows = conn.execute(_SOURCE.where(_I.c.id.in_(unread), _I.c.withdrawn_at.is_(None))).all()
            documents += [_encoded(text, r._mapping) for r in rows]
        if documents:
            text.insert(conn, documents)
            _hide_represented(conn, chunk)
        if counted:  # read back as written: the cluster flag is settled after the insert
            counts.add_change(delta, before, list(counts.old_rows(conn, counted).values()))
    counts.apply_delta(conn, delta)
    versions.bump(conn, ids)


def _hide_represented(conn, ids) -> None:
    """A rewritten document keeps its cluster's choice (hub.dedup.store keeps the flag when clusters
    change; a document written anew starts shown): hidden when another record represents its cluster."""
    hidden = select(CLUSTERS.c.instrument_id).where(among(CLUSTERS.c.instrument_id, ids), CLUSTERS.c.representative.is_(False))
    hidden_ids = conn.execute(hidden).scalars().all()
    if hidden_ids:
        conn.execute(update(docs).where(among(docs.c.instrument_id, hidden_ids)).values(cluster_primary=False))


def index_all(conn, chunk: int = 2000) -> int:
    """Rebuild the whole index inside `conn`'s transaction; returns the number of active instruments indexed."""
    text = backend(conn)
    text.clear(conn)
    conn.execute(delete(docs))
    done, last = 0, None
    while True:
        q = select(_I.c.id).where(_I.c.withdrawn_at.is_(None)).order_by(_I.c.id).limit(chunk)
        if last is not None:
            q = q.where(_I.c.id > last)
        batch = conn.execute(q).scalars().all()
        if not batch:
            text.optimize(conn)
            counts.rebuild(conn)
            # Every document is new, under a new docid: a web process that keeps answers, or columns
            # by docid (hub.search.columns), at the versions it read must read them again. The lists
            # are then written at the new versions.
            versions.bump_networks(conn, {*postings.networks_with_documents(conn), *(n for n, _ in versions.current(conn))})
            postings.build_all(conn)
            return done
        rows = conn.execute(_SOURCE.where(among(_I.c.id, batch))).all()
        text.insert(conn, [_encoded(text, r._mapping) for r in rows])
        _hide_represented(conn, batch)
        done += len(rows)
        last = batch[-1]


def index_extras(conn, chunk: int = 2000, needs=None) -> int:
    """Write again, in `conn`'s transaction, the documents of active instruments to which FIELD_EXTRAS
    add tokens (after migration 0021: each model's parts) — or those `needs(columns)` names (after
    0023: the parts a model's capitals mark) —, then every network's posting lists; returns how many.
    A third of the documents or so, each written as any writer writes it: unlike `index_all`
    the text index stays in place (which drops PostgreSQL's GIN index, so every search waits for the
    transaction), and searches answer from the documents as they were until the upgrade commits."""
    sources = [col for f in FIELD_EXTRAS for col in FIELD_SOURCES[f]]
    done, last = 0, None
    while True:
        q = select(_I.c.id, *(_I.c[col] for col in sources)).where(_I.c.withdrawn_at.is_(None)).order_by(_I.c.id).limit(chunk)
        rows = conn.execute(q if last is None else q.where(_I.c.id > last)).all()
        if not rows:
            postings.build_all(conn)  # at the versions the rewrites bumped
            return done
        ids = [r.id for r in rows if (needs or _extended)(r._mapping)]
        if ids:
            index_instruments(conn, ids)
        done, last = done + len(ids), rows[-1].id


def index_cities_under_provinces(conn, chunk: int = 2000) -> int:
    """Write again, in `conn`'s transaction, the documents of active instruments with no city whose
    county its province governs itself (after migration 0024: such a county is the facet's city);
    returns how many. Read by their columns, not the whole catalogue. The posting lists follow
    (`_fill_new_index`)."""
    done, last = 0, None
    under = and_(_I.c.city_code.is_(None), _I.c.county_code.like("__90__"), _I.c.withdrawn_at.is_(None))
    while True:
        q = select(_I.c.id).where(under).order_by(_I.c.id).limit(chunk)
        ids = conn.execute(q if last is None else q.where(_I.c.id > last)).scalars().all()
        if not ids:
            return done
        index_instruments(conn, ids)
        done, last = done + len(ids), ids[-1]


def _extended(m) -> bool:
    """Whether FIELD_EXTRAS add any token to this instrument's fields (a mapping of their columns)."""
    return any(
        extra([t for col in FIELD_SOURCES[f] for t in index_tokens(m[col])], [m[col] for col in FIELD_SOURCES[f]])
        for f, extra in FIELD_EXTRAS.items()
    )


def _capitalised(m) -> bool:
    """Whether an instrument's model field holds a word its capitals divide (migration 0023)."""
    return any(m[col] and capitalised_model_parts(m[col]) for col in FIELD_SOURCES["brand"])


def reindex_all(store, *, batch: int = 2000, resume_after: str | None = None, progress=None) -> int:
    """Rebuild the index of a store (`hub reindex`) in batches, each its own write transaction.

    One transaction over a million instruments would hold SQLite's write lock (and every harvest
    behind it) for minutes and lose everything to an interruption. Here each batch of active
    instruments, in id order, replaces its own documents (after a first pass that drops text rows
    without a document and counts the kept facet counts again from the documents), so searches keep answering from the old
    documents until theirs are rewritten, and a run stopped after id X is resumed with
    `resume_after=X`. A last pass removes documents of instruments that are gone or withdrawn.
    `progress(last_id, indexed)` is called after every batch. Returns the instruments indexed.
    """
    done, last = 0, resume_after
    with store.write() as conn:
        backend(conn).prune(conn)
        # Counted again from the documents as they are: a repair follows writes that bypassed the
        # hooks (raw SQL on search_docs), and each batch below then changes the counts by its own delta.
        counts.rebuild(conn)
    while True:
        stopping.check()  # a stop a signal asked for, if its exception was lost (hub.stopping)
        with store.read() as conn:
            q = select(_I.c.id).where(_I.c.withdrawn_at.is_(None)).order_by(_I.c.id).limit(batch)
            ids = conn.execute(q if last is None else q.where(_I.c.id > last)).scalars().all()
        if not ids:
            break
        with store.write() as conn:
            index_instruments(conn, ids)
        done, last = done + len(ids), ids[-1]
        if progress:
            progress(last, done)
    _sweep_orphans(store, batch)
    with store.write() as conn:
        backend(conn).optimize(conn)
    stale_counts.heal(store)  # counts a dead harvest left stale, counted again
    postings.refresh(store)
    return done


def _sweep_orphans(store, batch: int) -> None:
    """Remove documents whose instrument is withdrawn or gone, a batch of documents at a time."""
    last = None
    while True:
        with store.read() as conn:
            q = select(docs.c.instrument_id).order_by(docs.c.instrument_id).limit(batch)
            listed = conn.execute(q if last is None else q.where(docs.c.instrument_id > last)).scalars().all()
            if not listed:
                return
            active = set(conn.execute(select(_I.c.id).where(_I.c.id.in_(listed), _I.c.withdrawn_at.is_(None))).scalars())
        orphans = [i for i in listed if i not in active]
        if orphans:
            with store.write() as conn:
                index_instruments(conn, orphans)  # withdrawn or missing: their documents leave the index
        last = listed[-1]


@on_instruments_changed(prepare=_prepare_rows)
def _keep_index_current(conn, ids, prepared):
    index_instruments(conn, ids, prepared)


@on_records_shown_changed
def _answers_outdated(conn, networks):
    versions.bump_networks(conn, networks, documents=False)  # answers cached on the versions show records too


#: Migrations after which the index is rebuilt: 0002 creates the (empty) index tables, 0006 adds the
#: ranking signals (quality, tiebreak) that only the indexer can compute.
_INDEX_REBUILT_AFTER = {"0002", "0006"}
#: Migrations after which the documents FIELD_EXTRAS add tokens to are written again, each with which
#: of them: 0021 marks that the model field holds each model's parts (hub.search.model_numbers), which
#: documents written before lack; 0023 the parts a model's capitals mark (`QExactive` → exactive).
_EXTRAS_INDEXED_AFTER = {"0021": _extended, "0023": _capitalised}
#: Migrations after which the documents of a county its province governs itself are written again
#: with it as their city (`directly_under_province`): 0024.
_CITIES_INDEXED_AFTER = {"0024"}
#: Migrations after which the kept facet counts are counted again from the index: 0014 creates them.
_COUNTS_REBUILT_AFTER = {"0014"}
#: Migrations after which PostgreSQL's posting lists are written: 0019 creates them.
_POSTINGS_BUILT_AFTER = {"0019"}


@after_upgrade
def _fill_new_index(conn, applied):
    # Instruments stored before the index (or its columns) existed are indexed with the analyser this code ships.
    if _INDEX_REBUILT_AFTER & set(applied):
        index_all(conn)  # counts them too
    else:
        if _COUNTS_REBUILT_AFTER & set(applied):
            counts.rebuild(conn)
        cities = index_cities_under_provinces(conn) if _CITIES_INDEXED_AFTER & set(applied) else 0
        # in the table's order, the widest first: 0021's test names every document 0023's does
        if needs := next((test for m, test in _EXTRAS_INDEXED_AFTER.items() if m in applied), None):
            index_extras(conn, needs=needs)  # writes the lists too
        elif cities or _POSTINGS_BUILT_AFTER & set(applied):
            postings.build_all(conn)
