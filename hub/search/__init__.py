"""Catalogue search: Chinese-aware tokens, synonyms, a text index on SQLite (FTS5) and PostgreSQL
(tsvector), deterministic ranking and facets. Importing this package registers the index hook, so
every writer of instruments keeps the index current in its own transaction."""

from hub.search.index import index_all, index_instruments, reindex_all  # noqa: F401  (registers the hook)
from hub.search.params import SearchParams, SearchParamsSchema, load_params  # noqa: F401
from hub.search.query import SearchResult, search  # noqa: F401
