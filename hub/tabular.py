"""Spreadsheets (CSV, XLSX) read as rows, from a file on disk, in bounded memory.

One reader for everything that takes a spreadsheet: the `tabular` connector family, the push feed
and `hub mapping check`. A file is read from disk (a download is spooled there first) because both
formats need it: the encoding of a CSV is chosen from the whole file, and an XLSX is a zip archive
whose directory is at its end.

* Decoding (design rule 7, `hub.decoding`): a byte-order mark; the network's override; a trusted
  declared charset; strict UTF-8; strict GB18030. An override naming a *single-byte* encoding
  (mac_roman, latin-1, cp1252 …) decodes every byte string, so it would silently turn a UTF-8 file
  into mojibake: when the whole file is valid UTF-8 and not plain ASCII, it is read as UTF-8 and
  the override is set aside **with a warning** (`TableFile.notes`), never silently.
* Completeness: a CSV that ends inside a quoted field, or an XLSX whose zip archive is not whole
  (missing directory, bad CRC), is not complete. `TableFile.complete` says so and `incomplete` why;
  the caller decides what that means (a harvest then withdraws nothing).
* XLSX: openpyxl in read-only mode streams the sheet's XML row by row (docs/connectors.md has the
  measurements and why it was chosen over python-calamine, which loads a whole sheet into memory).
* Rows: header cell (trimmed) → cell text (trimmed); a cell past the header is kept as `colN`; blank
  rows are skipped; rows above `header_row` are ignored.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import Iterator

from hub.decoding import normalise_charset, overridable, trusted_charset
from hub.errors import HubError

FORMATS = ("csv", "xlsx")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CHUNK = 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


class TableError(HubError):
    """The file cannot be read as a table at all (bad bytes, no header, not a workbook)."""


@dataclass
class Row:
    number: int  # 1-based line (CSV: where the row starts) or sheet row (XLSX)
    cells: dict
    problem: str | None = None


@dataclass
class TableFile:
    """What reading one file found besides its rows; filled in as the rows are read."""

    format: str
    encoding: str | None = None
    header: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    #: False when the file is provably cut short; `incomplete` then says how.
    complete: bool = True
    incomplete: str | None = None
    rows: int = 0


def sniff_format(head: bytes, name: str = "", content_type: str | None = None) -> str:
    """`xlsx` for a zip archive (or an xlsx name/type), else `csv`."""
    if head.startswith(XLSX_MAGIC) or name.lower().endswith(".xlsx") or "spreadsheetml" in (content_type or ""):
        return "xlsx"
    return "csv"


# --------------------------------------------------------------------------- decoding


def choose_encoding(path, declared: str | None, override: str | None) -> tuple[str, int, list[str]]:
    """(encoding, BOM bytes to skip, notes) for the CSV at `path`, reading it once in chunks."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        for bom, enc in _BOMS:
            if head.startswith(bom):
                return enc, len(bom), []
        fh.seek(0)
        utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        is_utf8, ascii_only = True, True
        while chunk := fh.read(_CHUNK):
            if ascii_only and not chunk.isascii():
                ascii_only = False
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            if not is_utf8 and not ascii_only:
                break
        if is_utf8:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:  # the file ends inside a multi-byte sequence
                is_utf8 = False
    notes = []
    if override:
        chosen = normalise_charset(override) or override
        if is_utf8 and not ascii_only and not overridable(chosen):
            notes.append(
                f"the encoding override {override} was set aside: the file is valid UTF-8, which a single-byte "
                f"{chosen} would have turned into mojibake; read as UTF-8 (remove the override if the source switched)"
            )
            return "utf-8", 0, notes
        return chosen, 0, notes
    if charset := trusted_charset(declared):
        return charset, 0, notes
    return ("utf-8" if is_utf8 else "gb18030"), 0, notes


# --------------------------------------------------------------------------- CSV


class _Lines:
    """The text's physical lines, remembering those of the record being read (for the EOF check)."""

    def __init__(self, text):
        self._text = text
        self.current: list[str] = []

    def __iter__(self):
        return self

    def __next__(self):
        line = self._text.readline()
        if not line:
            raise StopIteration
        self.current.append(line)
        return line


def _ends_inside_quotes(raw: str) -> bool:
    """Whether the last record's raw text stops inside a quoted field (strict RFC 4180 reading)."""
    try:
        for _ in csv.reader(io.StringIO(raw, newline=""), strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _cells(header, values) -> dict:
    row = {}
    for i, value in enumerate(values):
        key = header[i] if i < len(header) and header[i] else f"col{i + 1}"
        row[key] = value.strip() if isinstance(value, str) else value
    return row


def read_csv(
    path, info: TableFile, *, header_row: int = 1, delimiter: str = ",", declared: str | None = None, override: str | None = None
) -> Iterator[Row]:
    encoding, skip, notes = choose_encoding(path, declared, override)
    info.encoding = encoding
    info.notes.extend(notes)
    with open(path, "rb") as raw:
        raw.seek(skip)
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        lines = _Lines(text)
        # Non-strict: registers carry stray quotes (`5" monitor`) that strict mode refuses.
        reader = csv.reader(lines, delimiter=delimiter)
        header = None
        physical = 0
        # Each row is handed out once the next one is read, so that the last row, if the file is cut
        # inside it, goes out marked as cut instead of as a record with half a value.
        pending, last = None, ""
        try:
            for values in reader:
                start = physical + 1
                physical += len(lines.current)
                raw_text = "".join(lines.current)
                lines.current = []
                if header is None and start < header_row:
                    continue
                if not any(v.strip() for v in values):
                    continue
                if header is None:
                    header = info.header = [v.strip() for v in values]
                    continue
                problem = None
                if len(values) > len(header):
                    problem = f"line {start} has {len(values)} cells but the header has {len(header)} columns"
                info.rows += 1
                if pending is not None:
                    yield pending
                pending, last = Row(start, _cells(header, values), problem), raw_text
        except UnicodeDecodeError as exc:
            raise TableError(
                f"not valid {encoding} after line {physical}: {exc.reason} (set the network's `encoding` "
                "option if the file is declared wrongly)"
            ) from None
        if header is None:
            raise TableError(f"no header row (expected at line {header_row})")
        if pending is not None:
            if _ends_inside_quotes(last):
                info.complete = False
                info.incomplete = f"the file ends inside a quoted field (the row at line {pending.number} is cut)"
                pending.problem = f"line {pending.number}: the file ends inside this row's quoted field (the row is cut)"
            yield pending


# --------------------------------------------------------------------------- XLSX


def check_archive(path) -> str | None:
    """None when the XLSX zip archive is whole (directory present, every member's CRC right)."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"the XLSX archive is not whole: {exc}"
    if bad:
        return f"the XLSX archive is damaged: member {bad} fails its CRC check"
    return None


def _text(value) -> str:
    """A cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(path, info: TableFile, *, header_row: int = 1, sheet: str | int | None = None) -> Iterator[Row]:
    import openpyxl  # imported here: only spreadsheet readers pay for it

    problem = check_archive(path)
    if problem:
        info.complete, info.incomplete = False, problem
        raise TableError(problem)
    fh = open(path, "rb")  # a file object: openpyxl judges a path by its extension, a download has none
    try:
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError/ValueError/InvalidFileException on non-workbooks
        fh.close()
        raise TableError(f"not an XLSX workbook: {type(exc).__name__}: {exc}") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 1 <= sheet <= len(book.worksheets):
                raise TableError(f"sheet {sheet} does not exist (the workbook has {len(book.worksheets)})")
            ws = book.worksheets[sheet - 1]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise TableError(f"no sheet named {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        header = None
        for number, values in enumerate(ws.iter_rows(min_row=header_row, values_only=True), start=header_row):
            texts = [_text(v) for v in values]
            while texts and texts[-1] == "":
                texts.pop()
            if not texts:
                continue
            if header is None:
                header = info.header = texts
                continue
            info.rows += 1
            yield Row(number, _cells(header, texts))
        if header is None:
            raise TableError(f"no header row (expected at row {header_row} of sheet {ws.title!r})")
    finally:
        book.close()
        fh.close()


def read_table(
    path,
    fmt: str,
    info: TableFile | None = None,
    *,
    header_row: int = 1,
    sheet=None,
    delimiter: str = ",",
    declared: str | None = None,
    override: str | None = None,
) -> Iterator[Row]:
    """Rows of the file at `path` in format `fmt` (`csv` or `xlsx`); facts land in `info`."""
    info = info if info is not None else TableFile(fmt)
    if fmt == "xlsx":
        return read_xlsx(path, info, header_row=header_row, sheet=sheet)
    return read_csv(path, info, header_row=header_row, delimiter=delimiter, declared=declared, override=override)
