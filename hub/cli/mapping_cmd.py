"""`hub mapping check MAPPING SAMPLE`: try a mapping file on sample payloads before deploying it."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import click

from hub.config import mappings_dir
from hub.errors import ConfigError, RecordError
from hub.mapping import Mapping


def _resolve(mapping: str) -> Path:
    """A path, or a network code / file name looked up in mappings/."""
    path = Path(mapping)
    if path.exists():
        return path
    candidate = mappings_dir() / (mapping if mapping.endswith(".yaml") else f"{mapping}.yaml")
    return candidate if candidate.exists() else path


def _read_sample(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read the sample: {exc}") from None
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            items = json.loads(text)
        else:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{path}: expected a JSON array or JSON lines: {exc}") from None
    return items


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
    """Map every payload → {records, errors, warnings, fill_rates, total, accepted}."""
    records, errors, warnings = [], [], []
    for i, payload in enumerate(items, start=1):
        sid = mapping.source_id_of(payload) if isinstance(payload, dict) else None
        label = sid or f"(item {i})"
        if not isinstance(payload, dict):
            errors.append({"record": label, "field": "(record)", "message": f"expected a JSON object, got {type(payload).__name__}"})
            continue
        try:
            mapped = mapping.map_payload(payload, sid)
        except RecordError as exc:
            for field, message in getattr(exc, "problems", [(exc.field, exc.message)]):
                errors.append({"record": label, "field": field, "message": message})
            continue
        records.append(mapped.record)
        warnings.extend({"record": label, "field": f, "message": m} for f, m in mapped.warnings)
    fill = {t: (sum(_filled(r, t) for r in records) / len(records) if records else 0.0) for t in mapping.targets}
    return {"total": len(items), "accepted": len(records), "records": records, "errors": errors, "warnings": warnings, "fill_rates": fill}


@click.group("mapping")
def mapping():
    """Mapping files (mappings/<network code>.yaml)."""


@mapping.command("check")
@click.argument("mapping_file", metavar="MAPPING")
@click.argument("sample", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option("-n", "--show", default=3, show_default=True, help="Normalised records to print.")
@click.option("--strict", is_flag=True, help="Exit 1 when any record is rejected.")
def check(mapping_file, sample, as_json, show, strict):
    """Map the raw payloads in SAMPLE (a JSON array or JSON lines) with MAPPING (a file, or a network
    code in mappings/): print normalised records, every error and the fill rate of each field.
    An invalid mapping file exits with status 2 before any record is read."""
    path = _resolve(mapping_file)
    try:
        m = Mapping.load(path)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    result = check_sample(m, _read_sample(sample))
    if as_json:
        click.echo(json.dumps({**result, "records": result["records"][:show], "mapping": str(path), "digest": m.digest}, ensure_ascii=False, indent=2, default=_jsonable))
    else:
        click.echo(f"mapping {path} (network {m.network}, {m.family}), digest {m.digest[:12]}")
        click.echo(f"{result['accepted']} of {result['total']} records accepted,"
            f" {len(result['errors'])} errors, {len(result['warnings'])} warnings")
        for record in result["records"][:show]:
            click.echo(json.dumps(record, ensure_ascii=False, default=_jsonable))
        for kind in ("errors", "warnings"):
            if result[kind]:
                click.echo(f"\n{kind}:")
                for e in result[kind]:
                    click.echo(f"  record {e['record']}, field {e['field']}: {e['message']}")
        click.echo("\nfill rates:")
        for target, rate in result["fill_rates"].items():
            click.echo(f"  {target:<20} {rate:6.1%}")
    return 1 if strict and result["errors"] else 0


COMMANDS = [mapping]
