"""The catalogue's search parameters: one marshmallow schema the API and the web UI both load
request arguments with, so they accept and refuse exactly the same things."""

from __future__ import annotations

import re
import unicodedata

from dataclasses import asdict, dataclass
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from hub.network_codes import EXPECTED, NETWORK_CODE_PATTERN
from hub.search.numbers import Number, WholeNumber
from hub.schema import OWNER_LEVELS, OWNER_TYPES, SHARING, STATUSES

SORTS = ("relevance", "value", "-value", "commissioned", "-commissioned", "updated")
MAX_PAGE_SIZE = 100
MAX_WINDOW = 10_000  # deepest result reachable by paging; beyond it, narrow the search
MAX_Q_CHARS = 200
DEFAULT_PAGE_SIZE = 20
#: The filter value that selects instruments whose field is missing (every facet's "unknown" bucket).
UNKNOWN = "unknown"
#: Statuses of instruments that are out of service for good: the web UI leaves them out unless
#: asked (include_retired=true); the API includes them unless told include_retired=false.
RETIRED = ("retired", "awaiting_retirement")


@dataclass(frozen=True)
class SearchParams:
    q: str | None = None
    network: str | None = None
    city: str | None = None
    category: str | None = None
    owner_type: str | None = None
    owner_level: str | None = None
    status: str | None = None
    sharing: str | None = None
    certified: bool | None = None
    include_retired: bool | None = None
    all_sources: bool | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def filters(self) -> dict:
        """The parameters that select instruments (not q, sort or paging)."""
        return {
            k: v
            for k, v in asdict(self).items()
            if k not in ("q", "sort", "page", "page_size", "include_retired", "all_sources") and v is not None
        }

    def as_query(self, **changes) -> dict:
        """Query-string parameters (non-default values only), with `changes` applied."""
        out = {}
        for k, v in {**asdict(self), **changes}.items():
            if v is None or (k, v) in (("sort", "relevance"), ("page", 1), ("page_size", DEFAULT_PAGE_SIZE)) or v == "":
                continue
            out[k] = ("true" if v else "false") if isinstance(v, bool) else str(v)
        return out


def _printable(value: str) -> bool:
    return all(ch.isprintable() or ch in " \u3000" for ch in value)


#: Spacing a query picks up when pasted from a web page or a document: tabs, no-break and other
#: Unicode spaces read as a space; zero-width characters (and a stray BOM) are dropped.
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def _spaced(q: str) -> str:
    return _ZERO_WIDTH.sub("", _SPACES.sub(" ", q))


def _searched(q: str) -> str:
    """The query as it is searched and shown: spaced as above and in its compatibility form (NFKC),
    as a Chinese input method's full-width text reads — ＪＳＭ－７８００Ｆ is JSM-7800F. The analyser folds
    it too, but a model's spellings, the capitals of QExactive and an instrument's number are read from
    the words as typed: full-width, "ＱＥｘａｃｔｉｖｅ" found 51 where "QExactive" found 195 (the public's probe)."""
    return unicodedata.normalize("NFKC", _spaced(q)).strip()


VALUE_DESCRIPTION = "Original value in yuan, inclusive: digits with an optional fraction (850000.50)."


class SearchParamsSchema(Schema):
    """Query parameters of GET /api/v1/instruments (and of its export). Unknown ones are refused."""

    class Meta:
        unknown = RAISE

    q = fields.String(
        load_default=None,
        validate=validate.Length(max=MAX_Q_CHARS),
        metadata={"description": "Search text (Chinese, English, model numbers)."},
    )
    network = fields.String(load_default=None, validate=validate.Regexp(NETWORK_CODE_PATTERN, error=EXPECTED))
    city = fields.String(
        load_default=None, validate=validate.Regexp(r"^(\d{6}|unknown)$", error="expected a 6-digit GB/T 2260 city code or unknown")
    )
    category = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^(\d{2}(\d{2}(\d{2})?)?|unknown)$", error="expected a category code or prefix: 01, 0105 or 010500, or unknown"
        ),
    )
    owner_type = fields.String(load_default=None, validate=validate.OneOf((*OWNER_TYPES, UNKNOWN)))
    owner_level = fields.String(load_default=None, validate=validate.OneOf((*OWNER_LEVELS, UNKNOWN)))
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, UNKNOWN)))
    sharing = fields.String(load_default=None, validate=validate.OneOf((*SHARING, UNKNOWN)))
    certified = fields.Boolean(load_default=None)
    include_retired = fields.Boolean(
        load_default=None,
        metadata={
            "description": (
                "false: leave out retired instruments and those awaiting retirement (the web UI's default). Ignored when status is given."
            )
        },
    )
    all_sources = fields.Boolean(
        load_default=None,
        metadata={
            "description": "true: every network's record of an instrument listed by several (docs/duplicates.md); "
            "by default one result per instrument, its cluster's representative."
        },
    )
    # minimum/maximum given as numbers: apispec would otherwise write the Decimal bounds as strings (invalid OpenAPI)
    min_value = Number(
        load_default=None,
        places=2,
        validate=validate.Range(min=0, max=10**13),
        metadata={"description": VALUE_DESCRIPTION, "minimum": 0, "maximum": 10**13},
    )
    # minimum/maximum given as numbers: apispec would otherwise write the Decimal bounds as strings (invalid OpenAPI)
    max_value = Number(
        load_default=None,
        places=2,
        validate=validate.Range(min=0, max=10**13),
        metadata={"description": VALUE_DESCRIPTION, "minimum": 0, "maximum": 10**13},
    )
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    page = WholeNumber(
        load_default=1,
        # Not "less than or equal to 10000": the bound is on page × page_size (checked below).
        validate=validate.Range(min=1, max=MAX_WINDOW, error=f"must be 1 or more; pages reach the first {MAX_WINDOW:,} results at most"),
    )
    page_size = WholeNumber(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))

    @validates_schema
    def _check(self, data, **kwargs):
        q = data.get("q")
        if q is not None and not _printable(_spaced(q)):
            raise ValidationError(_unprintable_message(q), "q")
        lo, hi = data.get("min_value"), data.get("max_value")
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError("must not be below min_value", "max_value")
        if (data.get("page", 1) - 1) * data.get("page_size", DEFAULT_PAGE_SIZE) >= MAX_WINDOW:
            raise ValidationError(f"results beyond the first {MAX_WINDOW} cannot be paged to; narrow the search", "page")

    @post_load
    def _make(self, data, **kwargs):
        if data.get("q") is not None:
            data["q"] = _searched(data["q"]) or None
        return data


def _unprintable_message(q: str) -> str:
    # Raw UTF-8 bytes in a URL (curl with 液相色谱 typed in) reach a WSGI app as Latin-1 mojibake, whose
    # C1 characters are what makes the text unprintable: say what to send instead.
    try:
        mojibake = q.encode("latin-1").decode("utf-8") != q
    except (UnicodeEncodeError, UnicodeDecodeError):
        mojibake = False
    if not mojibake:
        return "must not contain control characters"
    return "is not percent-encoded UTF-8: encode the query, e.g. q=%E6%B6%B2%E7%9B%B8 for 液相 (curl: -G --data-urlencode q=…)"


def load_params(args) -> SearchParams:
    """Request arguments (a MultiDict or a dict) → SearchParams; raises marshmallow.ValidationError."""
    if hasattr(args, "getlist"):
        repeated = sorted(k for k in args if len(args.getlist(k)) > 1)
        if repeated:
            raise ValidationError({k: ["given more than once"] for k in repeated})
        args = args.to_dict()
    return SearchParams(**SearchParamsSchema().load(args))
