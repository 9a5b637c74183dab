"""Stored rows → national records: the common-schema shape (hub/schema.py InstrumentSchema) plus
`id` and `provenance`, with JSON-ready values (money as decimal strings, times as ISO 8601 UTC).

The API, the JSON Lines export and the web UI all show records made here, so a record reads the same
wherever it is seen.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from hub.dedup.tables import CLUSTERS
from hub.store.listings import LISTINGS, last_sighting
from hub.store.models import Instrument, OwnerUnit

_I = Instrument.__table__
_O = OwnerUnit.__table__

#: Instruments with their owner, in the column order records are built from.
RECORD_SELECT = select(
    _I,
    _O.c.name.label("owner_name"),
    _O.c.credit_code.label("owner_credit_code"),
    _O.c.type.label("owner_type"),
    _O.c.level.label("owner_level"),
    # the national record this source record is counted under (docs/duplicates.md); itself when alone
    select(CLUSTERS.c.cluster_id).where(CLUSTERS.c.instrument_id == _I.c.id).scalar_subquery().label("cluster_id"),
    # the network's last complete listing: the last sighting of the records it found unchanged
    select(LISTINGS.c.listed_at).where(LISTINGS.c.network == _I.c.network).scalar_subquery().label("listed_at"),
).select_from(_I.outerjoin(_O, _I.c.owner_id == _O.c.id))


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; the store writes UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def money(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.01")))


def _none_if_empty(d: dict) -> dict | None:
    return d if any(v is not None for v in d.values()) else None


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def to_record(row) -> dict:
    """One row of RECORD_SELECT → the national record. Pure."""
    m = row._mapping
    return {
        "id": m["id"],
        "network": m["network"],
        "source_id": m["source_id"],
        "cluster_id": m.get("cluster_id") or m["id"],
        "name": m["name"],
        "name_en": m["name_en"],
        "category": m["category"],
        "model": m["model"],
        "manufacturer": m["manufacturer"],
        "country": m["country"],
        "original_value": money(m["original_value"]),
        "value_foreign": _none_if_empty({"amount": money(m["value_foreign_amount"]), "currency": m["value_foreign_currency"]}),
        "commissioned": m["commissioned"],
        "owner": _none_if_empty(
            {"name": m["owner_name"], "credit_code": m["owner_credit_code"], "type": m["owner_type"], "level": m["owner_level"]}
        ),
        "region": _none_if_empty(
            {
                "province": m["province_code"],
                "province_name": m["province_name"],
                "city": m["city_code"],
                "city_name": m["city_name"],
                "county": m["county_code"],
                "county_name": m["county_name"],
            }
        ),
        "address": m["address"],
        "postcode": m["postcode"],
        "specs": m["specs"],
        "functions": m["functions"],
        "services": m["services"],
        "acquisition": m["acquisition"],
        "customs_supervised": m["customs_supervised"],
        "achievements": m["achievements"],
        "sharing_rules": m["sharing_rules"],
        "fee": _none_if_empty({"text": m["fee_text"], "amount": money(m["fee_amount"]), "unit": m["fee_unit"]}),
        "booking_url": m["booking_url"],
        "contact": _none_if_empty({"name": m["contact_name"], "phone": m["contact_phone"], "email": m["contact_email"]}),
        "status": m["status"],
        "sharing": m["sharing"],
        "certifications": _split(m["certifications"]),
        "subjects": _split(m["subjects"]),
        "source_updated": iso(m["source_updated"]),
        "provenance": {
            "network": m["network"],
            "job_id": m["last_job_id"],
            "batch_id": m["last_batch_id"],
            "source_updated": iso(m["source_updated"]),
            "first_seen": iso(m["first_seen"]),
            "last_seen": iso(_last_seen(m)),
            "withdrawn_at": iso(m["withdrawn_at"]),
            "withdrawn_reason": m["withdrawn_reason"],
        },
    }


def _last_seen(m):
    return last_sighting(m["last_seen"], m.get("listed_at"), absent=m["absent_since"] is not None, withdrawn=m["withdrawn_at"] is not None)


def tombstone(row) -> dict:
    """What a withdrawn record still says about itself."""
    m = row._mapping
    return {
        "id": m["id"],
        "network": m["network"],
        "source_id": m["source_id"],
        "name": m["name"],
        "withdrawn_at": iso(m["withdrawn_at"]),
        "withdrawn_reason": m["withdrawn_reason"],
        "last_seen": iso(m["last_seen"]),
    }


def fetch_records(conn, ids: list[str]) -> list[dict]:
    """Records for these ids, in the order given (missing ids are skipped)."""
    if not ids:
        return []
    by_id = {r._mapping["id"]: to_record(r) for r in conn.execute(RECORD_SELECT.where(_I.c.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]
