"""Which charset declarations to believe (design rule 7), on top of `hub.decoding`.

`hub.decoding` lists the Latin-1 family it distrusts by alias (`iso-8859-1`, `latin-1`, …), but
`normalise_charset` turns a declaration into Python's canonical codec name (`iso8859-1`), which is
not on that list, so a page declared ISO-8859-1 would be read as Latin-1: mojibake. Comparing
canonical names on both sides closes that gap whatever spelling a server uses.
"""

from __future__ import annotations

from hub.decoding import _UNTRUSTED, normalise_charset

UNTRUSTED = frozenset(filter(None, (normalise_charset(name) for name in _UNTRUSTED))) | _UNTRUSTED


def trusted(declared: str | None) -> str | None:
    """The declaration, canonicalised (GBK as GB18030), or None when it is absent or not believable."""
    charset = normalise_charset(declared)
    return None if charset is None or charset in UNTRUSTED else charset
