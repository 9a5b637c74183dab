"""GET /api/v1/instruments (search with facets) and GET /api/v1/instruments/{id}."""

from __future__ import annotations

import orjson
from flask import current_app, request

from hub.dedup import store as dedup
from hub.exports.record import RECORD_SELECT, to_record, tombstone
from hub.auth.web import public
from hub.search import SearchParams, SearchParamsSchema, search
from hub.search.labels import category_label, network_names
from hub.store.models import Instrument
from hub.web import store
from hub.web.api import Blueprint, answers
from hub.web.api.schemas import InstrumentOut, SearchOut
from hub.web.errors import Problem
from hub.web.ui import places

blp = Blueprint("instruments", __name__, url_prefix="/api/v1/instruments", description="The national catalogue of instruments")


def with_labels(record: dict, networks: dict) -> dict:
    cat = record.get("category")
    record["labels"] = {
        "network": networks.get(record["network"], record["network"]),
        "category": category_label(cat)[0] if cat else None,
        "category_en": category_label(cat)[1] if cat else None,
        "category_level1": category_label(cat[:2])[0] if cat else None,
    }
    return record


@blp.route("")
@blp.arguments(SearchParamsSchema, location="query", as_kwargs=False)
@blp.response(200, SearchOut)
@blp.alt_response(304, description="Not modified: the catalogue has not changed since the answer whose `ETag` was sent in `If-None-Match`")
@public
def list_instruments(args):
    """Search the catalogue.

    `q` is matched as Chinese bigrams, words and model numbers, with synonyms (电镜, HPLC, 核磁…);
    without `q` every active instrument matching the filters is listed. An instrument that several
    networks list is shown once, as its cluster's representative, unless `all_sources=true`
    (docs/duplicates.md); the total and the facets count what is shown. Facets count the current
    result set; each facet value carries the `filter` parameters that select it.
    """
    params = SearchParams(**args)
    with store().read() as conn:
        tags = answers.tags("instruments", params, answers.catalogue_state(conn), params.network)
        if still := tags.any_of(request.if_none_match):
            return _answered(current_app.response_class(status=304), still)
        tag, body = current_app.extensions["hub_answers"].answer(tags, lambda: _search_answer(conn, params))
    return _answered(current_app.response_class(body, mimetype="application/json"), tag)


def _answered(response, tag: str):
    response.set_etag(tag)
    return response


def _facets_in_english(facets: dict) -> dict:
    """The network facet's `label_en` as `/api/v1/stats` and the English pages name a network (the
    search, below the web layer, has only the networks' Chinese names, and gave them as English too)."""
    if not facets.get("network"):
        return facets
    named = [{**v, "label_en": places.network_label_en(v["value"], v["label"])} if not v.get("unknown") else v for v in facets["network"]]
    return {**facets, "network": named}


def _search_answer(conn, params: SearchParams) -> tuple[bytes, bool]:
    """The answer's bytes, and whether it read every network (hub.web.api.answers)."""
    result = search(conn, params)
    networks = network_names(conn)
    # Sent as bytes: the records are JSON-ready already, and flask-smorest passes a Response through
    # instead of re-serialising 100 records through marshmallow (SearchOut documents it).
    return orjson.dumps(
        {
            "total": result.total,
            "page": result.page,
            "page_size": result.page_size,
            "items": [with_labels(item, networks) for item in result.items],
            "facets": _facets_in_english(result.facets),
            "q": result.q,
            "corrected_from": result.corrected_from,
            "all_sources": result.all_sources,
        }
    ), result.read_lexicon


@blp.route("/<string:instrument_id>")
@blp.no_query()
@blp.response(200, InstrumentOut)
@blp.alt_response(404, description="No such instrument")
@blp.alt_response(410, description="Withdrawn: the problem document carries the record's `tombstone`")
@public
def get_instrument(instrument_id):
    """One instrument: every field of the national record with its provenance."""
    with store().read() as conn:
        row = conn.execute(RECORD_SELECT.where(Instrument.__table__.c.id == instrument_id)).first()
        if row is None:
            raise Problem(404, f"no instrument {instrument_id!r}", "not-found")
        if row._mapping["withdrawn_at"] is not None:
            raise Problem(410, f"instrument {instrument_id!r} was withdrawn from its network", "withdrawn", tombstone=tombstone(row))
        names = network_names(conn)
        record = with_labels(to_record(row), names)
        record["also_listed_in"] = [
            dict(o, network_name=names.get(o["network"], o["network"]), href=f"/api/v1/instruments/{o['id']}")
            for o in dedup.also_listed(conn, instrument_id)
        ]
        return record
