"""Whole answers of the catalogue search API, kept until the catalogue changes, with their ETag.

A search answer is a pure function of its parameters and of the catalogue's state: every network's
search version (`hub.search.versions`, bumped in the transaction of every write that changes a
document, a cluster or what a record shows), every network's last settled listing (which moves the
"last seen" a record shows) and the networks' names (their labels). So the answer is kept as the
bytes sent, keyed by both, and a repeated question costs two small queries and a dictionary look-up
instead of a search, twenty records and a serialisation; nothing expires by time, and an answer is
never older than the state it is filed under (the state is read before the answer is computed).

The same key, hashed, is the answer's ETag: a client that sends it back in `If-None-Match` gets a
304 without a search as long as the catalogue has not changed.
"""

from __future__ import annotations

import hashlib
from typing import Callable

from sqlalchemy import select

from hub.search import versions
from hub.search.cache import Lru
from hub.search.labels import network_names
from hub.store.listings import LISTINGS


def catalogue_state(conn) -> tuple:
    """What every answer depends on besides its parameters: the store, its networks' search versions,
    last listings and names. Read before the answer is computed."""
    listed = tuple(conn.execute(select(LISTINGS.c.network, LISTINGS.c.listed_at).order_by(LISTINGS.c.network)).all())
    names = tuple(sorted(network_names(conn).items()))
    return (conn.engine.url.render_as_string(hide_password=False), versions.current(conn), listed, names)


def etag(kind: str, params, state: tuple) -> str:
    """A strong validator of the answer to `params` in `state`: equal only when both are."""
    return hashlib.blake2b(repr((kind, params, state)).encode("utf-8"), digest_size=16).hexdigest()


def kept(tag: str, compute: Callable[[], bytes]) -> bytes:
    """The answer filed under `tag` (an `etag`), or `compute()`'s, filed."""
    body = _ANSWERS.get(tag)
    return body if body is not None else _ANSWERS.put(tag, compute())


#: Up to 256 answers per process (a page of 20 records with its facets is 30–60 KB).
_ANSWERS = Lru(256)
