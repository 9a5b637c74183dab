"""Each network's text index as posting lists packed by token, on PostgreSQL: what a nation-wide
question with a query reads instead of each match's row.

PostgreSQL's GIN index finds a word's matches in milliseconds, but naming them (their docid) and
testing the score's field probes reads each match's heap row, 1.3 KB of tsvector: a second or more
for HPLC's 156,000 matches among a million (docs/catalogue.md, "Where PostgreSQL's first-time second
goes"). Here one row holds a token's documents in one network: their docids (4 bytes each) and the
weight labels the token carries in each (1 byte, `LABEL_BIT`), in the same order. A
question reads its tokens' rows by primary key — HPLC's seven tokens are 3.7 MB — and answers the
match and every probe with array operations (`answer`): ~30 ms.

Exact, as the kept answers are. A network's lists are written in one transaction together with the
index version they were read at (`search_posting_sets`), so they hold exactly the documents of that
version. A question uses a network's lists only where that version is the one its own transaction
read (`hits`'s `state`), and asks the GIN index about every other network through their tags. Every
write to a network's documents bumps its version (hub.search.versions), so its lists go stale at
once and are written again:

- by `index_all` (a rebuild, and the migration that creates them), for every network;
- at the end of each harvest, for its network (hub.harvest.pipeline);
- by the scheduler's `search_lists` job (hub.ops.schedule), for networks that changed otherwise
  (pushes, duplicate resolution, remaps), at most once a `REFRESH_AFTER` per network and never while
  a harvest of the network is running (its end writes them).

SQLite keeps its own posting lists (FTS5): nothing here runs there.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError

from hub.clock import now
from hub.search.model_numbers import FAMILY_FIELD, is_family, stem
from hub.search.tables import FIELDS, docs, posting_sets, postings, stale, versions
from hub.store.bulk import dialect_insert

log = logging.getLogger(__name__)

#: The bit of each weight label in a posting's label byte (and in `backends`' tsvector masks).
LABEL_BIT = {"A": 1, "B": 2, "C": 4, "D": 8}
_FIELD_BIT = {name: LABEL_BIT[label] for name, label, _ in FIELDS} | {"tags": LABEL_BIT["D"]}
#: A network's lists are written again by the scheduler's job at most this often (a network taking a
#: push every few seconds would otherwise be rebuilt on every run: ~2.5 s each at a million).
REFRESH_AFTER = timedelta(minutes=1)

# One row per (token, network): the token's documents and its labels in each, in one order (the two
# aggregates see the rows of a group in the same order). No order asked for: a question scatters them
# into arrays by docid, and sorting 3 million postings per network doubled the build (5.2 → 2.8 s).
_BUILD = text(
    """
    INSERT INTO search_postings (token, network, docids, labels)
    SELECT u.lexeme, d.network,
           string_agg(int4send(d.docid), ''::bytea),
           string_agg(set_byte('\\x00'::bytea, 0,
                        ('A' = ANY(u.weights))::int | (('B' = ANY(u.weights))::int << 1)
                        | (('C' = ANY(u.weights))::int << 2) | (('D' = ANY(u.weights))::int << 3)),
                      ''::bytea)
    FROM search_docs AS d, unnest(d.tsv) AS u
    WHERE d.network = :network
    GROUP BY u.lexeme, d.network
    """
)
# The lists of these tokens with the version each network's lists hold, and every network that has
# lists (a token it lacks is in none of its documents): one statement, so one snapshot of both. Run
# on psycopg's cursor with binary results: bytea as text is hex, twice the bytes and a decode (GC-MS's
# twelve tokens, 4.7 MB: 23 ms as text, 10 ms binary).
# A model family (hub.search.model_numbers) reads every token it begins, a range of the primary key
# in the token's "C" (byte) order, one `{begun}` term each: `LIKE ANY` scanned every list.
_READ = """
    SELECT s.network, s.version, p.token, p.docids, p.labels
    FROM search_posting_sets AS s
    LEFT JOIN search_postings AS p ON p.network = s.network AND (p.token = ANY(%(tokens)s){begun})
"""


def build(conn, network: str) -> None:
    """Write `network`'s lists in `conn`'s transaction, stamped with the version it reads. The caller
    makes the version and the documents one snapshot (a REPEATABLE READ transaction, or one that
    rewrote the documents itself)."""
    version = conn.execute(select(versions.c.version).where(versions.c.network == network)).scalar()
    # Taken first: a concurrent writer of the same lists waits here, then fails to serialise (refresh).
    up = dialect_insert(conn.dialect.name, posting_sets).values(network=network, version=version, built=now())
    conn.execute(up.on_conflict_do_update(index_elements=["network"], set_={"version": up.excluded.version, "built": up.excluded.built}))
    conn.execute(delete(postings).where(postings.c.network == network))
    # Room to aggregate a network in memory (~15 MB at 33,000 documents) rather than spill to disk.
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    conn.execute(_BUILD, {"network": network})


def networks_with_documents(conn) -> list[str]:
    return list(conn.execute(select(docs.c.network).distinct().where(docs.c.network.is_not(None))).scalars())


def build_all(conn) -> None:
    """Every network's lists, in `conn`'s transaction (which rewrote every document: `index_all`)."""
    if not _keeps_lists(conn.dialect.name):
        return
    conn.execute(delete(postings))
    conn.execute(delete(posting_sets))
    for network in networks_with_documents(conn):
        build(conn, network)


def stale_networks(conn, *, quiet_for: timedelta | None = None) -> list[str]:
    """Networks whose lists are missing or older than their documents. `quiet_for`: only those whose
    lists were written longer ago than this, and with no harvest running (its end writes them)."""
    built = {n: (v, t) for n, v, t in conn.execute(select(posting_sets.c.network, posting_sets.c.version, posting_sets.c.built))}
    current = dict(conn.execute(select(versions.c.network, versions.c.version)).all())
    harvesting = set(conn.execute(select(stale.c.network)).scalars()) if quiet_for else set()
    out = []
    for network in sorted(set(current) | set(built) | (set() if built else set(networks_with_documents(conn)))):
        version, at = built.get(network, (None, None))
        if network in built and version == current.get(network):
            continue
        if quiet_for and (network in harvesting or (at is not None and now() - at < quiet_for)):
            continue
        out.append(network)
    return out


def _keeps_lists(dialect_name: str) -> bool:
    # PostgreSQL only: SQLite's FTS5 keeps posting lists of its own.
    return dialect_name == "postgresql"


def kept(store) -> bool:
    """Whether `store` keeps posting lists of its own (PostgreSQL; SQLite's FTS5 has its own)."""
    return _keeps_lists(store.dialect)


def refresh(store, networks=None, *, quiet_for: timedelta | None = None) -> list[str]:
    """Write again the lists of every stale network (of `networks`, when given); each network in a
    REPEATABLE READ transaction of its own. Returns the networks written. PostgreSQL only.

    A question asks the text index about every network without current lists by its tag, found in
    its versions or its lists' row: a network with documents always has one or the other, as every
    write bumps the version (a bulk build, `index_all`, too, and then writes every list)."""
    if not kept(store):
        return []
    with store.read() as conn:
        todo = stale_networks(conn, quiet_for=quiet_for)
    if networks is not None:
        todo = [n for n in todo if n in set(networks)]
    done = []
    for network in todo:
        try:
            with store.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
                build(conn, network)
            done.append(network)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "40001":
                # Never wrong, only slower: questions ask the text index about a network without current lists.
                log.warning("posting lists of %s not written: %s", network, exc.orig)
                continue
            log.info("posting lists of %s written by another process meanwhile", network)
    return done


def read(conn, tokens, state: tuple) -> tuple[set[str], set[str], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """(networks whose lists hold the documents of the version in `state`, networks whose lists are
    older, each token's (docids, labels) over the first). A family among `tokens` reads the lists of
    every token it begins."""
    asked_at = dict(state)
    fresh: set[str] = set()
    older: set[str] = set()
    parts: dict[str, list] = {}
    # The question's own connection and transaction, through its driver cursor (binary results).
    tokens = set(tokens)
    stems = sorted(stem(t) for t in tokens if is_family(t))
    asked: dict = {"tokens": sorted(t for t in tokens if not is_family(t))}
    for i, begun in enumerate(stems):  # letters and digits: the next string in byte order ends the range
        asked |= {f"from{i}": begun, f"to{i}": begun[:-1] + chr(ord(begun[-1]) + 1)}
    ranges = "".join(f" OR (p.token >= %(from{i})s AND p.token < %(to{i})s)" for i in range(len(stems)))
    with conn.connection.dbapi_connection.cursor(binary=True) as cursor:
        cursor.execute(_READ.format(begun=ranges), asked)
        rows = cursor.fetchall()
    for network, version, token, ids, labels in rows:
        if version != asked_at.get(network):
            older.add(network)
            continue
        fresh.add(network)
        if token is not None:
            parts.setdefault(token, []).append((np.frombuffer(ids, dtype=">i4"), np.frombuffer(labels, dtype=np.uint8)))
    lists = {
        token: (np.concatenate([i for i, _ in got]).astype(np.int64), np.concatenate([labels for _, labels in got]))
        for token, got in parts.items()
    }
    return fresh, older, lists


def answer(lists: dict[str, tuple[np.ndarray, np.ndarray]], clauses, probes, tags=()) -> tuple[np.ndarray, np.ndarray]:
    """(docids, bits) of the documents in `lists` matching every clause and carrying every tag, as
    `PostgresText.hits` gives them: bit i says whether the document matches probe i, a (field, clause)
    pair — every token of one of the clause's alternatives carrying the field's label."""
    if not lists or any(tag not in lists for tag in tags):  # a tag in none of them: a stale network's recount
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    size = 1 + max(int(ids.max()) for ids, _ in lists.values() if len(ids))
    dense: dict[str, np.ndarray] = {}

    def labels_of(token: str) -> np.ndarray:
        """Each docid's labels of `token` (0: not in the document); of a family, the model field's
        label where a token it begins is in that field, as the tsquery `'7890':*B` asks."""
        if token not in dense:
            d = np.zeros(size, dtype=np.uint8)
            if is_family(token):
                begun = stem(token)
                for other, (ids, labels) in lists.items():
                    if other.startswith(begun):
                        d[ids] |= labels & _FIELD_BIT[FAMILY_FIELD]  # a token's docids are distinct
            elif token in lists:
                ids, labels = lists[token]
                d[ids] = labels
            dense[token] = d
        return dense[token]

    match = np.ones(size, dtype=bool)
    for clause in clauses:
        either = np.zeros(size, dtype=bool)
        for alt in clause.essential:
            every = labels_of(alt[0]) != 0
            for token in alt[1:]:
                every &= labels_of(token) != 0
            either |= every
        match &= either
    for tag in tags:
        match &= labels_of(tag) != 0
    found = np.flatnonzero(match).astype(np.int64)

    # The probes on the matches alone: the labels every token of an alternative shares, per match.
    shared_of: dict = {}
    bits = np.zeros(len(found), dtype=np.int64)
    for i, (field, clause) in enumerate(probes):
        if clause not in shared_of:
            shared = []
            for alt in clause.essential:
                common = labels_of(alt[0])[found]
                for token in alt[1:]:
                    common &= labels_of(token)[found]
                shared.append(common)
            shared_of[clause] = shared
        bit = _FIELD_BIT[field]
        hit = np.zeros(len(found), dtype=bool)
        for common in shared_of[clause]:
            hit |= (common & bit) != 0
        bits |= hit.astype(np.int64) << i
    return found, bits


def tokens_of(clauses, probes, tags=()) -> set[str]:
    return {t for c in [*clauses, *(clause for _, clause in probes)] for alt in c.essential for t in alt} | set(tags)
