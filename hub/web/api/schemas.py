"""Response schemas of the API (they document the records hub.exports.record builds)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hub.search.params import SearchParamsSchema

_S = fields.String
_T = lambda **kw: fields.String(allow_none=True, metadata={"format": "date-time"}, **kw)  # noqa: E731


class _Out(Schema):
    pass


class OwnerOut(_Out):
    name, credit_code, type, level = _S(), _S(allow_none=True), _S(allow_none=True), _S(allow_none=True)


class RegionOut(_Out):
    province, province_name, city, city_name, county, county_name = (_S(allow_none=True) for _ in range(6))


class FeeOut(_Out):
    text = _S(allow_none=True)
    amount = _S(allow_none=True, metadata={"description": "yuan, decimal string"})
    unit = _S(allow_none=True)


class ForeignValueOut(_Out):
    amount = _S(metadata={"description": "decimal string, in `currency`; never converted to yuan"})
    currency = _S(metadata={"description": "ISO 4217 code (never CNY)"})


class ContactOut(_Out):
    name, phone, email = _S(allow_none=True), _S(allow_none=True), _S(allow_none=True)


class ProvenanceOut(_Out):
    network = _S()
    job_id = fields.Integer(allow_none=True, metadata={"description": "harvest job that last changed the record"})
    batch_id = _S(allow_none=True, metadata={"description": "pushed batch that last changed the record"})
    source_updated, first_seen, last_seen, withdrawn_at = _T(), _T(), _T(), _T()
    withdrawn_reason = _S(allow_none=True)


class InstrumentOut(_Out):
    """A national record: the common schema (hub/schema.py) with its id and provenance."""

    id = _S(metadata={"description": "<network>:<source_id>"})
    network, source_id, name = _S(), _S(), _S()
    name_en, category, model, manufacturer, country = (_S(allow_none=True) for _ in range(5))
    original_value = _S(allow_none=True, metadata={"description": "yuan, decimal string"})
    value_foreign = fields.Nested(
        ForeignValueOut, allow_none=True, metadata={"description": "a value stated in another currency, kept as stated"}
    )
    commissioned = _S(allow_none=True, metadata={"description": "ISO date keeping its precision: YYYY, YYYY-MM or YYYY-MM-DD"})
    owner = fields.Nested(OwnerOut, allow_none=True)
    region = fields.Nested(RegionOut, allow_none=True)
    address, specs, functions, services = (_S(allow_none=True) for _ in range(4))
    postcode = _S(allow_none=True)
    acquisition = _S(allow_none=True, metadata={"description": "how the unit came by it: purchased, developed, donated or other"})
    customs_supervised = fields.Boolean(allow_none=True, metadata={"description": "under customs supervision (national reporting model)"})
    achievements = _S(allow_none=True, metadata={"description": "typical achievements the instrument supported"})
    sharing_rules = _S(allow_none=True, metadata={"description": "the unit's rules for sharing it"})
    fee = fields.Nested(FeeOut, allow_none=True)
    booking_url = _S(allow_none=True)
    contact = fields.Nested(ContactOut, allow_none=True)
    status, sharing = _S(allow_none=True), _S(allow_none=True)
    certifications = fields.List(_S())
    subjects = fields.List(_S())
    source_updated = _T()
    provenance = fields.Nested(ProvenanceOut)
    labels = fields.Dict(metadata={"description": "names of the codes: network, category, category_level1"})
    cluster_id = _S(
        metadata={
            "description": "the national record this one is counted under: the smallest id of the records "
            "that describe the same physical instrument (docs/duplicates.md); its own id when alone"
        }
    )
    also_listed_in = fields.List(
        fields.Nested(lambda: AlsoListedOut()), metadata={"description": "the same instrument as other networks list it"}
    )


class AlsoListedOut(_Out):
    id, network, network_name, href = _S(), _S(), _S(), _S()


class HitOut(InstrumentOut):
    score = fields.Integer(metadata={"description": "relevance (0 without q); see docs/catalogue.md"})
    also_listed_networks = fields.Integer(
        metadata={"description": "how many other networks list the same instrument (docs/duplicates.md); 0 when none"}
    )


class FacetValueOut(_Out):
    value = _S()
    label = _S()
    label_en = _S()
    count = fields.Integer()
    filter = fields.Dict(
        keys=_S(),
        values=_S(),
        metadata={"description": "query parameters that select exactly this value (empty for an unknown value band)"},
    )
    unknown = fields.Boolean(metadata={"description": "true for the bucket of instruments missing this field (value `unknown`)"})


class FacetsOut(_Out):
    status, network, city, category1, category2, owner_type, sharing, certified, value_band = (
        fields.List(fields.Nested(FacetValueOut)) for _ in range(9)
    )


class SearchOut(_Out):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    items = fields.List(fields.Nested(HitOut))
    facets = fields.Nested(FacetsOut)
    corrected_from = _S(
        allow_none=True, metadata={"description": "q as sent, when it found nothing and the items answer its correction `q`"}
    )
    q = _S(allow_none=True, metadata={"description": "the query the items answer"})
    all_sources = fields.Boolean(
        metadata={"description": "true: every network's record is shown; false: one per instrument (its cluster's representative)"}
    )


class ExportParams(SearchParamsSchema):
    format = fields.String(required=True, validate=validate.OneOf(("csv", "xlsx", "jsonl")))


class LastHarvestOut(_Out):
    job_id = fields.Integer()
    kind, state = _S(), _S()
    started_at, finished_at = _T(), _T()
    fetched, created, updated, unchanged, withdrawn, rejected = (fields.Integer() for _ in range(6))
    deleted, not_found = (
        fields.Integer(allow_none=True, metadata={"description": f"explicit deletions {what}; null: a run from before they were recorded"})
        for what in ("that withdrew an instrument", "whose id had no active instrument")
    )


class NetworkOut(_Out):
    code, name = _S(), _S()
    province = _S(allow_none=True)
    family = _S(allow_none=True)
    instruments = fields.Integer(metadata={"description": "active (not withdrawn) instruments"})
    withdrawn = fields.Integer()
    total_value = _S(
        allow_none=True, metadata={"description": "sum of original values, yuan; null when no instrument states a value (unknown, not 0)"}
    )
    last_harvest = fields.Nested(LastHarvestOut, allow_none=True)


class GroupOut(_Out):
    value, label, label_en = _S(), _S(), _S()
    instruments = fields.Integer()
    total_value = _S(allow_none=True, metadata={"description": "yuan; null when none of the group's instruments states a value"})


class NationalOut(_Out):
    """National totals with each physical instrument counted once, the networks' raw sum beside them."""

    instruments = fields.Integer(metadata={"description": "instruments, duplicates across networks counted once"})
    instruments_raw = fields.Integer(metadata={"description": "the sum of the networks' counts"})
    duplicates = fields.Integer()
    original_value = _S(metadata={"description": "yuan, each instrument once"})
    original_value_raw = _S(metadata={"description": "yuan, the sum of the networks' totals"})


class StatsOut(_Out):
    national = fields.Nested(NationalOut)
    instruments = fields.Integer()
    total_value = _S(allow_none=True, metadata={"description": "yuan; null when no instrument states a value"})
    networks = fields.Integer()
    by_network, by_category, by_owner_type, by_value_band = (fields.List(fields.Nested(GroupOut)) for _ in range(4))
