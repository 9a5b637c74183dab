"""The search index tables (created by migration 0002; the suite's schema check keeps both in step).

`search_docs` holds one narrow row per active instrument: the columns every filter and facet reads,
so a search never touches the wide `instruments` table until it fetches the page it shows. The
text index beside it is dialect-specific: an FTS5 table `search_fts` (rowid = docid) on SQLite, a
`tsv` tsvector column with a GIN index on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Index, Integer, LargeBinary, Numeric, String, Table, Text, true
from sqlalchemy.dialects.postgresql import TSVECTOR

from hub.store.models import Base

#: The one metadata of every table, so migrations see the search tables like any other.
metadata = Base.metadata
#: SQLite's FTS5 text index (and the shadow tables the module keeps beside it) is created by raw SQL
#: in migration 0002; no model can describe a virtual table, so the schema check leaves it alone.
metadata.info.setdefault("virtual_tables", set()).add("search_fts")

_COLUMNS = (
    ("network", String(6)),
    ("city_code", String(6)),
    ("city_name", String(50)),
    ("category", String(6)),
    ("owner_type", String(20)),
    ("owner_level", String(20)),
    ("status", String(30)),
    ("sharing", String(10)),
    ("certified", Boolean),
    ("value", Numeric(16, 2)),
    ("commissioned", String(10)),
    ("updated", String(32)),  # source update time, ISO 8601 UTC: sorts the same as text on both backends
)

docs = Table(
    "search_docs",
    metadata,
    Column("docid", Integer, primary_key=True, autoincrement=True),
    # Collated "C" on PostgreSQL (migration 0002): the id tie-break sorts bytewise there as on SQLite.
    Column("instrument_id", String(140).with_variant(String(140, collation="C"), "postgresql"), nullable=False, unique=True),
    *(Column(n, t) for n, t in _COLUMNS),
    # Ranking signals (migration 0006): how usable the record is (hub.search.signals), which orders
    # equal scores; then a hash of the id, the last order key, so no province wins by its code.
    Column("quality", Integer, nullable=False, server_default="0"),
    Column("tiebreak", Integer, nullable=False, server_default="0"),
    # Migration 0010: false for a record another network's record stands for (hub.dedup.representative),
    # kept by the dedup store whenever clusters change; the default search shows only true ones.
    Column("cluster_primary", Boolean, nullable=False, server_default=true()),
    # PostgreSQL only: never named in SQLite statements, and the schema check skips it there.
    Column("tsv", TSVECTOR, nullable=False, server_default="", info={"dialects": ("postgresql",)}),
)

# The filters' and facets' indexes, as migration 0002 builds them; the GIN index serves the tsvector.
Index("ix_search_docs_network", docs.c.network, docs.c.category)
Index("ix_search_docs_category", docs.c.category)
Index("ix_search_docs_city", docs.c.city_code, docs.c.city_name)
Index("ix_search_docs_value", docs.c.value)
# The default order (query.ordering: usefulness, then the id's hash), whole and within a network: a page
# without a query reads its rows in index order and stops (migration 0014), instead of sorting every match.
Index("ix_search_docs_rank", docs.c.quality.desc(), docs.c.tiebreak, docs.c.instrument_id)
Index("ix_search_docs_network_rank", docs.c.network, docs.c.quality.desc(), docs.c.tiebreak, docs.c.instrument_id)
# Finds the few hidden records (cluster_primary false) when clusters change; searches never use it
# (their condition, `IS NOT false`, is a row check on rows another index or the text match found).
Index("ix_search_docs_cluster_primary", docs.c.cluster_primary)
Index("ix_search_docs_tsv", docs.c.tsv, postgresql_using="gin", info={"dialects": ("postgresql",)})

#: Each network's index version, bumped in the transaction that changes any of its documents
#: (migration 0005). Readers key cached facet counts on all of them: one row per network, so that
#: concurrent harvests of different networks never wait on each other's row lock.
versions = Table(
    "search_versions",
    metadata,
    Column("network", String(40), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

#: What each version of a network changed (migration 0022), written with the bump: the instrument ids
#: whose documents it wrote, removed or re-flagged, one per line ("": none; NULL: not known, as after a
#: rebuild). A process holding the columns by docid (hub.search.columns) reads those documents again,
#: not every document of the network. The last `versions.KEEP_CHANGES` of each network are kept.
changes = Table(
    "search_changes",
    metadata,
    Column("network", String(40), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("ids", Text, nullable=True),
)

#: Facet counts of the whole catalogue and of every single filter, kept by the writers
#: (hub.search.counts; migration 0014). One row per network of each (scope, facet, value): writers of
#: different networks never update the same row; readers sum the networks.
counts = Table(
    "search_counts",
    metadata,
    Column("scope", String(80), primary_key=True),
    Column("facet", String(20), primary_key=True),
    Column("value", String(40), primary_key=True),  # '' for a missing value (key columns cannot be NULL)
    Column("network", String(40), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

#: Networks whose rows of search_counts are not kept current right now (migration 0015): a harvest
#: changes their documents without counting each batch and counts them again once at its end
#: (hub.search.stale_counts). Readers count these networks live instead. `job_id`: the harvest that
#: marked it; a mark left by a harvest that is no longer running is healed by a recount.
stale = Table(
    "search_counts_stale",
    metadata,
    Column("network", String(40), primary_key=True),
    Column("job_id", Integer, nullable=True),
    Column("since", DateTime(timezone=True), nullable=False),
)

#: Text fields, their PostgreSQL weight label and their score weight: name above model and
#: manufacturer above functions and specifications; owner and place last.
FIELDS = (
    ("name", "A", 8),
    ("brand", "B", 4),
    ("body", "C", 2),
    ("place", "D", 1),
)
#: Score of a clause matched only across fields (its tokens spread over several of them).
SCATTERED = 1

#: PostgreSQL only (migration 0019; hub.search.postings): each network's text index as one row per
#: token, its documents' docids (4 bytes each) and the weight labels it carries in each (a
#: byte each), read by a nation-wide question instead of each match's row.
postings = Table(
    "search_postings",
    metadata,
    Column("token", Text().with_variant(Text(collation="C"), "postgresql"), primary_key=True),
    Column("network", String(40), primary_key=True),
    Column("docids", LargeBinary, nullable=False),
    Column("labels", LargeBinary, nullable=False),
    info={"dialects": ("postgresql",)},
)

#: The networks that have lists, each with the index version (search_versions) its lists hold and when
#: they were written: a question trusts a network's lists only at the version it read itself.
posting_sets = Table(
    "search_posting_sets",
    metadata,
    Column("network", String(40), primary_key=True),
    Column("version", BigInteger, nullable=True),  # None: the network had no version yet (a bulk build)
    Column("built", DateTime(timezone=True), nullable=False),
    info={"dialects": ("postgresql",)},
)
