"""Hostile inputs, named once, sent through every entry point of the hub.

Each entry is what a careless vendor, a broken export or an attacker can put in a field, a query
parameter, a path segment or a whole body. Tests parametrise over these lists by id, so a failure names
the input ("nul", "bom_then_garbage", …). The invariant every entry point keeps: no 5xx, no traceback or
SQL in a response, valid records of the same batch land, nothing stored changes for a rejected record.
"""

from __future__ import annotations

import gzip
import io

#: Text values a field, a query parameter or a form input may carry.
TEXT: dict[str, str] = {
    "nul": "质谱\x00仪",
    "control_chars": "a\x01b\x08c\x0bd\x0ce\x1bf\x7f",
    "xml_illegal": "\ufffe\uffff",
    "lone_surrogate": "\ud800",
    "zero_width": "液\u200b相\u200d色\ufeff谱",
    "right_to_left": "\u202egnp.exe",
    "cr_lf": "line\r\nSet-Cookie: x=1",
    "formula": '=HYPERLINK("http://127.0.0.1/","x")',
    "formula_plus": "+cmd|' /C calc'!A0",
    "sql_quote": "' OR 1=1 --",
    "fts_syntax": '"NEAR( AND OR * ^ :',
    "html": "<script>alert(1)</script>",
    "long_10mb": "长" * (10 * 1024 * 1024 // 3),
    "empty": "",
    "whitespace": " \t ",
}

#: Numbers as query parameters and path segments spell them.
NUMBERS: dict[str, str] = {
    "huge_int": "10000000000000000001",
    "int32_overflow": "2147483648",
    "int64_overflow": "9223372036854775808",
    # more digits than Python's decimal context carries (28): an amount rounded to fen overflows it
    "beyond_decimal_precision": "9" * 35,
    "negative": "-1",
    "float": "1.5",
    "exponent": "1e309",
    "nan": "NaN",
    "empty": "",
    "nul": "1\x00",
}

#: Path segments (already percent-encoded where a client would).
PATH_SEGMENTS: dict[str, str] = {
    "nul": "a%00b",
    "cr_lf": "a%0D%0Ab",
    "dot_dot": "..%2F..%2Fetc%2Fpasswd",
    "huge_int": NUMBERS["huge_int"],
    "lone_surrogate_bytes": "a%ED%A0%80b",
    "invalid_utf8": "a%FF%FEb",
}

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<r>&x;</r>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<r>&lol4;</r>"""

#: A byte-order mark followed by bytes that are valid in no encoding the BOM announces.
BOM_THEN_GARBAGE: dict[str, bytes] = {
    "utf8_bom": b"\xef\xbb\xbf\xff\xfe\xfd garbage \xc3",
    "utf16le_bom": b"\xff\xfe\x00\xd8",
    "utf16be_bom": b"\xfe\xff\xd8\x00",
}


def gzip_bomb(decompressed_bytes: int = 200 * 1024 * 1024) -> bytes:
    """A small gzip body that inflates to `decompressed_bytes` of zeros (about 1000:1)."""
    out = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        for _ in range(decompressed_bytes // len(chunk)):
            gz.write(chunk)
    return out.getvalue()


#: What no response body may ever contain: a traceback, or the SQL the store sent.
LEAK_MARKERS = ("Traceback (most recent call last)", "sqlalchemy", "psycopg", "sqlite3.", "INSERT INTO", "SELECT ")
