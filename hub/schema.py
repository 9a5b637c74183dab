"""The national record: the common schema every network's records are mapped into.

This marshmallow schema is the contract between mapping (which produces these dicts), the store (which
flattens them into columns), the API (which serialises them) and exports. Canonical forms follow
`design.md` "Common schema": money in yuan as exact decimals, ISO dates keeping their precision,
ISO 3166 alpha-2 countries, GB/T 2260 region codes, national vocabularies for status and sharing.
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from hub import characters

STATUSES = ("normal", "standby", "remote", "occasional_fault", "frequent_fault", "awaiting_repair", "awaiting_retirement", "retired")
SHARING = ("external", "internal", "none")
#: How the unit came by the instrument, as the national reporting model (NRII) records it: 购置 / 研制 / 赠送 / 其他.
ACQUISITIONS = ("purchased", "developed", "donated", "other")
#: A Chinese postcode: six digits (the `postcode` transform reads a value into this form).
POSTCODE = r"^\d{6}$"
OWNER_TYPES = ("university", "institute", "enterprise", "other")
OWNER_LEVELS = ("central", "provincial", "municipal")
CERTIFICATIONS = ("CMA", "CNAS")

#: ISO 8601 date with its precision: a year, a month or a day.
ISO_PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
DIVISION_CODE = re.compile(r"^\d{6}$")
#: A network: a province (GB/T 2260) or a non-provincial register (hub.network_codes).
NETWORK_CODE = re.compile(r"^(\d{6}|[MACF][A-Z0-9]{5})$")
#: Why an instrument was withdrawn, as stored (`withdrawn_reason`) and returned by the API; the pages
#: show each in their reader's language (`hub.web.ui.vocabulary`, "withdrawn_reason").
DELETED_AT_SOURCE = "deleted at source"
ABSENT_FROM_LISTING = "absent from a complete listing"
ABSENT_FROM_SNAPSHOT = "absent from a pushed snapshot"
ABSENT_CONFIRMED = "absent from a complete listing; withdrawal confirmed by an admin"
#: Largest record accepted, as the characters of its canonical JSON (the payload as the network sent
#: it). A larger one is rejected before mapping and its payload is not kept (docs/catalogue.md "Limits").
MAX_RECORD_CHARS = 100_000


class StorableText(validate.Validator):
    """Text a database and an XML document can hold (`hub.characters`), at most `max_length` characters."""

    def __init__(self, max_length: int):
        self.max_length = max_length

    def __call__(self, value):
        if len(value) > self.max_length:
            raise ValidationError(f"is {len(value):,} characters long; at most {self.max_length:,} are accepted")
        if problem := characters.problem(value):
            raise ValidationError(problem)
        return value

    def passes(self, value) -> bool:
        """True when `self(value)` would not raise: the same check without building a message
        (`hub.mapping.validate` asks this first; it runs for every text of every record)."""
        return len(value) <= self.max_length and characters.ILLEGAL.search(value) is None


class Text(fields.String):
    """A common-schema text field. Every one has a maximum length (docs/catalogue.md "Limits"; never
    more than its store column holds, or PostgreSQL would fail the whole batch) and refuses the
    characters of `hub.characters`. Its own validators (a pattern, a vocabulary) run after."""

    def __init__(self, max_length: int, *, validate=None, **kwargs):
        own = [] if validate is None else list(validate) if isinstance(validate, (list, tuple)) else [validate]
        super().__init__(validate=[StorableText(max_length), *own], **kwargs)
        self.max_length = max_length


class JoinedLength(validate.Validator):
    """A list of texts stored joined with commas in one column of `max_length` characters."""

    def __init__(self, max_length: int):
        self.max_length = max_length

    def __call__(self, value):
        joined = sum(len(v) for v in value) + max(len(value) - 1, 0)
        if joined > self.max_length:
            raise ValidationError(f"{len(value)} items take {joined} characters joined; at most {self.max_length} are accepted")
        return value


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class OwnerSchema(_Strict):
    name = Text(200, required=True, validate=validate.Length(min=1))
    credit_code = Text(18, load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9A-HJ-NPQRTUWXY]{18}$"))
    type = Text(20, load_default=None, allow_none=True, validate=validate.OneOf(OWNER_TYPES))
    level = Text(20, load_default=None, allow_none=True, validate=validate.OneOf(OWNER_LEVELS))


class RegionSchema(_Strict):
    province = Text(6, load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE))
    province_name = Text(50, load_default=None, allow_none=True)
    city = Text(6, load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE))
    city_name = Text(50, load_default=None, allow_none=True)
    county = Text(6, load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE))
    county_name = Text(50, load_default=None, allow_none=True)


class FeeSchema(_Strict):
    text = Text(1000, load_default=None, allow_none=True)
    amount = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True)
    unit = Text(20, load_default=None, allow_none=True)


class ForeignValueSchema(_Strict):
    """An original value stated in another currency: kept with its currency, never shown as yuan.
    (A value in yuan is `original_value`; CNY here would be a second, unsummed copy of it.)"""

    amount = fields.Decimal(required=True, places=2, as_string=True, validate=validate.Range(min=0))
    currency = fields.String(
        required=True,
        validate=[
            validate.Regexp(r"^[A-Z]{3}$", error="expected an ISO 4217 code such as GBP"),
            validate.NoneOf(["CNY"], error="a value in yuan is original_value"),
        ],
    )


class ContactSchema(_Strict):
    name = Text(100, load_default=None, allow_none=True)
    phone = Text(100, load_default=None, allow_none=True)
    email = Text(200, load_default=None, allow_none=True)


class InstrumentSchema(_Strict):
    """The normalised instrument (without provenance, which the store adds)."""

    network = Text(6, required=True, validate=validate.Regexp(NETWORK_CODE))
    source_id = Text(120, required=True, validate=validate.Length(min=1))
    name = Text(200, required=True, validate=validate.Length(min=1))
    name_en = Text(300, load_default=None, allow_none=True)
    category = Text(
        6, load_default=None, allow_none=True, validate=validate.Regexp(DIVISION_CODE, error="expected a 6-digit category code")
    )
    model = Text(200, load_default=None, allow_none=True)
    manufacturer = Text(200, load_default=None, allow_none=True)
    country = Text(2, load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    original_value = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True, validate=validate.Range(min=0))
    value_foreign = fields.Nested(ForeignValueSchema, load_default=None, allow_none=True)
    commissioned = Text(
        10, load_default=None, allow_none=True, validate=validate.Regexp(ISO_PARTIAL_DATE, error="expected YYYY, YYYY-MM or YYYY-MM-DD")
    )
    owner = fields.Nested(OwnerSchema, load_default=None, allow_none=True)
    region = fields.Nested(RegionSchema, load_default=None, allow_none=True)
    address = Text(500, load_default=None, allow_none=True)
    postcode = Text(6, load_default=None, allow_none=True, validate=validate.Regexp(POSTCODE, error="expected a 6-digit postcode"))
    specs = Text(10_000, load_default=None, allow_none=True)
    functions = Text(10_000, load_default=None, allow_none=True)
    services = Text(10_000, load_default=None, allow_none=True)
    # The national reporting fields a network may send beside the rest (reference: NRII): how the
    # unit came by it, whether it is under customs supervision (a duty-free import may not be used
    # for outside work freely), its typical achievements and the unit's sharing rules.
    acquisition = Text(10, load_default=None, allow_none=True, validate=validate.OneOf(ACQUISITIONS))
    customs_supervised = fields.Boolean(load_default=None, allow_none=True)
    achievements = Text(10_000, load_default=None, allow_none=True)
    sharing_rules = Text(10_000, load_default=None, allow_none=True)
    fee = fields.Nested(FeeSchema, load_default=None, allow_none=True)
    booking_url = Text(2000, load_default=None, allow_none=True)
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)
    status = Text(30, load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    sharing = Text(10, load_default=None, allow_none=True, validate=validate.OneOf(SHARING))
    certifications = fields.List(Text(4, validate=validate.OneOf(CERTIFICATIONS)), load_default=list)
    subjects = fields.List(Text(100), load_default=list, validate=JoinedLength(100))
    source_updated = fields.AwareDateTime(load_default=None, allow_none=True, format="iso")

    @validates_schema
    def _source_id_is_path_safe(self, data, **kwargs):
        if "/" in data.get("source_id", "") or data.get("source_id", "").strip() != data.get("source_id", ""):
            raise ValidationError("must not contain '/' or surrounding spaces", "source_id")


class ServiceStatsSchema(_Strict):
    """Service statistics of one instrument in one year."""

    network = Text(6, required=True)
    source_id = Text(120, required=True)
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


def text_limits(schema_cls: type[Schema] | None = None, prefix: str = "") -> dict[str, int]:
    """Every text field of the common schema → its maximum length in characters (`owner.name`,
    `subjects[]` for each item, `subjects` for the list joined): what docs/catalogue.md "Limits" states."""
    out = {}
    for name, field in (schema_cls or InstrumentSchema)().fields.items():
        if isinstance(field, Text):
            out[prefix + name] = field.max_length
        elif isinstance(field, fields.Nested):
            out.update(text_limits(type(field.schema), f"{prefix}{name}."))
        elif isinstance(field, fields.List) and isinstance(field.inner, Text):
            out[f"{prefix}{name}[]"] = field.inner.max_length
            for v in field.validators:
                if isinstance(v, JoinedLength):
                    out[prefix + name] = v.max_length
    return out
