"""Pushed bodies → items: a JSON array, a CSV export or `nrii` XML (push.md), checked before use.

`scan(body, ...)` reads the whole body once and either raises `BodyError` — with the line and the
column where it stops making sense, so a province's staff can open the file there — or returns a
`Scanned` with the format, the encoding and the number of records. Nothing is applied before a body
has scanned clean. `items(body, scanned)` then yields one `Item` per record, one at a time: a JSON
element is decoded when it is reached, an XML element is freed after it is read.

Payload shapes (what mapping files address):
* JSON: each array element as sent (an object; in a delete batch a bare id string is allowed too);
* CSV: header cell → cell text, for each row;
* XML: each child of the document root: child element local name → text, its attributes as
  `name@attr` (`orgName@creditCode`, `contact@phone`), a repeated element (`subject`) → list of
  texts; attributes of the record element itself (`<nrii:service innerId=… year=…/>`) → plain keys.

Untrusted XML (design rule 6): a DOCTYPE or ENTITY declaration is refused before the parser sees the
body, and the parser itself runs with entity resolution, DTD loading and network access off.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Iterator

from lxml import etree

from hub import reasons, safexml
from hub.decoding import DecodingError, bom_encoding, declared_charset, decode
from hub.errors import HubError
from hub.tabular import XLSX_MAGIC, TableError, TableFile, read_xlsx

FORMATS = ("json", "csv", "xml", "xlsx")
_CONTENT_TYPES = {
    "application/json": "json",
    "text/json": "json",
    "text/csv": "csv",
    "application/csv": "csv",
    "text/comma-separated-values": "csv",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
_WS = " \t\r\n"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


class BodyError(HubError):
    """The body cannot be read as a batch. `line`/`column` are 1-based, or None when not about a place."""

    def __init__(self, fmt: str | None, message: str, line: int | None = None, column: int | None = None):
        self.format, self.message, self.line, self.column = fmt, message, line, column
        where = "" if line is None else f" at line {line}" + ("" if column is None else f", column {column}")
        super().__init__(f"{(fmt or 'body').upper()} body{where}: {message}")

    def as_dict(self) -> dict:
        return {"format": self.format, "line": self.line, "column": self.column, "reason": self.message}


@dataclass(frozen=True)
class Scanned:
    format: str
    encoding: str | None
    records: int
    #: The header's column names (CSV, XLSX), for checking that the id's column is there.
    columns: tuple[str, ...] | None = None


@dataclass
class Item:
    """One record of a body: its payload and where it starts (`line`), for reports."""

    payload: object
    line: int
    #: Set when the record is broken in a way the body as a whole is not (a CSV row with too many cells).
    problem: str | None = None
    #: The body ends inside this record (a CSV file cut mid-row): the batch is not a whole snapshot.
    cut: bool = False
    #: 1-based position in a JSON array whose records share lines (one written on a single line).
    element: int | None = None

    @property
    def where(self) -> str:
        """Where a province's staff find the record: its line, and in a JSON array its element."""
        if self.element is None:
            return reasons.PLACE_LINE(line=self.line)
        return reasons.PLACE_ELEMENT(line=self.line, element=f"{self.element:,}")


#: Content-Types that name no format — none, or what HTTP clients send when not told (curl's
#: `--data` sends a form type; Windows types a .csv file as an Excel one): the body's first bytes decide.
UNNAMED_TYPES = ("", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded", "application/vnd.ms-excel")
#: The first bytes of an old Excel (.xls) workbook, which the feed does not read, whatever its type says.
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class UnreadableType(HubError):
    """The Content-Type names a format the feed does not read (a PDF, an .xls, an image)."""

    def __init__(self, mime: str):
        super().__init__(
            f"the feed does not read {mime} bodies; send JSON, CSV, XML or XLSX "
            f"({', '.join(sorted(_CONTENT_TYPES))}), or no Content-Type to let the first bytes decide"
        )


def detect_format(content_type: str | None, body: bytes) -> str:
    """The Content-Type decides; without one that names a format (`UNNAMED_TYPES`) the first bytes
    do. A type naming another format is `UnreadableType`: a PDF sniffed as CSV was a batch of none."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _CONTENT_TYPES:
        return _CONTENT_TYPES[mime]
    if mime.endswith("+json"):
        return "json"
    if mime.endswith("+xml"):
        return "xml"
    if mime not in UNNAMED_TYPES:
        raise UnreadableType(mime)
    if body.startswith(XLS_MAGIC):
        raise UnreadableType("old Excel (.xls)")
    if body.startswith(XLSX_MAGIC):
        return "xlsx"
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return {b"[": "json", b"{": "json", b"<": "xml"}.get(head[:1], "csv")


def scan(body: bytes, fmt: str, *, content_type: str | None = None, encoding: str | None = None) -> Scanned:
    """Check the whole body; count its records. `encoding`: the network's override (CSV)."""
    if not body.strip():
        raise BodyError(fmt, "the body is empty")
    scanned = _SCANNERS[fmt](body, content_type, encoding)
    if scanned.records == 0:
        # A batch of nothing is no news a province means to send: a header without rows, or bytes
        # read in another charset than theirs (UTF-8 declared as utf-16 reads as one long line).
        read_as = f" (read as {scanned.encoding}: is that its charset?)" if scanned.encoding else ""
        raise BodyError(fmt, f"the body holds no records{read_as}")
    return scanned


def items(body: bytes, scanned: Scanned) -> Iterator[Item]:
    return _READERS[scanned.format](body, scanned)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _decode(body: bytes, fmt: str, content_type, override) -> tuple[str, str]:
    try:
        return decode(body, declared_charset(content_type), override)
    except DecodingError as error:
        if error.position is not None:  # a byte-order mark said which encoding; the message says where it breaks
            bad, message = error.position, str(error)
        else:
            # Name the first byte that breaks the encoding the body is closest to: the one that reads
            # further (a UTF-8 file with one GBK row breaks as UTF-8 at that row, as GB18030 at once).
            bad = 0
            for enc in ("utf-8", "gb18030"):
                try:
                    body.decode(enc)
                except UnicodeDecodeError as exc:
                    bad = max(bad, exc.start)
            message = f"bytes are neither UTF-8 nor GB18030 (byte 0x{body[bad]:02X} cannot be decoded)"
        line = body.count(b"\n", 0, bad) + 1
        column = bad - (body.rfind(b"\n", 0, bad) + 1) + 1
        raise BodyError(fmt, message, line, column) from None


# --------------------------------------------------------------------------- JSON


def _integer(digits: str) -> int | str:
    """A JSON integer; one too long for Python to convert (over 4,300 digits) is kept as its text,
    so that the mapping rejects that record's field by name instead of the whole batch failing."""
    limit = sys.get_int_max_str_digits()  # 0: no limit
    return digits if limit and len(digits.lstrip("-")) > limit else int(digits)


def _finite(digits: str) -> float | str:
    """A JSON number with a fraction or an exponent; one beyond a float's range (1e999) is kept as
    its text, as `_integer` keeps one too long: Python would read it as infinity, and an id or a name
    sent as 1e999 became the text "inf"."""
    value = float(digits)
    return value if math.isfinite(value) else digits


class _NotJson(ValueError):
    """NaN, Infinity or -Infinity: Python's reader takes them, JSON (RFC 8259) has none."""


def _no_constant(name: str):
    raise _NotJson(f"{name} is not JSON (RFC 8259 has no NaN or Infinity); send null, or the value as text")


def _json_elements(text: str) -> Iterator[tuple[object, int]]:
    """Yield (element, start offset) of a top-level JSON array without building the whole list."""
    decoder = json.JSONDecoder(parse_int=_integer, parse_float=_finite, parse_constant=_no_constant)
    n = len(text)
    pos = 0
    while pos < n and text[pos] in _WS:
        pos += 1
    if pos >= n or text[pos] != "[":
        line, col = _line_col(text, pos)
        raise BodyError("json", "expected an array of records ('[') at the top level", line, col)
    pos += 1
    expect_value = True
    first = True
    while True:
        while pos < n and text[pos] in _WS:
            pos += 1
        if pos >= n:
            line, col = _line_col(text, pos)
            raise BodyError("json", "the array is not closed (']' expected; truncated body?)", line, col)
        if text[pos] == "]" and (first or not expect_value):
            pos += 1
            break
        if text[pos] == "]":  # after a comma: the record it promised never came
            raise _trailing_comma(text, pos)
        if not expect_value:
            if text[pos] != ",":
                line, col = _line_col(text, pos)
                raise BodyError("json", "expected ',' or ']' after a record", line, col)
            pos += 1
            expect_value = True
            continue
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if exc.pos < n and text[exc.pos] in "]}" and text[: exc.pos].rstrip().endswith(","):
                raise _trailing_comma(text, exc.pos) from None
            raise BodyError("json", exc.msg, exc.lineno, exc.colno) from None
        except _NotJson as exc:
            line, col = _line_col(text, _constant_at(text, pos))
            raise BodyError("json", str(exc), line, col) from None
        except RecursionError:
            line, col = _line_col(text, pos)
            raise BodyError("json", "the record is nested too deeply", line, col) from None
        yield value, pos
        pos, expect_value, first = end, False, False
    while pos < n and text[pos] in _WS:
        pos += 1
    if pos < n:
        line, col = _line_col(text, pos)
        raise BodyError("json", "unexpected data after the array", line, col)


def _trailing_comma(text: str, closing: int) -> "BodyError":
    """The error for a comma right before `]` or `}` (as many serialisers and hand edits leave one),
    at the comma: Python's reader says "Expecting value" at the next line, which names neither."""
    comma = len(text[:closing].rstrip()) - 1
    line, col = _line_col(text, comma)
    said = f"a comma before the closing '{text[closing]}' (a trailing comma, which JSON does not allow): remove it"
    return BodyError("json", said, line, col)


_CONSTANT = re.compile(r"-?(?:NaN|Infinity)")


def _constant_at(text: str, start: int) -> int:
    """Where the first NaN or Infinity outside a string is, from `start` (the record's start)."""
    in_string = escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            in_string = escaped or ch != '"'
            escaped = not escaped and ch == "\\"
        elif ch == '"':
            in_string = True
        elif _CONSTANT.match(text, i):
            return i
    return start


def _scan_json(body, content_type, override):
    text, enc = _decode(body, "json", content_type, override)
    count = sum(1 for _ in _json_elements(text))
    return Scanned("json", enc, count)


def _read_json(body, scanned):
    text = body.decode(scanned.encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    # Most serialisers write the whole array on one line, where a line names no record: then each
    # record is also named by its element of the array.
    by_element = text.count("\n") < scanned.records
    line, last = 1, 0
    for element, (value, pos) in enumerate(_json_elements(text), 1):
        line += text.count("\n", last, pos)
        last = pos
        yield Item(value, line, element=element if by_element else None)


# --------------------------------------------------------------------------- CSV


def _csv_text(body, content_type, override):
    text, enc = _decode(body, "csv", content_type, override)
    return text, enc


def _csv_rows(text: str) -> Iterator[tuple[list[str], int]]:
    """(cells, first line) for each non-blank row; `strict` makes a stray quote an error."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield row, start
            start = reader.line_num + 1
    except csv.Error as exc:
        line, col = _csv_error_place(text, start)
        raise BodyError("csv", f"{exc} (check the quotes of this row)", line, col) from None


def _csv_error_place(text: str, start_line: int) -> tuple[int, int]:
    """Where the row starting at `start_line` goes wrong: a quote that never closes, or a character
    right after a closing quote. Follows the same quoting rules as the csv module's strict mode."""
    lines = text.split("\n")
    pos = sum(len(l) + 1 for l in lines[: start_line - 1])
    line, col = start_line, 1
    quoted, field_start, opened = False, True, (start_line, 1)
    i = pos
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    i += 2
                    col += 2
                    continue
                quoted = False
                nxt = text[i + 1] if i + 1 < len(text) else "\n"
                if nxt not in ",\r\n":
                    return line, col + 1
        elif ch == '"' and field_start:
            quoted, opened = True, (line, col)
        elif ch == '"':
            return line, col
        elif ch == "\n":
            return line, col  # the row ended without trouble here; the error is elsewhere
        field_start = ch == ","
        if ch == "\n":
            line, col = line + 1, 0
        i += 1
        col += 1
    return opened  # end of data inside a quoted field: point at the quote that opened it


def _header(rows) -> tuple[list[str], int]:
    try:
        header, line = next(rows)
    except StopIteration:
        raise BodyError("csv", "the body has no header row") from None
    header = [h.strip() for h in header]
    # A comma at the end of every line (many spreadsheet and vendor exports write one) is an empty
    # last column, not a column without a name: it is left out, and so are the rows' empty cells in it.
    while header and not header[-1]:
        header.pop()
    seen = {}
    for i, name in enumerate(header, 1):
        if not name:
            raise BodyError("csv", f"header cell {i} is empty; every column needs a name", line, None)
        if name in seen:
            raise BodyError("csv", f"column {name!r} appears twice in the header (cells {seen[name]} and {i})", line, None)
        seen[name] = i
    return header, line


def _scan_csv(body, content_type, override):
    text, enc = _csv_text(body, content_type, override)
    rows = _csv_rows(text)
    header, _ = _header(rows)
    return Scanned("csv", enc, sum(1 for _ in rows), tuple(header))


def _read_csv(body, scanned):
    text = body.decode(scanned.encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = _csv_rows(text)
    header, _ = _header(rows)
    # A CSV has no closing markup; a last row short of cells with no line break after it is the one
    # sign that the file was cut short (a whole last row may well lack the final line break).
    ends_open = not text.endswith(("\n", "\r"))
    last = None
    for cells, line in rows:
        if last is not None:
            yield last
        if len(cells) > len(header) and not any(c.strip() for c in cells[len(header) :]):
            cells = cells[: len(header)]  # the trailing comma's empty cells (`_header`)
        if len(cells) != len(header):
            # Kept as a record (its id is usually in the first cells) so that the report names it.
            problem = f"the row has {len(cells)} cells but the header has {len(header)} columns"
            last = Item(dict(zip(header, cells)), line, problem)
        else:
            last = Item(dict(zip(header, cells)), line)
    if last is not None:
        if ends_open and last.problem and len(last.payload) < len(header):
            last.problem += "; the body ends inside this row: the file was cut short"
            last.cut = True
        yield last


# --------------------------------------------------------------------------- XML


def _refuse_dtd(body: bytes) -> None:
    m = _DTD.search(body[:65536])
    if m:
        line = body.count(b"\n", 0, m.start()) + 1
        col = m.start() - (body.rfind(b"\n", 0, m.start()) + 1) + 1
        raise BodyError("xml", "DOCTYPE and ENTITY declarations are refused (an nrii feed never needs one); nothing was read", line, col)


def _xml_records(body: bytes, about: dict | None = None) -> Iterator[etree._Element]:
    """The record elements (the root's children), cleared once used. `about` receives the
    document's declared `encoding` at the end (the parser knows it only then)."""
    _refuse_dtd(body)
    depth = 0
    try:
        parsing = safexml.iterparse(io.BytesIO(body), events=("start", "end"))
        for event, element in parsing:
            if event == "start":
                depth += 1
                if depth == 1:
                    docinfo = element.getroottree().docinfo
                    if docinfo.doctype or docinfo.internalDTD is not None:
                        raise BodyError("xml", "DOCTYPE declarations are refused; nothing was read", element.sourceline, 1)
                continue
            depth -= 1
            if depth != 1:
                continue
            yield element
            root = element.getparent()
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del root[0]
        if about is not None:
            about["encoding"] = parsing.root.getroottree().docinfo.encoding
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (exc.lineno, None)
        raise BodyError("xml", exc.msg, line, col) from None


def _local(element) -> str:
    return etree.QName(element).localname


def xml_payload(element) -> dict:
    """One record element → its flat payload (see the module docstring)."""
    payload = {_local_attr(k): v for k, v in element.attrib.items()}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child)
        text = (child.text or "").strip() if len(child) == 0 else "".join(child.itertext()).strip()
        if name in payload:
            previous = payload[name]
            payload[name] = (previous if isinstance(previous, list) else [previous]) + [text]
        else:
            payload[name] = text
        for attr, value in child.attrib.items():
            payload[f"{name}@{_local_attr(attr)}"] = value
    return payload


def _local_attr(name: str) -> str:
    return name.split("}", 1)[-1]


def _scan_xml(body, content_type, override):
    about: dict = {}
    count = sum(1 for _ in _xml_records(body, about))
    # A byte-order mark first: the parser follows it, but names only a declared encoding.
    return Scanned("xml", bom_encoding(body) or _python_name(about.get("encoding") or "utf-8"), count)


def _python_name(encoding: str) -> str:
    """Python's name for an encoding the XML parser names (`GBK` → `gbk`), as the CSV and JSON
    reports name theirs; one Python does not know, lower-cased."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()


def _read_xml(body, scanned):
    for element in _xml_records(body):
        yield Item(xml_payload(element), element.sourceline or 0)


# --------------------------------------------------------------------------- XLSX
# Read by `hub.tabular`, the reader of the tabular family: the body goes to a temporary file (a zip
# archive is read from its end) and the sheet is streamed from there.


def _xlsx_rows(body: bytes, info: TableFile | None = None):
    import os
    import tempfile

    handle, path = tempfile.mkstemp(prefix="hub-push-", suffix=".xlsx")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        try:
            yield from read_xlsx(path, info or TableFile("xlsx"))
        except TableError as exc:
            raise BodyError("xlsx", str(exc)) from None
    finally:
        os.unlink(path)


def _scan_xlsx(body, content_type, override):
    info = TableFile("xlsx")
    records = sum(1 for _ in _xlsx_rows(body, info))
    return Scanned("xlsx", None, records, tuple(info.header))


def _read_xlsx(body, scanned):
    for row in _xlsx_rows(body):
        yield Item(row.cells, row.number, row.problem)


_SCANNERS = {"json": _scan_json, "csv": _scan_csv, "xml": _scan_xml, "xlsx": _scan_xlsx}
_READERS = {"json": _read_json, "csv": _read_csv, "xml": _read_xml, "xlsx": _read_xlsx}
