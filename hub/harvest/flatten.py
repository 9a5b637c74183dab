"""The national record (hub.schema.InstrumentSchema output) as an `instruments` row, and back."""

from __future__ import annotations

from datetime import timezone

from hub.schema import CERTIFICATIONS, instrument_id


def _utc(value):
    # Stored as UTC everywhere: SQLite keeps no offset, so 08:00+08:00 would otherwise read back as 08:00Z.
    return value.astimezone(timezone.utc) if value is not None and value.tzinfo else value


def split_record(record: dict) -> tuple[dict, dict]:
    """(`instruments` columns, owner dict) of a normalised record; provenance columns are the writer's."""
    owner = record.get("owner") or {}
    region = record.get("region") or {}
    fee = record.get("fee") or {}
    contact = record.get("contact") or {}
    foreign = record.get("value_foreign") or {}
    certs = [c for c in CERTIFICATIONS if c in set(record.get("certifications") or ())]
    return {
        "id": instrument_id(record["network"], record["source_id"]),
        "network": record["network"],
        "source_id": record["source_id"],
        "name": record["name"],
        "name_en": record.get("name_en"),
        "category": record.get("category"),
        "model": record.get("model"),
        "manufacturer": record.get("manufacturer"),
        "country": record.get("country"),
        "original_value": record.get("original_value"),
        "value_foreign_amount": foreign.get("amount"),
        "value_foreign_currency": foreign.get("currency"),
        "commissioned": record.get("commissioned"),
        "province_code": region.get("province"),
        "province_name": region.get("province_name"),
        "city_code": region.get("city"),
        "city_name": region.get("city_name"),
        "county_code": region.get("county"),
        "county_name": region.get("county_name"),
        "address": record.get("address"),
        "postcode": record.get("postcode"),
        "specs": record.get("specs"),
        "functions": record.get("functions"),
        "services": record.get("services"),
        "acquisition": record.get("acquisition"),
        "customs_supervised": record.get("customs_supervised"),
        "achievements": record.get("achievements"),
        "sharing_rules": record.get("sharing_rules"),
        "fee_text": fee.get("text"),
        "fee_amount": fee.get("amount"),
        "fee_unit": fee.get("unit"),
        "booking_url": record.get("booking_url"),
        "contact_name": contact.get("name"),
        "contact_phone": contact.get("phone"),
        "contact_email": contact.get("email"),
        "status": record.get("status"),
        "sharing": record.get("sharing"),
        "certifications": ",".join(certs) or None,
        "certified": bool(certs),
        "subjects": ",".join(record.get("subjects") or ()) or None,
        "source_updated": _utc(record.get("source_updated")),
    }, owner
