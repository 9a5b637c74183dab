"""Whole answers of the catalogue search API, kept until the catalogue changes, with their ETag.

A search answer is a pure function of its parameters and of the catalogue's state: every network's
search version (`hub.search.versions`, bumped in the transaction of every write that changes a
document, a cluster or what a record shows), every network's last settled listing (which moves the
"last seen" a record shows) and the networks' names (their labels). So the answer is kept as the
bytes sent, keyed by both, and a repeated question costs three small queries and a look-up instead
of a search, twenty records and a serialisation; nothing expires by time, and an answer is never
older than the state it is filed under (the state is read before the answer is computed).

Kept twice: this process's most recent answers in memory, and — so that a question one gunicorn
worker answered is not searched again by the next — every answer in a directory the processes
serving the same store on this host share (a `diskcache.Cache`, size-bounded, least recently stored
out). A process that cannot use the directory keeps answers in memory only.

The same key, hashed, is the answer's ETag: a client that sends it back in `If-None-Match` gets a
304 without a search as long as the catalogue has not changed.
"""

from __future__ import annotations

import hashlib
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Callable

from sqlalchemy import String, cast, literal, select, union_all

from hub.search.cache import Lru
from hub.search.shelf import Shelf
from hub.search.tables import versions as _V
from hub.store.listings import LISTINGS
from hub.store.models import Network, StoreIdentity

_N = Network.__table__
_IDENTITY = StoreIdentity.__table__

#: This process's answers in memory (a page of 20 records with its facets is 30–60 KB).
MEMORY_ANSWERS = 256
#: The shared directory's size bound: older answers are dropped first beyond it.
SHARED_BYTES = 256 * 2**20


def catalogue_state(conn) -> tuple:
    """What every answer depends on besides its parameters: the store (its URL and identity), its
    networks' search versions, last listings and names (one statement). Read before the answer is
    computed."""
    rows = conn.execute(_STATE).all()
    return (conn.engine.url.render_as_string(hide_password=False), tuple(sorted(rows)))


_STATE = union_all(
    # Which store: versions start over in a store created again at the same URL.
    select(literal("store"), literal(""), _IDENTITY.c.id),
    select(literal("version"), _V.c.network, cast(_V.c.version, String)),
    select(literal("listed"), LISTINGS.c.network, cast(LISTINGS.c.listed_at, String)),
    select(literal("name"), _N.c.code, _N.c.name),
)


def etag(kind: str, params, state: tuple) -> str:
    """A strong validator of the answer to `params` in `state` given by this code and configuration:
    equal only when all are."""
    return hashlib.blake2b(repr((kind, params, state, code_and_configuration())).encode("utf-8"), digest_size=16).hexdigest()


@lru_cache(maxsize=1)
def code_and_configuration() -> str:
    """A fingerprint of what else shapes an answer — the hub's code, conf/ (synonyms, the network
    registry's names) and the code tables under mappings/ — so that answers shared on disk by an
    older deployment are never served by a newer one."""
    from hub.config import conf_dir, mappings_dir

    digest = hashlib.blake2b(digest_size=16)
    roots = [(Path(__file__).resolve().parents[2], "*.py"), (conf_dir(), "*"), (mappings_dir() / "codes", "*")]
    for root, pattern in roots:
        for path in sorted(root.rglob(pattern)) if root.is_dir() else []:
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def default_directory(database_url: str) -> Path:
    """Where the processes serving `database_url` on this host share their answers by default."""
    digest = hashlib.blake2b(database_url.encode("utf-8"), digest_size=8).hexdigest()
    return Path(tempfile.gettempdir()) / f"hub-answers-{digest}"


class Answers:
    """Answers by tag (an `etag`): in memory, and in `directory` when one is given."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self._memory = Lru(MEMORY_ANSWERS)
        self._shelf = Shelf(self.directory, SHARED_BYTES)

    def kept(self, tag: str, compute: Callable[[], bytes]) -> bytes:
        """The answer filed under `tag`, or `compute()`'s, filed."""
        body = self._memory.get(tag)
        if body is None:
            body = self._shelf.get(tag)
            if body is not None:
                self._memory.put(tag, body)
        if body is None:
            body = self._memory.put(tag, compute())
            self._shelf.set(tag, body)
        return body
