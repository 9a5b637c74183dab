"""Deliberate decoding of bytes (design rule 7): never a guess that silently produces mojibake.

Order: a byte-order mark; the declared charset (from HTTP or the document), where the GBK family is
read as GB18030 and a declaration that cannot be right is not trusted; strict UTF-8; strict GB18030;
the network's override comes first when configured. Every failure names what was tried.

An override naming a single-byte encoding (mac_roman, latin-1, cp1252 …) decodes *any* bytes, so
it never fails and would silently garble a file that is really UTF-8 (a partner that switched): such
an override is set aside, with a note, when the bytes are valid UTF-8 and not plain ASCII.

A page can also mix encodings: a GBK site whose template or one pasted field is UTF-8. Strict
GB18030 accepts most UTF-8 bytes and turns them into mojibake (`物理` → `鐗╃悊`), so text read as
GB18030 is checked a field at a time (`utf8_inside_gb18030`).
"""

from __future__ import annotations

import codecs
import re

from hub.errors import HubError

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
#: GBK and GB2312 are subsets of GB18030; reading them as GB18030 loses nothing and accepts the extra
#: characters vendors put in anyway.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030"}
#: Declarations that vendors set by default without meaning them: a Chinese page declared Latin-1 is
#: never Latin-1 (every byte sequence "decodes" and produces mojibake), so the declaration is ignored.
_UNTRUSTED = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_\-]+)["']""")


class DecodingError(HubError):
    """Bytes that cannot be read as text. `position`: offset of the first byte that breaks the
    encoding the bytes claim (a byte-order mark) or come closest to, when known."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


def normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, _SUPERSETS.get(canonical, canonical))


def trusted_charset(declared: str | None) -> str | None:
    """A declaration canonicalised (GBK as GB18030), or None when absent or not believable."""
    charset = normalise_charset(declared)
    return None if charset is None or charset in _UNTRUSTED else charset


def declared_charset(content_type: str | None, head: bytes = b"") -> str | None:
    """The charset a response declares: HTTP Content-Type first, then an XML declaration or a meta tag."""
    if content_type:
        header = re.search(r"charset\s*=\s*([^\s;]+)", content_type, re.I)
        if header:
            return header.group(1).strip("\"'")
    for pattern in (_XML_DECL, _META):
        inline = pattern.search(head[:2048])
        if inline:
            return inline.group(1).decode("ascii")
    return None


def single_byte(encoding: str) -> bool:
    """Whether `encoding` maps every byte to one character (so any byte string "decodes")."""
    try:
        return all(len(pair.decode(encoding, "replace")) == 2 for pair in (b"\xc3\xa9", b"\xb0\xa1", b"\x82\xa0"))
    except LookupError:
        return False


def overridable(encoding: str) -> bool:
    """Whether an override may win over bytes that are valid UTF-8 (not when it is single-byte)."""
    return not single_byte(encoding)


def _bom(data: bytes) -> tuple[bytes, str] | None:
    """(the byte-order mark `data` starts with, the encoding it names), or None."""
    return next(((bom, enc) for bom, enc in _BOMS if data.startswith(bom)), None)


def bom_encoding(data: bytes) -> str | None:
    """The encoding `data`'s byte-order mark names, or None."""
    found = _bom(data)
    return found[1] if found else None


def decode(data: bytes, declared: str | None = None, override: str | None = None, notes: list | None = None) -> tuple[str, str]:
    """Decode `data`; return (text, encoding used). Raise DecodingError naming what was tried.
    `notes`, when given, receives a sentence for every override set aside (see the module docstring)."""
    found = _bom(data)
    if found:
        bom, enc = found
        # A byte-order mark is a declaration nobody sets by accident: bytes that break it are an
        # error to report, not a reason to try other encodings.
        try:
            return data[len(bom) :].decode(enc), enc
        except UnicodeDecodeError as exc:
            at = len(bom) + exc.start
            raise DecodingError(
                f"the bytes start with a {enc.upper()} byte-order mark, but byte {at} "
                f"(0x{data[at]:02X}) is not valid {enc.upper()}: {exc.reason}",
                at,
            ) from None
    candidates = []
    if override:
        chosen = normalise_charset(override) or override
        if not overridable(chosen) and not data.isascii():
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if notes is not None:
                    notes.append(
                        f"the encoding override {override} was set aside: the bytes are valid UTF-8, which a "
                        f"single-byte {chosen} would have turned into mojibake; read as UTF-8"
                    )
                return text, "utf-8"
        candidates.append(chosen)
    if charset := trusted_charset(declared):
        candidates.append(charset)
    candidates += ["utf-8", "gb18030"]
    tried = []
    for enc in dict.fromkeys(candidates):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            tried.append(enc)
    raise DecodingError(f"bytes are not valid in any of: {', '.join(tried)} (declared {declared or 'nothing'})")


#: What Chinese catalogue text is made of beyond ASCII: Latin letters with accents (Brüel), Greek
#: (μm), punctuation, symbols (℃, ±, ≥), CJK punctuation, ideographs and full-width forms.
#: Not the rare ideographs of Extension A nor half-width katakana: chance readings of GBK land there.
_CATALOGUE_TEXT = re.compile(r"[\x00-\u024f\u0370-\u03ff\u2000-\u2bff\u3000-\u303f\u4e00-\u9fff\uff00-\uff60\uffe0-\uffe6]*")
_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")


def utf8_inside_gb18030(text: str) -> str | None:
    """The UTF-8 reading of `text`, a field of a page decoded as GB18030, when the field's bytes were
    UTF-8 all along; None when they were not. GB18030 decodes losslessly, so encoding the text again
    gives back the page's bytes. Short GBK text can be valid UTF-8 by chance (状态 is D7B4 CCAC, two
    UTF-8 characters U+05F4 U+032C), so the UTF-8 reading counts only when it is catalogue text with
    at least one ideograph: a chance reading lands in Hebrew, combining marks, Armenian …"""
    if text.isascii():
        return None
    try:
        repaired = text.encode("gb18030").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if repaired == text or not _CATALOGUE_TEXT.fullmatch(repaired) or not _IDEOGRAPH.search(repaired):
        return None
    return repaired
