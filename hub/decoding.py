"""Deliberate decoding of bytes (design rule 7): never a guess that silently produces mojibake.

Order: a byte-order mark; the declared charset (from HTTP or the document), where the GBK family is
read as GB18030 and a declaration that cannot be right is not trusted; strict UTF-8; strict GB18030;
the network's override comes first when configured. Every failure names what was tried.
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
    pass


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


def decode(data: bytes, declared: str | None = None, override: str | None = None) -> tuple[str, str]:
    """Decode `data`; return (text, encoding used). Raise DecodingError naming what was tried."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc), enc
    candidates = []
    if override:
        candidates.append(normalise_charset(override) or override)
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
