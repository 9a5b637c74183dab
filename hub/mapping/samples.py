"""Sample files → raw payloads, read the way the families read them, for `hub mapping check`.

| suffix | read as | payload |
|---|---|---|
| `.json` | a JSON array, or JSON lines | each element as sent |
| `.csv`, `.xlsx` | `hub.tabular` (the tabular family's and the push feed's reader) | header cell → cell text |
| `.xml` | each child of the document root (`hub.feed.parse`: sdyq-xml, nrii) | element name → text, attributes as `name@attr` |
| `.html`, `.htm` | one yqlm-html detail page (`connectors.yqlm_html`) | detail-table label → text |

`encoding` overrides the decoding exactly as the network's `encoding` option does (for XML it
replaces the declaration). Every sample yields `(where, payload)`; `where` names the line or row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hub.decoding import DecodingError, decode
from hub.errors import HubError
from hub.tabular import TableError, TableFile, read_table, sniff_format

SUFFIXES = (".json", ".jsonl", ".csv", ".xlsx", ".xml", ".html", ".htm")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


class SampleError(HubError):
    pass


def _json(path: Path, encoding):
    data = path.read_bytes()
    try:
        text, _ = decode(data, None, encoding)
    except DecodingError as exc:
        raise SampleError(f"{path}: {exc}") from None
    text = text.lstrip("\ufeff")
    try:
        if text.lstrip().startswith("["):
            return [(f"item {i}", item) for i, item in enumerate(json.loads(text), start=1)]
        return [(f"line {n}", json.loads(line)) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    except json.JSONDecodeError as exc:
        raise SampleError(f"{path}: expected a JSON array or JSON lines: {exc}") from None


def _table(path: Path, encoding, sheet, header_row, notes):
    with open(path, "rb") as fh:
        fmt = sniff_format(fh.read(8), path.name)
    info = TableFile(fmt)
    try:
        rows = [
            (f"{'line' if fmt == 'csv' else 'row'} {row.number}", row.cells)
            for row in read_table(path, fmt, info, header_row=header_row, sheet=sheet, override=encoding)
        ]
    except TableError as exc:
        raise SampleError(f"{path}: {exc}") from None
    notes.extend(info.notes)
    if not info.complete:
        notes.append(f"the file is not complete: {info.incomplete}")
    return rows


def _xml(path: Path, encoding):
    from hub.feed import parse

    data = path.read_bytes()
    if encoding:
        data = _XML_DECL.sub("", data.decode(encoding)).encode("utf-8")
    try:
        return [(f"line {item.line}", item.payload) for item in parse.items(data, parse.Scanned("xml", None, 0))]
    except parse.BodyError as exc:
        raise SampleError(f"{path}: {exc}") from None


def _html(path: Path, encoding):
    from connectors._html import decode_page
    from connectors.yqlm_html import detail_payload

    try:
        text, _ = decode_page(path.read_bytes(), None, encoding)
    except DecodingError as exc:
        raise SampleError(f"{path}: {exc}") from None
    payload, problem = detail_payload(text)
    if problem:
        raise SampleError(f"{path}: {problem}")
    return [("page", payload)]


def read_sample(
    path, *, encoding: str | None = None, sheet=None, header_row: int = 1, notes: list | None = None
) -> list[tuple[str, object]]:
    """[(where, payload)] of a sample file, by its suffix (see the module docstring)."""
    path = Path(path)
    notes = notes if notes is not None else []
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        return _json(path, encoding)
    if suffix in (".csv", ".xlsx"):
        return _table(path, encoding, sheet, header_row, notes)
    if suffix == ".xml":
        return _xml(path, encoding)
    if suffix in (".html", ".htm"):
        return _html(path, encoding)
    raise SampleError(f"{path}: unknown sample type {suffix!r}; expected one of {', '.join(SUFFIXES)}")
