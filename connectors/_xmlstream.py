"""Safe streaming of an XML export out of an HttpClient response (design rules 5 and 6).

`iter_children(...)` yields the direct children of the root element one at a time and frees each
before reading on, so a tens-of-MB export costs the memory of one record. It refuses any document
with a DOCTYPE or ENTITY declaration (how XXE and entity bombs arrive) before the parser sees it,
and again at the root element for a DOCTYPE hidden behind a long prolog. A gzip body sent without
`Content-Encoding` (a `.xml.gz` served as a file) is recognised by its magic bytes and inflated under
the same size cap. Every failure becomes a `ConnectorError`; records already yielded stay valid.
"""

from __future__ import annotations

import zlib

from lxml import etree

from hub import safexml
from hub.errors import ConnectorError
from hub.http import BodyTooLarge

_HEAD = 4096
_GZIP_MAGIC = b"\x1f\x8b"


class _Prefixed:
    """A file object that replays the already-read `head` and then continues with `stream`."""

    def __init__(self, head: bytes, stream):
        self._head, self._stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._stream.read(size)


class _Gunzip:
    """Inflates a gzip stream read from a capped stream; the cap also bounds the inflated bytes."""

    def __init__(self, stream, cap: int, network: str):
        self._stream, self._cap, self._network = stream, cap, network
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.inflated = 0

    def read(self, size: int = -1) -> bytes:
        while True:
            if self._inflater.unconsumed_tail:
                chunk = self._inflater.decompress(self._inflater.unconsumed_tail, 64 * 1024)
            else:
                raw = self._stream.read(64 * 1024)
                if not raw:
                    if not self._inflater.eof:
                        raise ConnectorError(self._network, "gzip body broken off before its end", "truncated")
                    return b""
                try:
                    chunk = self._inflater.decompress(raw, 64 * 1024)
                except zlib.error as exc:
                    raise ConnectorError(self._network, f"gzip body is corrupt: {exc}", "malformed") from None
            self.inflated += len(chunk)
            if self.inflated > self._cap:
                raise BodyTooLarge(self._network, f"inflated body exceeds the {self._cap}-byte cap", "too_large")
            if chunk or self._inflater.eof:
                return chunk


def _read_head(stream) -> bytes:
    head = b""
    while len(head) < _HEAD:
        chunk = stream.read(_HEAD - len(head))
        if not chunk:
            break
        head += chunk
    return head


def safe_source(http, stream, *, what: str):
    """The body as a file object for iterparse: a gzip body sent without `Content-Encoding` is
    inflated (under the cap), an empty one is an error, and a DOCTYPE or ENTITY is refused unread."""
    network = http.network
    source = stream
    head = _read_head(stream)
    if head.startswith(_GZIP_MAGIC):
        source = _Gunzip(_Prefixed(head, stream), http.settings["max_body_bytes"], network)
        head = _read_head(source)
    if not head.strip():
        raise ConnectorError(network, f"{what} is empty", "malformed")
    if safexml.has_doctype(head):
        raise ConnectorError(
            network, f"{what} declares a DOCTYPE or ENTITY; refused unread (XML from networks never needs one)", "unsafe_xml"
        )
    return _Prefixed(head, source)


def iter_children(http, response, *, what: str, encoding: str | None = None, tags=None):
    """Yield `(root, child)` for each direct child element of the document root, then free it.

    `what` names the document in messages (`instrument export`); `encoding` overrides the XML
    declaration when a network declares one encoding and sends another; `tags`, when given, are the
    only child names wanted (lxml then reports no events for the elements inside them: much faster).
    """
    network = http.network
    stream = http.stream(response)
    try:
        source = safe_source(http, stream, what=what)
        extra = {"encoding": encoding} if encoding else {}
        if tags:
            extra["tag"] = tags
        events = safexml.iterparse(source, events=("end",), **extra)
        checked = False
        try:
            for _event, element in events:
                root = element.getparent()
                if root is None:
                    continue  # the end of the document element itself
                if not checked:
                    if element.getroottree().docinfo.doctype:
                        raise ConnectorError(network, f"{what} declares a DOCTYPE after its prolog; refused", "unsafe_xml")
                    checked = True
                if root.getparent() is not None:
                    continue  # inside a record: the record's own end event comes later
                yield root, element
                # Free what was parsed: this element and the siblings before it.
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del root[0]
        except etree.XMLSyntaxError as exc:
            raise syntax_failure(network, what, exc) from None
    finally:
        stream.close()


#: What libxml2 says when a document passes its safety limits (not a cut or a typo): elements nested
#: deeper than 256, a text node over 10 MB. lxml's huge_tree would lift them; we keep them.
_LIMITS = ("Excessive depth", "Resource limit exceeded", "huge text node", "Huge input lookup")


def syntax_failure(network: str, what: str, exc: etree.XMLSyntaxError) -> ConnectorError:
    """The `ConnectorError` for a document the parser gave up on. A record past the parser's limits
    is named as such: calling it "truncated or corrupt" sent operators looking for a broken transfer.
    (lxml drops its partial tree on the error, so the line and column are all that locate it.)"""
    if any(sign in str(exc) for sign in _LIMITS):
        return ConnectorError(
            network,
            f"{what} goes past the XML parser's safety limits at line {exc.lineno}, column {exc.position[1]} "
            f"(elements nested more than 256 deep, or one text over 10 MB), so nothing after it can be read: {exc}",
            "malformed",
        )
    return ConnectorError(network, f"{what} is not well-formed XML (truncated or corrupt): {exc}", "malformed")


def local_name(element) -> str:
    tag = element.tag
    # Most exports use no namespace; QName is only needed for "{uri}name".
    return tag if tag[0] != "{" else etree.QName(tag).localname
