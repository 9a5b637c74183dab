"""Request bodies within a size limit: the app's default for every route, and a pushed batch read
within its own, gzip-compressed or not (docs/push.md "Limits", docs/operations.md "Request bodies").

Every route without a limit of its own reads at most `MAX_FORM_BYTES` (Flask's MAX_CONTENT_LENGTH,
set by `init_app`): a larger body is refused with 413 from its Content-Length, unread, or as soon as
a body without one (chunked) passes it — `BoundedRequest`, since Werkzeug's own stream for such a body
stops at the limit without a word and the form parser read the first MiB of a 3 MiB form as the
whole form. Werkzeug spools a multipart file part to a temporary file whatever its
size, so the public `POST /oai` took gigabytes to the server's disk. A route that takes more says so
on its request (`request.max_content_length`), as `read_body` and the evaluation API do.

`Content-Encoding: gzip` (or `x-gzip`) is inflated as it is read, chunk by chunk, with the output of
each step capped at what the limit still allows: a gzip bomb (a few kilobytes that inflate to
gigabytes) is refused with 413 after at most the limit has been inflated, never inflated whole. The
compressed bytes count against the same limit. Any other encoding is refused with 415 saying which
ones are accepted; `identity` is the same as none.
"""

from __future__ import annotations

import io
import zlib

from flask import Request, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property

from hub.web.errors import Problem

_CHUNK = 1024 * 1024
#: The largest body of any route without a limit of its own: the hub's forms and JSON requests are a
#: few hundred bytes (a token, a reason of at most 500 characters, an OAI-PMH resumption token).
MAX_FORM_BYTES = 1024 * 1024
#: Content-Encoding values a push may carry → whether the body is gzip.
ENCODINGS = {"identity": False, "gzip": True, "x-gzip": True}


def read_body(limit: int) -> bytes:
    """The request body (inflated when gzip), refused with 413 as soon as it is known to exceed
    `limit` bytes — before reading it when Content-Length says so — and 415 for an encoding not in
    `ENCODINGS`."""
    gzipped = _gzipped(request.headers.get("Content-Encoding"))
    too_large = f"the body exceeds the {limit:,}-byte limit of one batch; split it into several batches"
    declared = request.content_length
    if declared is not None and declared > limit:
        raise Problem(413, too_large, limit=limit)
    # This route's limit instead of the app's default; one byte over it, so that the loop below sees
    # a body past the limit and answers in its own words (Werkzeug's stream would refuse the read).
    request.max_content_length = limit + 1
    inflater = zlib.decompressobj(wbits=31) if gzipped else None  # 31: a gzip header and trailer
    stream, parts, size, read = request.stream, [], 0, 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - read))
        if not chunk:
            break
        read += len(chunk)
        if read > limit:
            raise Problem(413, too_large, limit=limit)
        if inflater is not None:
            chunk = _inflate(inflater, chunk, limit - size, too_large, limit)
        parts.append(chunk)
        size += len(chunk)
    if inflater is not None:
        tail = inflater.flush()
        if len(tail) + size > limit:
            raise Problem(413, too_large, limit=limit)
        parts.append(tail)
        if not inflater.eof:
            raise Problem(400, "the gzip body ends before its end marker (truncated upload?)")
    return b"".join(parts)


def _gzipped(header: str | None) -> bool:
    if not header:
        return False
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    unknown = [c for c in codings if c not in ENCODINGS]
    if unknown:
        raise Problem(
            415,
            f"Content-Encoding {', '.join(unknown)} is not accepted; send the body as it is or gzip-compressed (Content-Encoding: gzip)",
            accepted=sorted(ENCODINGS),
        )
    gzips = [c for c in codings if ENCODINGS[c]]
    if len(gzips) > 1:
        raise Problem(415, "the body is gzip-compressed more than once; compress it once")
    return bool(gzips)


def _inflate(inflater, chunk: bytes, room: int, too_large: str, limit: int) -> bytes:
    """Inflate `chunk`, producing at most `room` + 1 bytes at a time so a bomb never expands in memory."""
    out = []
    data = chunk
    while data:
        try:
            piece = inflater.decompress(data, room + 1)
        except zlib.error as exc:
            raise Problem(400, f"the body is not valid gzip ({exc})") from None
        room -= len(piece)
        if room < 0:
            raise Problem(413, f"{too_large} (inflated from gzip)", limit=limit)
        out.append(piece)
        data = inflater.unconsumed_tail
        if inflater.eof and inflater.unused_data:
            raise Problem(400, "the gzip body has data after its end; send one gzip member")
    return b"".join(out)


class _AtMost(io.RawIOBase):
    """A body sent without Content-Length, refused with 413 as soon as it passes `limit` bytes."""

    def __init__(self, stream, limit: int):
        self._stream, self._left = stream, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # One byte past what is left, so that a body of exactly `limit` bytes passes and one more is seen.
        data = self._stream.read(min(len(buffer), self._left + 1))
        if len(data) > self._left:
            raise RequestEntityTooLarge()
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


class BoundedRequest(Request):
    """Flask's request, whose body sent without Content-Length (chunked: the server marks it
    `wsgi.input_terminated`) is refused past the route's limit instead of cut at it. Werkzeug's
    `LimitedStream(is_max=True)` raises only when read again after the limit; its `readall`, which
    the form parser uses, stops there and returns the first MiB as if it were the body (werkzeug 3.1).
    The limit is read when the body is first read, so a route's own (`read_body`) counts."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if "wsgi.input_terminated" in self.environ and self.content_length is None and limit is not None:
            return io.BufferedReader(_AtMost(self.environ["wsgi.input"], limit))
        return super().stream


def init_app(app) -> None:
    """Every route's default limit, unless the app's config names its own, enforced on bodies with
    and without a Content-Length."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES
    app.request_class = BoundedRequest
