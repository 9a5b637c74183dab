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

A question confined to one network (`network=…`) is first filed under that network's part of the
state alone (its version and last listing, the store and the names): a harvest committing batches
in another province every few seconds then leaves its answers standing. Its documents are then all
the answer reads, unless it reads the lexicon of every network's names (q spelt in pinyin, or too
few results, so checked for a slip); whether it does is decided by the question and that network's
documents alone, so the confined tag then holds a note saying so and the answer is filed under the
whole state as any other.
"""

from __future__ import annotations

import hashlib
import tempfile
from importlib import metadata
from dataclasses import dataclass
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


#: The state's rows every answer depends on, whichever networks it reads: the store, and the
#: networks' names (labels of every network are sent). The others are one network's each.
EVERY_ANSWER = ("store", "name")

_STATE = union_all(
    # Which store: versions start over in a store created again at the same URL.
    select(literal("store"), literal(""), _IDENTITY.c.id),
    select(literal("version"), _V.c.network, cast(_V.c.version, String)),
    select(literal("listed"), LISTINGS.c.network, cast(LISTINGS.c.listed_at, String)),
    select(literal("name"), _N.c.code, _N.c.name),
)


def confined_to(state: tuple, network: str) -> tuple:
    """The part of `state` an answer about `network`'s documents alone depends on."""
    url, rows = state
    return (url, tuple(row for row in rows if row[0] in EVERY_ANSWER or row[1] == network))


@dataclass(frozen=True)
class Tags:
    """The tags an answer may be filed under: `whole` (the whole catalogue's state) and, for a question
    confined to one network, `confined` (that network's part of it)."""

    whole: str
    confined: str | None = None

    def any_of(self, tags) -> str | None:
        """The tag among `tags` (werkzeug's ETags of an If-None-Match) that still names the answer, if
        one does: a confined tag is only ever sent with an answer that read nothing else. Compared
        weakly, as RFC 9110 has If-None-Match compared: a proxy that compresses an answer marks its
        tag weak (W/"…"), and its clients then never got a 304."""
        return next((t for t in (self.confined, self.whole) if t is not None and tags.contains_weak(t)), None)


def tags(kind: str, params, state: tuple, network: str | None) -> Tags:
    confined = etag(kind, params, confined_to(state, network)) if network else None
    return Tags(etag(kind, params, state), confined)


def etag(kind: str, params, state: tuple) -> str:
    """A strong validator of the answer to `params` in `state` given by this code and configuration:
    equal only when all are."""
    return hashlib.blake2b(repr((kind, params, state, code_and_configuration())).encode("utf-8"), digest_size=16).hexdigest()


#: Libraries whose data reads a query (traditional characters, pinyin): a release may read one otherwise.
QUERY_LIBRARIES = ("opencc-python-reimplemented", "pypinyin")


@lru_cache(maxsize=1)
def code_and_configuration() -> str:
    """A fingerprint of what else shapes an answer — the hub's code, conf/ (synonyms, the network
    registry's names), the code tables under mappings/ and the versions of QUERY_LIBRARIES — so
    that answers shared on disk by an older deployment are never served by a newer one."""
    from hub.config import conf_dir, mappings_dir

    digest = hashlib.blake2b(digest_size=16)
    for library in QUERY_LIBRARIES:
        digest.update(f"{library}\0{metadata.version(library)}\0".encode())
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


#: Filed under a confined tag when the answer read every network: look under the whole tag.
#: (An answer is a JSON object: it never starts with a NUL.)
READ_EVERY_NETWORK = b"\0read every network"


class Answers:
    """Answers by tag (an `etag`): in memory, and in `directory` when one is given."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self._memory = Lru(MEMORY_ANSWERS)
        self._shelf = Shelf(self.directory, SHARED_BYTES)

    def _kept(self, tag: str, compute: Callable[[], bytes]) -> bytes:
        """The answer filed under `tag`, or `compute()`'s, filed."""
        body = self._get(tag)
        return body if body is not None else self._put(tag, compute())

    def answer(self, tags: Tags, compute: Callable[[], tuple[bytes, bool]]) -> tuple[str, bytes]:
        """(tag, answer): kept under the confined tag when there is one and the answer read no other
        network, else under the whole tag. `compute()` gives the answer and whether it read every
        network."""
        if tags.confined is None:
            return tags.whole, self._kept(tags.whole, lambda: compute()[0])
        body = self._get(tags.confined)
        if body is None:
            body, every_network = compute()
            if not every_network:
                return tags.confined, self._put(tags.confined, body)
            self._put(tags.confined, READ_EVERY_NETWORK)
            return tags.whole, self._put(tags.whole, body)
        if body == READ_EVERY_NETWORK:
            return tags.whole, self._kept(tags.whole, lambda: compute()[0])
        return tags.confined, body

    def _get(self, tag: str) -> bytes | None:
        body = self._memory.get(tag)
        if body is None:
            body = self._shelf.get(tag)
            if body is not None:
                self._memory.put(tag, body)
        return body

    def _put(self, tag: str, body: bytes) -> bytes:
        self._memory.put(tag, body)
        self._shelf.set(tag, body)
        return body
