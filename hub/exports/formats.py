"""Export writers: search results streamed as CSV, XLSX or JSON Lines, in constant memory.

Each writer takes an iterator of national records (hub.exports.record) and yields bytes, so a web
response or a file receives the catalogue row by row. Spreadsheet formula injection is neutralised
in CSV and XLSX: a text cell starting with = + - @ tab or CR gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from typing import Callable, Iterable, Iterator

import xlsxwriter

#: Flat columns of CSV and XLSX: (header, how to read it from a record).
COLUMNS: list[tuple[str, Callable[[dict], object]]] = [
    ("id", lambda r: r["id"]),
    ("network", lambda r: r["network"]),
    ("source_id", lambda r: r["source_id"]),
    ("cluster_id", lambda r: r["cluster_id"]),
    ("name", lambda r: r["name"]),
    ("name_en", lambda r: r["name_en"]),
    ("category", lambda r: r["category"]),
    ("model", lambda r: r["model"]),
    ("manufacturer", lambda r: r["manufacturer"]),
    ("country", lambda r: r["country"]),
    ("original_value", lambda r: r["original_value"]),
    *((f"value_foreign_{k}", (lambda k: lambda r: (r["value_foreign"] or {}).get(k))(k)) for k in ("amount", "currency")),
    ("commissioned", lambda r: r["commissioned"]),
    *((f"owner_{k}", (lambda k: lambda r: (r["owner"] or {}).get(k))(k)) for k in ("name", "credit_code", "type", "level")),
    *(
        (k, (lambda k: lambda r: (r["region"] or {}).get(k))(k))
        for k in ("province", "province_name", "city", "city_name", "county", "county_name")
    ),
    ("address", lambda r: r["address"]),
    ("postcode", lambda r: r["postcode"]),
    ("specs", lambda r: r["specs"]),
    ("functions", lambda r: r["functions"]),
    ("services", lambda r: r["services"]),
    ("acquisition", lambda r: r["acquisition"]),
    ("customs_supervised", lambda r: None if r["customs_supervised"] is None else str(r["customs_supervised"]).lower()),
    ("achievements", lambda r: r["achievements"]),
    ("sharing_rules", lambda r: r["sharing_rules"]),
    *((f"fee_{k}", (lambda k: lambda r: (r["fee"] or {}).get(k))(k)) for k in ("text", "amount", "unit")),
    ("booking_url", lambda r: r["booking_url"]),
    *((f"contact_{k}", (lambda k: lambda r: (r["contact"] or {}).get(k))(k)) for k in ("name", "phone", "email")),
    ("status", lambda r: r["status"]),
    ("sharing", lambda r: r["sharing"]),
    ("certifications", lambda r: ",".join(r["certifications"])),
    ("subjects", lambda r: ",".join(r["subjects"])),
    ("source_updated", lambda r: r["source_updated"]),
    ("first_seen", lambda r: r["provenance"]["first_seen"]),
    ("last_seen", lambda r: r["provenance"]["last_seen"]),
    ("job_id", lambda r: r["provenance"]["job_id"]),
    ("batch_id", lambda r: r["provenance"]["batch_id"]),
]
NUMERIC = {"original_value", "fee_amount", "value_foreign_amount"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell a spreadsheet would read as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def flat(record: dict) -> list:
    return [neutralise(get(record)) for _, get in COLUMNS]


def csv_stream(records: Iterable[dict], batch: int = 500) -> Iterator[bytes]:
    """UTF-8 with a BOM, so spreadsheet programs show the Chinese."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([h for h, _ in COLUMNS])
    yield "\ufeff".encode() + buf.getvalue().encode()
    buf.seek(0), buf.truncate()
    for n, record in enumerate(records, 1):
        writer.writerow(flat(record))
        if n % batch == 0:
            yield buf.getvalue().encode()
            buf.seek(0), buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def jsonl_stream(records: Iterable[dict], batch: int = 200) -> Iterator[bytes]:
    """One national record per line (common schema + id + provenance); no neutralising: it is data, not a sheet."""
    lines = []
    for record in records:
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= batch:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def xlsx_stream(records: Iterable[dict], chunk: int = 1 << 16) -> Iterator[bytes]:
    """xlsxwriter in constant_memory mode writes row by row to a temporary file; the finished file is
    then streamed and removed. (An XLSX is a zip whose directory comes last, so no byte can be sent
    before the last row is written.)"""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": tempfile.gettempdir(),
            },
        )
        ws = wb.add_worksheet("instruments")
        bold = wb.add_format({"bold": True})
        headers = [h for h, _ in COLUMNS]
        ws.write_row(0, 0, headers, bold)
        numeric = [i for i, h in enumerate(headers) if h in NUMERIC]
        for r, record in enumerate(records, 1):
            row = flat(record)
            for c, value in enumerate(row):
                if value is None:
                    continue
                if c in numeric:
                    ws.write_number(r, c, float(value))
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        wb.close()
        with open(path, "rb") as fh:
            while block := fh.read(chunk):
                yield block
    finally:
        os.unlink(path)


#: format name → (writer, media type, file extension)
FORMATS = {
    "csv": (csv_stream, "text/csv; charset=utf-8", "csv"),
    "jsonl": (jsonl_stream, "application/jsonl; charset=utf-8", "jsonl"),
    "xlsx": (xlsx_stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
