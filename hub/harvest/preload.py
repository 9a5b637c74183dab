"""What a harvest worker needs loaded, imported once by the fork server (`hub.harvest.parallel`).

A spawned worker started from nothing: importing the harvest (SQLAlchemy, lxml, marshmallow's
validators, the connector families) cost each one ~1.7 s of CPU before its first request — at scale
10, 3.4 of the run's 57 core-seconds went to the two workers' imports. Forked from a server that
imported this module once, a worker starts with all of it in memory.

Only imports: nothing here reads the configuration or opens a store, so nothing the server holds
goes stale (a worker reads both when its harvest starts).
"""

from __future__ import annotations

import connectors
import hub.config  # noqa: F401
import hub.harvest.pipeline  # noqa: F401
import hub.mapping.places  # noqa: F401
import hub.mapping.dates  # noqa: F401
import hub.mapping.transforms  # noqa: F401
import hub.store.db  # noqa: F401

# Every registered family (built-in or an extension's entry point), as `connector_class` would
# import it on first use.
connectors.families()
