"""The limits the docs state are the limits the code applies (issue 12: every limit documented), and
no field limit exceeds what its store column holds (else PostgreSQL fails a whole batch on one value)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import String

from hub.feed.batches import FeedLimits
from hub.schema import MAX_RECORD_CHARS, text_limits
from hub.store.models import Instrument, OwnerUnit
from hub.web.request_body import MAX_FORM_BYTES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _section(doc: str, heading: str) -> str:
    text = (DOCS / doc).read_text(encoding="utf-8")
    m = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ )", text, re.M | re.S)
    assert m, f"{doc} has no section {heading!r}"
    return m.group(1)


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_catalogue_docs_state_every_field_limit_as_configured():
    section = _section("catalogue.md", "Limits")
    documented = {m.group(1): _number(m.group(2)) for m in re.finditer(r"^\| `([^`]+)` \| ([\d,]+) \|$", section, re.M)}
    assert documented == text_limits()
    assert f"at most {MAX_RECORD_CHARS:,} characters" in section


def test_push_docs_state_the_feed_limits_as_configured():
    section = _section("push.md", "Limits")
    defaults = FeedLimits()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| ([^|]+?) \| ([^|]+?) \|", section, re.M)}

    def figure(row_start: str) -> list[int]:
        (cell,) = [v for k, v in rows.items() if k.startswith(row_start)]
        return [_number(n) for n in re.findall(r"\d[\d,]*", cell)]

    assert figure("body size")[0] == defaults.max_body_bytes
    assert figure("decompressed size")[0] == defaults.max_body_bytes
    assert figure("records in one batch")[0] == defaults.max_records
    assert figure("batch applied in the background")[:2] == [defaults.async_records, defaults.async_bytes]
    assert figure("one record")[0] == MAX_RECORD_CHARS


def test_operations_docs_state_the_default_body_limit():
    section = _section("operations.md", "Request bodies and slow clients")
    assert f"at most {MAX_FORM_BYTES:,} bytes" in section


#: Common field → (table, column) it is stored in.
COLUMNS = {"owner.": OwnerUnit.__table__, "": Instrument.__table__}
RENAMED = {
    "region.province": "province_code",
    "region.city": "city_code",
    "region.county": "county_code",
    "owner.name": "name",
    "owner.credit_code": "credit_code",
    "owner.type": "type",
    "owner.level": "level",
}


@pytest.mark.parametrize("field, limit", sorted(text_limits().items()))
def test_no_field_limit_exceeds_its_column(field, limit):
    if field.endswith("[]"):
        return  # list items are stored joined; the joined limit is checked as the list's own entry
    table = OwnerUnit.__table__ if field.startswith("owner.") else Instrument.__table__
    column = RENAMED.get(field) or field.split(".")[-1] if field.startswith("region.") else RENAMED.get(field) or field.replace(".", "_")
    column = table.c[column]
    if isinstance(column.type, String) and column.type.length:
        assert limit <= column.type.length, f"{field}: limit {limit} > column {table.name}.{column.name} ({column.type.length})"
