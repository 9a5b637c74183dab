"""CSV downloads read as a stream and decoded deliberately (design rules 5 and 7).

The encoding is chosen once from the first bytes: a BOM; the network's override; a trusted HTTP
charset (GBK read as GB18030, Latin-1 ignored); else strict UTF-8 if the head is UTF-8, else
GB18030. The rest is decoded strictly with that choice; a byte that does not fit fails the download
with a message naming the encoding, never mojibake.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from hub.decoding import normalise_charset, trusted_charset as trusted
from hub.errors import ConnectorError

_HEAD = 64 * 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def choose_encoding(head: bytes, content_type: str | None, override: str | None) -> tuple[str, int]:
    """(encoding, BOM length to skip)."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc, len(bom)
    if override:
        return normalise_charset(override) or override, 0
    m = re.search(r"charset\s*=\s*([^\s;]+)", content_type or "", re.I)
    declared = trusted(m.group(1)) if m else None
    if declared:
        return declared, 0
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
        return "utf-8", 0
    except UnicodeDecodeError:
        return "gb18030", 0


class _Raw(io.RawIOBase):
    """The head already read, then the rest of the capped stream, as a raw binary file."""

    def __init__(self, head: bytes, stream):
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _text(stream, content_type: str | None, override: str | None):
    head = b""
    while len(head) < _HEAD and (chunk := stream.read(_HEAD - len(head))):
        head += chunk
    encoding, skip = choose_encoding(head, content_type, override)
    # newline="" is what the csv module needs to keep quoted line breaks intact.
    return io.TextIOWrapper(io.BufferedReader(_Raw(head[skip:], stream)), encoding=encoding, errors="strict", newline=""), encoding


def iter_csv(http, response, *, what: str, override: str | None = None):
    """Yield `(line_number, row)` with row as header → value (header cells stripped, values stripped).
    Blank lines are skipped. Rows longer than the header keep the extra cells under `colN`."""
    stream = http.stream(response)
    try:
        text, encoding = _text(stream, response.headers.get("Content-Type"), override)
        reader = csv.reader(text)
        header = None
        try:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = [c.strip() for c in cells]
                    continue
                row = {}
                for i, value in enumerate(cells):
                    key = header[i] if i < len(header) and header[i] else f"col{i + 1}"
                    row[key] = value.strip()
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise ConnectorError(
                http.network,
                f"{what} is not valid {encoding} near line {reader.line_num}: {exc.reason} "
                "(set the network's `encoding` option if it is declared wrongly)",
                "decoding",
            ) from None
        except csv.Error as exc:
            raise ConnectorError(http.network, f"{what} is not valid CSV at line {reader.line_num}: {exc}", "malformed") from None
        if header is None:
            raise ConnectorError(http.network, f"{what} is empty (no header row)", "malformed")
    finally:
        stream.close()
