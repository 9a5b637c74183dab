"""The text index on each backend, behind one small interface (a registry by dialect name).

Both strategies receive tokens already computed in Python and answer the same boolean questions —
"does the document contain all of these tokens", "…all of them in field F" — so SQLite and PostgreSQL
agree on which documents match and on every score built from those answers.

Query strings handed to FTS5 / tsquery are built only from tokens (letters, digits, CJK), each one
quoted; user text never reaches either query language. A model family (`7890*`,
hub.search.model_numbers) is asked as a prefix of the model and manufacturer field's tokens.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from sqlalchemy import bindparam, cast, column, delete, literal_column, select, table, text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType

from hub.search import lanes, postings
from hub.search.model_numbers import FAMILY_FIELD, is_family, stem
from hub.search.tables import FIELDS, docs
from hub.search.tags import FILTER as _TAG_FILTER
from hub.store.bulk import insert_many
from hub.store.chunks import among

_WEIGHT_LABEL = {name: label for name, label, _ in FIELDS} | {"tags": "D"}  # tags never collide with words
_POSITION = {"A": 1, "B": 2, "C": 3, "D": 4}
#: A weight label's bit: in the masks the tsvector literal is written from, and in the label byte of
#: PostgreSQL's posting lists (one definition, so the two agree).
_LABEL_BIT = postings.LABEL_BIT
#: A set of labels (bit mask of _LABEL_BIT) → its lexeme's positions in a tsvector literal (":1A,3C").
_POSITIONS_OF = {
    mask: ":" + ",".join(f"{_POSITION[label]}{label}" for label in sorted(_POSITION) if mask & _LABEL_BIT[label])
    for mask in range(1, 1 << len(_POSITION))
}


class SqliteText:
    """FTS5 table `search_fts(name, brand, body, place)`, rowid = search_docs.docid."""

    fts = table("search_fts", column("rowid"), column("name"), column("brand"), column("body"), column("place"), column("tags"))

    def clear(self, conn):
        conn.execute(text("DELETE FROM search_fts"))

    def optimize(self, conn):
        # After a rebuild, merge the many small b-trees of incremental inserts into one.
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES('optimize')"))

    def prune(self, conn):
        # Text rows whose document is gone (a repair after search_docs was emptied or damaged):
        # left in place, their rowids would collide with the documents written next.
        conn.execute(text("DELETE FROM search_fts WHERE rowid NOT IN (SELECT docid FROM search_docs)"))

    def remove(self, conn, ids):
        # The documents' rowids first: a DELETE on FTS5 costs ~5 ms even when nothing matches (it
        # opens the index), and a harvest's new records have no document yet — 4 % of the time its
        # writes held SQLite's write lock went to deleting nothing.
        docids = conn.execute(select(docs.c.docid).where(among(docs.c.instrument_id, ids))).scalars().all()
        if docids:
            conn.execute(delete(self.fts).where(among(self.fts.c.rowid, docids)))

    @staticmethod
    def encode(fields: dict[str, list[str]]) -> dict[str, str]:
        # Padded with spaces so that `instr(field, ' token ')` tests a whole token (see field_matches).
        return {f: f" {' '.join(toks)} " for f, toks in fields.items()}

    def insert(self, conn, documents):
        """Write `(search_docs columns, encode(fields))` pairs."""
        rows = [cols for cols, _ in documents]
        # One executemany, then one SELECT for the new docids: RETURNING in parameter order would
        # make SQLite run one INSERT per row.
        insert_many(conn, docs, rows)
        ids = [cols["instrument_id"] for cols in rows]
        docid_of = dict(conn.execute(select(docs.c.instrument_id, docs.c.docid).where(among(docs.c.instrument_id, ids))).all())
        insert_many(conn, self.fts, [{"rowid": docid_of[cols["instrument_id"]], **text} for cols, text in documents])

    @staticmethod
    def _expr(alternatives) -> str:
        return " OR ".join("(" + " AND ".join(_fts_term(t) for t in alt) + ")" for alt in alternatives)

    def _matching(self, expression: str) -> ColumnElement:
        sub = (
            select(literal_column("rowid"))
            .select_from(text("search_fts"))
            .where(text("search_fts MATCH :m").bindparams(bindparam("m", expression, unique=True)))
        )
        return docs.c.docid.in_(sub)

    def _all(self, clauses, tags) -> str:
        return " AND ".join([f"({self._expr(c.essential)})" for c in clauses] + [f'"{t}"' for t in tags])

    def matches(self, clauses, tags) -> ColumnElement:
        return self._matching(self._all(clauses, tags))

    def scored_from(self, many: bool = False):
        """FROM clause of the page query: each candidate's stored field text, read by rowid (`many`:
        none, see field_match_sql)."""
        return docs if many else docs.join(self.fts, self.fts.c.rowid == docs.c.docid)

    def _in_field(self, clause, field: str) -> str:
        return f"{field} : ({self._expr(clause.essential)})"

    def hits(self, conn, clauses, probes, tags=(), state: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(docids, bits) of the documents matching every clause and carrying every tag, docids
        ascending; bit i of a document's bits says whether it matches probe i, a (field, clause) pair.
        Each set is read from the index as one string of rowids and intersected in memory
        (hub.search.in_memory). `state`: the index versions `conn` read, when given the reads are
        spread over connections that hold the same (`hub.search.lanes`)."""
        expressions = [self._all(clauses, tags)]
        expressions += [" AND ".join([self._in_field(clause, field), *(f'"{t}"' for t in tags)]) for field, clause in probes]
        reads = [partial(self._rowids, expression=e) for e in expressions]
        # No match: the probes are not needed.
        sets = lanes.spread(conn, state, reads, enough=lambda i, found: i == 0 and not len(found))
        found = sets[0]
        bits = np.zeros(len(found), dtype=np.int64)
        if len(found):
            for i, of in enumerate(sets[1:]):
                bits |= _members(found, of).astype(np.int64) << i
        return found, bits

    @staticmethod
    def _rowids(conn, expression: str) -> np.ndarray:
        # One value, not a row per match: fetching 100,000 rows cost more than the index's lookup.
        joined = conn.execute(text("SELECT group_concat(rowid) FROM search_fts WHERE search_fts MATCH :m"), {"m": expression}).scalar()
        if not joined:
            return np.empty(0, dtype=np.int64)
        rowids = np.fromstring(joined, dtype=np.int64, sep=",")
        # The index gives rowids in order, but nothing documents that group_concat keeps it: checked
        # (~0.2 ms for 250,000), and sorted only when not — the sort was ~12 ms of CPU a question.
        return rowids if (rowids[1:] > rowids[:-1]).all() else np.sort(rowids)

    def field_match_sql(self, clause, field: str, many: bool = False) -> str:
        if many:
            # Many candidates (a nation-wide question): the column filter `field : (…)` answered once
            # by the index, each candidate looked up in its rowids. Searching the stored text of each
            # of 30,000–60,000 candidates was 0.5–1 s at a million; the index's set, even of 650,000
            # rowids, ~0.1 s. For a few thousand candidates the stored text is the cheaper.
            expression = _sql_string(self._in_field(clause, field))
            return f"(search_docs.docid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH {expression}))"
        # Checked on the candidate's own stored tokens (space-padded, space-separated): the same
        # question as the column filter `field : (…)`, without building a posting-list set as large
        # as every document containing the words.
        return (
            "("
            + " OR ".join(
                "(" + " AND ".join(f"instr(search_fts.{field}, {_sql_string(' ' + t + ' ')}) > 0" for t in alt) + ")"
                for alt in clause.essential
            )
            + ")"
        )


class PostgresText:
    """Column `search_docs.tsv` (GIN-indexed); a field is a tsvector weight label (A–D)."""

    def clear(self, conn):
        # A full rebuild: maintaining the GIN index row by row costs far more than building it
        # once at the end (optimize). Both happen inside the rebuild's transaction.
        conn.execute(text("DROP INDEX IF EXISTS ix_search_docs_tsv"))

    def optimize(self, conn):
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_search_docs_tsv ON search_docs USING gin (tsv)"))

    def prune(self, conn):
        pass  # the text lives in search_docs itself: nothing can be left behind

    def remove(self, conn, ids):
        pass

    @staticmethod
    def vector(fields: dict[str, list[str]]) -> str:
        """tsvector literal: each lexeme once, one position per field it occurs in, carrying the
        field's weight. Lexemes are given verbatim: no PostgreSQL parser or dictionary touches them."""
        # The labels of a lexeme as a bit mask, whose written positions are looked up: a set and a
        # sort per lexeme made this literal half of a PostgreSQL harvest's CPU before the write.
        masks: dict[str, int] = {}
        for field, tokens in fields.items():
            bit = _LABEL_BIT[_WEIGHT_LABEL[field]]
            for t in tokens:
                masks[t] = masks.get(t, 0) | bit
        return " ".join([_quote(t) + _POSITIONS_OF[m] for t, m in masks.items()])

    def encode(self, fields: dict[str, list[str]]) -> str:
        return self.vector(fields)

    def insert(self, conn, documents):
        """Write `(search_docs columns, encode(fields))` pairs."""
        insert_many(conn, docs, [{**cols, "tsv": vector} for cols, vector in documents])  # the literal, cast by bulk's plan

    @staticmethod
    def _expr(alternatives, label: str = "") -> str:
        suffix = f":{label}" if label else ""
        return " | ".join("(" + " & ".join(_ts_term(t, suffix) for t in alt) + ")" for alt in alternatives)

    def _matching(self, expression: str) -> ColumnElement:
        return docs.c.tsv.op("@@")(cast(bindparam("m", expression, unique=True), _TSQUERY))

    def _all(self, clauses, tags) -> str:
        return " & ".join([f"({self._expr(c.essential)})" for c in clauses] + [_quote(t) for t in tags])

    def matches(self, clauses, tags) -> ColumnElement:
        return self._matching(self._all(clauses, tags))

    def hits(self, conn, clauses, probes, tags=(), state: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
        """As SqliteText.hits. Networks whose posting lists hold the version in `state` are answered
        from their lists (hub.search.postings); the others by the GIN index, through their tags."""
        if state is None:
            return self._scanned(conn, clauses, probes, tags)
        fresh, older, lists = postings.read(conn, postings.tokens_of(clauses, probes, tags), state)
        if not fresh:
            return self._scanned(conn, clauses, probes, tags)
        found, bits = postings.answer(lists, clauses, probes, tags)
        others = sorted(({n for n, _ in state} | older) - fresh)
        if others:
            network = _TAG_FILTER["network"]
            scanned, scanned_bits = self._scanned(conn, clauses, probes, tags, among=[network(n) for n in others])
            found, bits = np.concatenate([found, scanned]), np.concatenate([bits, scanned_bits])
            order = np.argsort(found, kind="stable")
            found, bits = found[order], bits[order]
        return found, bits

    def _scanned(self, conn, clauses, probes, tags=(), among=()) -> tuple[np.ndarray, np.ndarray]:
        """(docids, bits) from the GIN index: the probes tested on each match's tsvector in the one
        scan. `among`: tags of which the documents carry one (the networks without current lists)."""
        bits = " + ".join(f"(CASE WHEN search_docs.tsv @@ CAST(:p{i} AS tsquery) THEN {1 << i} ELSE 0 END)" for i in range(len(probes)))
        stmt = text(f"SELECT docid, {bits or '0'} FROM search_docs WHERE tsv @@ CAST(:m AS tsquery) ORDER BY docid")
        asked = {f"p{i}": self._expr(clause.essential, _WEIGHT_LABEL[field]) for i, (field, clause) in enumerate(probes)}
        m = self._all(clauses, tags) + (f" & ({' | '.join(_quote(t) for t in among)})" if among else "")
        rows = conn.execute(stmt, {"m": m, **asked}).all()
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        found, bits_of = zip(*rows)
        return np.array(found, dtype=np.int64), np.array(bits_of, dtype=np.int64)

    def scored_from(self, many: bool = False):
        return docs

    def field_match_sql(self, clause, field: str, many: bool = False) -> str:
        # Checked row by row on the candidates the GIN index found; no second index scan.
        return f"(search_docs.tsv @@ CAST({_sql_string(self._expr(clause.essential, _WEIGHT_LABEL[field]))} AS tsquery))"


def _fts_term(token: str) -> str:
    """One token of an FTS5 expression: a phrase, or a family's prefix in the model field."""
    return f'({FAMILY_FIELD} : "{stem(token)}" *)' if is_family(token) else f'"{token}"'


def _ts_term(token: str, suffix: str) -> str:
    """One token of a tsquery (`suffix`: its weight restriction), or a family's prefix in the model
    field. A family is never asked of another field: scores leave it out (parse.Clause.in_text)."""
    return f"{_quote(stem(token))}:*{_WEIGHT_LABEL[FAMILY_FIELD]}" if is_family(token) else _quote(token) + suffix


def _members(found: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Which of `found` are in `of` (docids), through a mark per docid: a few hundred kilobytes, and
    several times cheaper than a search of `of` for each one."""
    if not len(of) or not len(found):
        return np.zeros(len(found), dtype=bool)
    marked = np.zeros(max(int(found.max()), int(of.max())) + 1, dtype=bool)
    marked[of] = True
    return marked[found]


def _sql_string(value: str) -> str:
    """An SQL string literal. Score expressions are written as SQL text — dozens of conditions per
    query, cheaper than building and cache-keying as many expression objects — and only ever hold
    analyser tokens (letters, digits, CJK, spaces, tsquery operators); quotes are doubled anyway."""
    return "'" + value.replace("'", "''") + "'"


def _quote(token: str) -> str:
    if "'" not in token and "\\" not in token:  # nearly every token: nothing to escape
        return "'" + token + "'"
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class _TsQueryType(UserDefinedType):
    cache_ok = True

    def get_col_spec(self):
        return "tsquery"


_TSQUERY = _TsQueryType()

BACKENDS = {"sqlite": SqliteText(), "postgresql": PostgresText()}


def backend(conn_or_dialect):
    name = getattr(getattr(conn_or_dialect, "dialect", None), "name", conn_or_dialect)
    try:
        return BACKENDS[name]
    except KeyError:
        raise NotImplementedError(f"search has no text index for the {name!r} database") from None
