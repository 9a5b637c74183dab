"""`hub mapping check MAPPING SAMPLE`: try a mapping file on sample payloads before deploying it."""

from __future__ import annotations

import codecs
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import click

from hub.config import mappings_dir
from hub.errors import ConfigError, RecordError
from hub.harvest.pipeline import repeated_headers_note
from hub.mapping import Mapping
from hub.mapping.samples import SampleError, read_sample

#: Samples whose payloads are rows under a header, which a file may repeat (as pushed and harvested tables).
TABLE_SUFFIXES = (".csv", ".xlsx")


class _SampleRow(NamedTuple):
    """A table sample's row as `Mapping.table_records` reads rows: where it is, its cells, no problem."""

    where: str
    payload: object
    problem: str | None = None


def _records_of_table(mapping: Mapping, items: list, headers: list[str]) -> list:
    """The sample's rows that are records: a row that is the header again is none, as the push feed
    and the tabular harvest leave it out (`Mapping.table_records`); where it was goes to `headers`."""
    return [(row.where, row.payload) for row in mapping.table_records((_SampleRow(w, p) for w, p in items), headers)]


def _resolve(mapping: str) -> Path:
    """A path, or a network code / file name looked up in mappings/."""
    path = Path(mapping)
    if path.exists():
        return path
    candidate = mappings_dir() / (mapping if mapping.endswith(".yaml") else f"{mapping}.yaml")
    return candidate if candidate.exists() else path


def _read_sample(path: Path, encoding=None, sheet=None, header_row=1, notes=None) -> list:
    try:
        return read_sample(path, encoding=encoding, sheet=sheet, header_row=header_row, notes=notes)
    except (SampleError, OSError, UnicodeDecodeError, LookupError) as exc:
        raise click.ClickException(f"{path}: cannot read the sample: {exc}") from None


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _filled(record: dict, target: str) -> bool:
    value = record
    for part in target.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value not in (None, "", [], {})


def check_sample(mapping: Mapping, items: list) -> dict:
    """Map every payload → {records, errors, warnings, repeats, fill_rates, total, accepted}.
    `items` are payloads, or (where, payload) pairs as `hub.mapping.samples` reads them."""
    records, errors, warnings, repeats = [], [], [], []
    first_seen: dict[str, str] = {}
    for i, item in enumerate(items, start=1):
        where, payload = item if isinstance(item, tuple) else (f"item {i}", item)
        sid, why = mapping.identify(payload) if isinstance(payload, dict) else (None, None)
        label = sid or f"({where})"
        if not isinstance(payload, dict):
            errors.append({"record": label, "field": "(record)", "message": f"expected an object, got {type(payload).__name__}"})
            continue
        if sid is None:
            errors.append({"record": label, "field": mapping.source_id_path, "message": why})
            continue
        if sid in first_seen:
            repeats.append({"record": sid, "where": where, "first": first_seen[sid]})
            continue
        first_seen[sid] = where
        try:
            mapped = mapping.map_payload(payload, sid)
        except RecordError as exc:
            for field, message in getattr(exc, "problems", [(exc.field, exc.message)]):
                errors.append({"record": label, "field": field, "message": message})
            continue
        records.append(mapped.record)
        warnings.extend({"record": label, "field": f, "message": m} for f, m in mapped.warnings)
    fill = {t: (sum(_filled(r, t) for r in records) / len(records) if records else 0.0) for t in mapping.targets}
    return {
        "total": len(items),
        "accepted": len(records),
        "records": records,
        "errors": errors,
        "warnings": warnings,
        "repeats": repeats,
        "fill_rates": fill,
    }


@click.group("mapping")
def mapping():
    """Mapping files (mappings/<network code>.yaml)."""


@mapping.command("check")
@click.argument("mapping_file", metavar="MAPPING")
@click.argument("sample", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option("-n", "--show", default=3, show_default=True, help="Normalised records to print.")
@click.option("--strict", is_flag=True, help="Exit 1 when any record is rejected or repeats another's id.")
@click.option("--encoding", default=None, help="Decode the sample with this codec, as a network's `encoding` option would.")
@click.option("--sheet", default=None, help="XLSX: the sheet to read (a name or a 1-based number); default the first.")
@click.option(
    "--header-row", default=1, show_default=True, type=click.IntRange(1, 1000), help="CSV/XLSX: the row holding the column names."
)
def check(mapping_file, sample, as_json, show, strict, encoding, sheet, header_row):
    """Map the raw payloads in SAMPLE with MAPPING (a file, or a network code in mappings/): print
    normalised records, every error, every repeated record id and the fill rate of each field.
    SAMPLE is read by its suffix as the families read it: .json (array or JSON lines), .csv, .xlsx,
    .xml, .html (one detail page). An invalid mapping file exits with status 2 before any record is read."""
    path = _resolve(mapping_file)
    try:
        m = Mapping.load(path)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise click.BadParameter(f"unknown encoding {encoding!r}", param_hint="--encoding") from None
    notes = []
    sheet = int(sheet) if sheet is not None and sheet.isdigit() else sheet
    items = _read_sample(sample, encoding, sheet, header_row, notes)
    headers: list[str] = []
    if sample.suffix.lower() in TABLE_SUFFIXES:
        items = _records_of_table(m, items, headers)
        if headers:
            notes.append(repeated_headers_note(headers))
    result = check_sample(m, items)
    result["notes"] = notes
    result["repeated_headers"] = headers
    if as_json:
        click.echo(
            json.dumps(
                {**result, "records": result["records"][:show], "mapping": str(path), "digest": m.digest},
                ensure_ascii=False,
                indent=2,
                default=_jsonable,
            )
        )
    else:
        click.echo(f"mapping {path} (network {m.network}, {m.family}), digest {m.digest[:12]}")
        click.echo(
            f"{result['accepted']} of {result['total']} records accepted, {len(result['errors'])} errors, "
            f"{len(result['warnings'])} warnings, {len(result['repeats'])} repeated ids"
        )
        for note in notes:
            click.echo(f"note: {note}")
        for record in result["records"][:show]:
            click.echo(json.dumps(record, ensure_ascii=False, default=_jsonable))
        for kind in ("errors", "warnings"):
            if result[kind]:
                click.echo(f"\n{kind}:")
                for e in result[kind]:
                    click.echo(f"  record {e['record']}, field {e['field']}: {e['message']}")
        if result["repeats"]:
            click.echo("\nrepeated ids:")
            for r in result["repeats"]:
                click.echo(f"  record {r['record']} at {r['where']} repeats {r['first']}")
        click.echo("\nfill rates:")
        for target, rate in result["fill_rates"].items():
            click.echo(f"  {target:<20} {rate:6.1%}")
    return 1 if strict and (result["errors"] or result["repeats"]) else 0


COMMANDS = [mapping]
