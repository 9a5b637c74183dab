"""The national record: the common schema every network's records are mapped into.

This marshmallow schema is the contract between mapping (which produces these dicts), the store (which
flattens them into columns), the API (which serialises them) and exports. Canonical forms follow
`design.md` "Common schema": money in yuan as exact decimals, ISO dates keeping their precision,
ISO 3166 alpha-2 countries, GB/T 2260 region codes, national vocabularies for status and sharing.
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

STATUSES = ("normal", "standby", "remote", "occasional_fault", "frequent_fault", "awaiting_repair", "awaiting_retirement", "retired")
SHARING = ("external", "internal", "none")
OWNER_TYPES = ("university", "institute", "enterprise", "other")
OWNER_LEVELS = ("central", "provincial", "municipal")
CERTIFICATIONS = ("CMA", "CNAS")

#: ISO 8601 date with its precision: a year, a month or a day.
ISO_PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
DIVISION_CODE = re.compile(r"^\d{6}$")
#: A network: a province (GB/T 2260) or a non-provincial register (hub.network_codes).
NETWORK_CODE = re.compile(r"^(\d{6}|[MACF][A-Z0-9]{5})$")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class OwnerSchema(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    credit_code = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9A-HJ-NPQRTUWXY]{18}$"))
    type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(OWNER_TYPES))
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(OWNER_LEVELS))


class RegionSchema(_Strict):
    province = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE))
    province_name = fields.String(load_default=None, allow_none=True)
    city = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE))
    city_name = fields.String(load_default=None, allow_none=True)
    county = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE))
    county_name = fields.String(load_default=None, allow_none=True)


class FeeSchema(_Strict):
    text = fields.String(load_default=None, allow_none=True)
    amount = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True)
    unit = fields.String(load_default=None, allow_none=True)


class ForeignValueSchema(_Strict):
    """An original value stated in another currency: kept with its currency, never shown as yuan.
    (A value in yuan is `original_value`; CNY here would be a second, unsummed copy of it.)"""

    amount = fields.Decimal(required=True, places=2, as_string=True, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=[validate.Regexp(r"^[A-Z]{3}$", error="expected an ISO 4217 code such as GBP"),
                                                      validate.NoneOf(["CNY"], error="a value in yuan is original_value")])


class ContactSchema(_Strict):
    name = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)


class InstrumentSchema(_Strict):
    """The normalised instrument (without provenance, which the store adds)."""

    network = fields.String(required=True, validate=validate.Regexp(NETWORK_CODE))
    source_id = fields.String(required=True, validate=validate.Length(min=1, max=120))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(load_default=None, allow_none=True)
    category = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE, error="expected a 6-digit category code"))
    model = fields.String(load_default=None, allow_none=True)
    manufacturer = fields.String(load_default=None, allow_none=True)
    country = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    original_value = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True, validate=validate.Range(min=0))
    value_foreign = fields.Nested(ForeignValueSchema, load_default=None, allow_none=True)
    commissioned = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(ISO_PARTIAL_DATE, error="expected YYYY, YYYY-MM or YYYY-MM-DD"))
    owner = fields.Nested(OwnerSchema, load_default=None, allow_none=True)
    region = fields.Nested(RegionSchema, load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True)
    specs = fields.String(load_default=None, allow_none=True)
    functions = fields.String(load_default=None, allow_none=True)
    services = fields.String(load_default=None, allow_none=True)
    fee = fields.Nested(FeeSchema, load_default=None, allow_none=True)
    booking_url = fields.String(load_default=None, allow_none=True)
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    sharing = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SHARING))
    certifications = fields.List(fields.String(validate=validate.OneOf(CERTIFICATIONS)), load_default=list)
    subjects = fields.List(fields.String(), load_default=list)
    source_updated = fields.AwareDateTime(load_default=None, allow_none=True, format="iso")

    @validates_schema
    def _source_id_is_path_safe(self, data, **kwargs):
        if "/" in data.get("source_id", "") or data.get("source_id", "").strip() != data.get("source_id", ""):
            raise ValidationError("must not contain '/' or surrounding spaces", "source_id")


class ServiceStatsSchema(_Strict):
    """Service statistics of one instrument in one year."""

    network = fields.String(required=True)
    source_id = fields.String(required=True)
    year = fields.Integer(required=True, validate=validate.Range(1990, 2100))
    effective_hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=8784))
    external_hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=8784))
    external_services = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    enterprise_services = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    samples = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    external_samples = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    income = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True, validate=validate.Range(min=0))


def instrument_id(network: str, source_id: str) -> str:
    return f"{network}:{source_id}"
