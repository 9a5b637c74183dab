"""Subsidy schemes for companies' use of shared instruments (`conf/subsidies.yaml`), checked where
they are loaded: a scheme with a rate above 1, a province code that is not six digits or a missing
source fails at load with the file and key."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hub.config import conf_dir, load_yaml, validation_error
from hub.errors import ConfigError


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Text(_Strict):
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class _Source(_Strict):
    title = fields.Nested(_Text, required=True)  # the page's language: an English title sat in Chinese text
    document = fields.String(required=True)
    quote = fields.String(required=True)  # as the source says it, in its own language
    # When the source said it (a year, or year-month): a scheme reported in 2013 may have ended, and
    # the page says when it was reported rather than present it as in force.
    reported = fields.String(required=True, validate=validate.Regexp(r"^\d{4}(-\d{2})?$", error="expected a year, or YYYY-MM"))


class _Scheme(_Strict):
    province = fields.String(required=True, validate=validate.Regexp(r"^\d{2}0000$", error="expected a 6-digit GB/T 2260 province code"))
    rate = fields.Float(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False))
    name = fields.Nested(_Text, required=True)
    beneficiaries = fields.Nested(_Text, required=True)
    conditions = fields.Nested(_Text, required=True)
    source = fields.Nested(_Source, required=True)


class _File(_Strict):
    schemes = fields.List(fields.Nested(_Scheme), required=True)


def load(path: Path | None = None) -> dict[str, list[dict]]:
    """Province code → its schemes."""
    path = path or conf_dir() / "subsidies.yaml"
    if not path.exists():
        return {}
    try:
        data = _File().load(load_yaml(path) or {})
    except ValidationError as exc:
        raise validation_error(path, exc) from None
    out: dict[str, list[dict]] = {}
    for i, scheme in enumerate(data["schemes"]):
        if any(s["name"]["zh"] == scheme["name"]["zh"] for s in out.get(scheme["province"], [])):
            raise ConfigError(path, f"schemes[{i}].name", "duplicate scheme for this province")
        out.setdefault(scheme["province"], []).append(scheme)
    return out


@lru_cache(maxsize=1)
def schemes() -> dict[str, list[dict]]:
    return load()


def for_province(code: str | None) -> list[dict]:
    return schemes().get(str(code or "")[:2].ljust(6, "0"), []) if code else []
