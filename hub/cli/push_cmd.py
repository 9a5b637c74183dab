"""`hub push CODE FILE --mode … --token …`: send a file to the feed as a province would, over HTTP."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests

from hub.cli import exit_codes
from hub.cli._output import echo_table

_TYPES = {".json": "application/json", ".csv": "text/csv", ".xml": "application/xml"}
#: Connection failures and these statuses are retried with the same Idempotency-Key (never applied twice).
_RETRY_STATUSES = {429, 502, 503, 504}


def send(url, code, path: Path, *, token, mode, kind=None, year=None, key=None, timeout=300, retries=3, session=None):
    """POST the file; retry transport failures with the same key. Return the final `requests.Response`."""
    session = session or requests.Session()
    params = {"mode": mode} if mode else {}
    if kind:
        params["kind"] = kind
    if year is not None:
        params["year"] = year
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": _TYPES.get(path.suffix.lower(), "application/octet-stream"),
        "Idempotency-Key": key or str(uuid.uuid4()),
    }
    body = path.read_bytes()
    for attempt in range(retries + 1):
        try:
            r = session.post(
                f"{url.rstrip('/')}/api/v1/networks/{code}/batches", params=params, data=body, headers=headers, timeout=timeout
            )
            if r.status_code not in _RETRY_STATUSES or attempt == retries:
                return r
        except (requests.ConnectionError, requests.Timeout):
            if attempt == retries:
                raise
        time.sleep(min(2**attempt, 30))
    raise AssertionError("unreachable")


class ForeignReport(ValueError):
    """The hub answered a report address that is not on the hub's own host."""


def report_url(url: str, report_path: str) -> str:
    """The report's address on the hub: `url` and the path the hub answered. A path that would lead
    to another host ('@evil.example/x', '//evil.example/x', an absolute URL) raises ForeignReport, so
    the province's token is never sent anywhere but to the hub it named."""
    base = url.rstrip("/")
    target = f"{base}{report_path}"
    if not report_path.startswith("/") or report_path.startswith("//") or urlsplit(target).netloc != urlsplit(base).netloc:
        raise ForeignReport(f"the hub answered a report address not on {base} ({report_path!r}); not followed")
    return target


def wait_for(url, report_path, token, *, poll=1.0, timeout=3600, session=None):
    session = session or requests.Session()
    deadline = time.monotonic() + timeout
    target = report_url(url, report_path)
    while True:
        r = session.get(target, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        r.raise_for_status()
        report = r.json()
        if report["state"] in ("done", "failed") or time.monotonic() > deadline:
            return report
        time.sleep(poll)


def print_report(report: dict) -> None:
    counts = report.get("counts") or {}
    click.echo(f"batch {report['id']}  network {report['network']}  {report.get('kind')} {report.get('mode')}  state {report['state']}")
    if counts:
        click.echo("  ".join(f"{k} {v:,}" for k, v in counts.items()))
    w = report.get("withdrawal")
    if w:
        click.echo(f"withdrawal: {w['action']} — {w['reason']}" + (f" (hold {w['hold']})" if w.get("hold") else ""))
    if report.get("not_found"):
        click.echo(f"not found (nothing to delete): {', '.join(report['not_found'][:20])}")
    if report.get("repeated_headers"):
        click.echo(f"header repeated (not a record): {', '.join(report['repeated_headers'][:20])}")
    if report.get("message"):
        click.echo(f"message: {report['message']}")
    if report.get("rejected"):
        click.echo(f"\nrejected records ({len(report['rejected'])}):")
        echo_table(["source id", "field", "reason"], [[e["source_id"] or "", e["field"] or "", e["reason"]] for e in report["rejected"]])


@click.command()
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(["upsert", "delete", "snapshot"]), help="What the batch is (instruments; default upsert).")
@click.option("--token", envvar="HUB_TOKEN", required=True, help="Bearer token (or $HUB_TOKEN).")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, envvar="HUB_URL", help="The hub's base URL.")
@click.option("--kind", type=click.Choice(["instruments", "service"]), default=None, help="service: yearly service statistics.")
@click.option("--year", type=int, help="The year of service statistics.")
@click.option("--idempotency-key", "key", help="Reuse a key to retry a batch safely (default: a new UUID; retries reuse it).")
@click.option("--wait/--no-wait", default=True, show_default=True, help="For a 202 answer, poll the report until it is done.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def push(code, file, mode, token, url, kind, year, key, wait, as_json):
    """Push FILE (.json, .csv or .xml) to network CODE. Exit 0: all accepted; 1: records rejected or the
    batch failed; 2: refused; 7: the hub could not be reached."""
    if kind != "service" and mode is None:
        mode = "upsert"
    r = send(url, code, file, token=token, mode=mode, kind=kind, year=year, key=key)
    try:
        data = r.json()
    except ValueError:
        data = {"detail": r.text[:500]}
    if r.status_code not in (200, 202):
        line, column = data.get("line"), data.get("column")
        detail = str(data.get("detail") or data)
        # The hub's detail usually names the place already ("CSV body at line 3, column 7: …").
        where = "" if not line or f"line {line}" in detail else f" (line {line}" + (f", column {column})" if column else ")")
        click.echo(f"refused: HTTP {r.status_code}: {detail}{where}", err=True)
        return exit_codes.USAGE.code
    if r.status_code == 202 and wait:
        click.echo(f"accepted for background processing: {data['report']}", err=True)
        try:
            data = wait_for(url, data["report"], token)
        except ForeignReport as exc:
            click.echo(f"error: {exc}", err=True)
            return exit_codes.FAILED.code
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    elif "counts" in data:
        print_report(data)
    else:
        click.echo(f"batch {data['id']} {data['state']}: report at {url.rstrip('/')}{data['report']}")
    if data.get("state") == "failed":
        return exit_codes.FAILED.code
    return exit_codes.FAILED.code if data.get("rejected") else exit_codes.OK.code


COMMANDS = [push]
