"""Family `tabular`: a register published as one or more spreadsheet files (CSV or XLSX) at URLs.

Most registers in the world — a university's equipment list in the UK's Uniquip template, a
province's or a unit's sheet in the national reporting fields — are a file on a web server. This
family reads them by configuration alone (docs/connectors.md, `tabular`):

* Each file is requested with the ETag / Last-Modified of the last complete listing
  (`validators`). When every file answers 304, the run raises `SourceUnchanged`: one request a
  file, nothing read, nothing changed. When any file changed, every file is read (a full listing
  needs all of them), the unchanged ones fetched again without conditions.
* A body is spooled to a temporary file as it arrives (bounded memory whatever its size), then read
  by `hub.tabular` — the reader the push feed and `hub mapping check` use too.
* A file is *proven complete* only when its transfer is (a Content-Length that matches, or a chunked
  body that ended properly) and its format is (the XLSX zip archive is whole; the CSV does not end
  inside a quoted field). Anything less ends the listing with a `ConnectorError` after the rows that
  could be read: they are kept and nothing is withdrawn.
* Rows have no id of their own (`ids_from_mapping`): the mapping's `source_id` — a column, a
  composition of columns or a digest — gives it, and the harvest reports rows whose id repeats.
* A row that is the header again (a concatenated export) is left out by the harvest, as by the push
  feed (`table_rows`, `Mapping.table_records`).

Payload: header cell (trimmed) → cell text (trimmed), every column of the row, as sent.
"""

from __future__ import annotations

import os
import tempfile
from urllib.parse import urljoin, urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates

from connectors import register
from connectors._options import encoding_field
from connectors.base import Connector, RawRecord, SourceUnchanged
from hub import reasons
from hub.decoding import declared_charset
from hub.errors import ConnectorError
from hub.tabular import FORMATS, TableError, TableFile, read_table, sniff_format

_CHUNK = 256 * 1024


class _Sheet(fields.Field):
    """A sheet name, or its 1-based position in the workbook."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, int) and value < 1):
            raise ValidationError("expected a sheet name or a 1-based sheet number")
        return value


class TabularOptions(Schema):
    #: The files of the register: absolute URLs or paths under base_url. Read in this order.
    files = fields.List(fields.String(validate=validate.Length(min=1)), required=True, validate=validate.Length(min=1))
    #: `auto` (an xlsx name, a spreadsheet content type or zip bytes → xlsx, else csv), `csv` or `xlsx`.
    format = fields.String(load_default="auto", validate=validate.OneOf(("auto", *FORMATS)))
    #: The row that holds the column names (1-based); rows above it (titles, notes) are ignored.
    header_row = fields.Integer(load_default=1, validate=validate.Range(1, 1000))
    #: XLSX: the sheet to read (a name or a 1-based number); default the first.
    sheet = _Sheet(load_default=None)
    #: CSV: the field separator.
    delimiter = fields.String(load_default=",")
    encoding = encoding_field()
    #: Send If-None-Match / If-Modified-Since from the last complete listing.
    conditional = fields.Boolean(load_default=True)

    @validates("delimiter")
    def _one_char(self, value, **kwargs):
        if len(value) != 1:
            raise ValidationError("expected one character, e.g. ',' or ';' or a tab")


def _name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1] or url


@register("tabular")
class TabularConnector(Connector):
    supports_incremental = False
    conditional = True
    ids_from_mapping = True
    table_rows = True
    options_schema = TabularOptions

    def urls(self) -> list[str]:
        base = (self.network.base_url or "").rstrip("/") + "/"
        return [urljoin(base, f.lstrip("/")) if "://" not in f else f for f in self.options["files"]]

    # ------------------------------------------------------------------ transport

    def _conditions(self, url: str) -> dict:
        if not self.options["conditional"]:
            return {}
        seen = self.validators.get(url) or {}
        headers = {}
        if seen.get("etag"):
            headers["If-None-Match"] = seen["etag"]
        if seen.get("last_modified"):
            headers["If-Modified-Since"] = seen["last_modified"]
        return headers

    def _spool(self, url: str, response) -> tuple[str, str | None, dict]:
        """Write the body to a temporary file; (path, problem with the transfer or None, validators)."""
        handle, path = tempfile.mkstemp(prefix="hub-tabular-", suffix=".part")
        stream = self.http.stream(response)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    out.write(chunk)
        except BaseException:
            os.unlink(path)
            raise
        finally:
            stream.close()
        headers = response.headers
        problem = None
        length = headers.get("Content-Length")
        coding = headers.get("Content-Encoding") not in (None, "", "identity")
        if length is not None and not coding and os.path.getsize(path) != int(length):
            problem = f"{_name(url)}: {os.path.getsize(path)} of {length} bytes arrived"
        elif length is None and "chunked" not in headers.get("Transfer-Encoding", "").lower():
            # Read until the server closed: a cut connection looks exactly like the end.
            problem = f"{_name(url)}: sent without a Content-Length or chunked encoding, so its end cannot be proven"
        validators = {k: v for k, v in (("etag", headers.get("ETag")), ("last_modified", headers.get("Last-Modified"))) if v}
        return path, problem, validators

    def _fetch_all(self) -> list[tuple[str, object]]:
        """(url, response) per file, conditionally; raises SourceUnchanged when every file is unchanged."""
        answers = [(url, self.http.get(url, headers=self._conditions(url))) for url in self.urls()]
        if all(r.status_code == 304 for _, r in answers):
            for _, r in answers:
                r.close()
            raise SourceUnchanged(f"{len(answers)} file(s) not modified since the last complete listing")
        out = []
        for url, response in answers:
            if response.status_code == 304:
                response.close()
                response = self.http.get(url)  # another file changed: this one must be read again too
            out.append((url, response))
        return out

    # ------------------------------------------------------------------ listing

    def list_records(self, since=None):
        # `since` is ignored: a file is always the whole register (supports_incremental False).
        incomplete = []
        validators = {}
        for url, response in self._fetch_all():
            path, problem, found = self._spool(url, response)
            try:
                yield from self._rows(url, path, response, incomplete)
            finally:
                os.unlink(path)
            if problem:
                incomplete.append(problem)
            validators[url] = found
        if incomplete:
            raise ConnectorError(
                self.network.code, "the register is not proven complete, nothing is withdrawn: " + "; ".join(incomplete), "incomplete"
            )
        self.validators = validators

    def _rows(self, url, path, response, incomplete):
        name = _name(url)
        with open(path, "rb") as fh:
            head = fh.read(8)
        fmt = self.options["format"]
        if fmt == "auto":
            fmt = sniff_format(head, name, response.headers.get("Content-Type"))
        info = TableFile(fmt)
        try:
            for row in read_table(
                path,
                fmt,
                info,
                header_row=self.options["header_row"],
                sheet=self.options["sheet"],
                delimiter=self.options["delimiter"],
                declared=declared_charset(response.headers.get("Content-Type")),
                override=self.options["encoding"],
            ):
                where = (reasons.PLACE_FILE_LINE if fmt == "csv" else reasons.PLACE_FILE_ROW)(file=name, number=row.number)
                yield RawRecord(f"({where})", row.cells, where=where, problem=row.problem and f"{where}: {row.problem}")
        except TableError as exc:
            raise ConnectorError(self.network.code, f"{name}: {exc}", "incomplete" if not info.complete else "malformed") from None
        finally:
            self.notes.extend(f"{name}: {note}" for note in info.notes)
        if not info.complete:
            incomplete.append(f"{name}: {info.incomplete}")

    # ------------------------------------------------------------------ the rest

    def service_stats(self, year: int):
        # A register is a list of instruments; its statistics, if any, are pushed (docs/push.md).
        # An empty year, not a failure: `hub harvest --year` over every network must not fail here.
        self.notes.append("the tabular family publishes no service statistics")
        return iter(())

    def probe(self) -> None:
        """One HEAD-like request: the first file, its body left unread."""
        response = self.http.get(self.urls()[0])
        response.close()
