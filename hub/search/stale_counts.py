"""A harvest counts its network's facets once, at its end, instead of batch by batch.

Kept exact at every commit (hub.search.counts), the facet counts cost a harvest about 40 count rows
upserted a record, nearly half of its CPU. A harvest of one network instead:

1. writes its batches without counting them (`deferring`: `hub.search.index` skips the counts of
   the network this thread defers), and each such transaction marks the network stale
   (`search_counts_stale`, `mark_deferred`): the mark commits with the first uncounted change;
2. at its end counts the network again from its documents and removes the mark, in one
   transaction (`settle`). A run that wrote no document (nothing changed) counts nothing.

While the mark stands, readers count that network live from its documents and every other network
from its kept rows, in one statement (`counts.read`): what they see is exact at every commit,
only a little slower for the one network. Other writers (pushes, duplicate resolution) keep
changing the network's counts by their deltas meanwhile; the recount replaces them all, under the
network's counts lock (`counts.lock_name`), so none is lost.

A harvest that dies leaves its mark: readers go on counting that network live (never wrong), and
the mark is healed — the network counted again — by the next harvest of the network, or by `heal`
(`hub reindex`, each harvest's start) once the marking job is no longer running.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import delete, select

from hub.clock import now
from hub.search import counts, versions
from hub.search.tables import stale
from hub.store import locks
from hub.store.bulk import dialect_insert
from hub.store.models import HarvestJob

log = logging.getLogger(__name__)

_JOBS = HarvestJob.__table__


@dataclass
class _Deferral:
    network: str
    job_id: int | None
    marked: bool = False  # a transaction of this run marked the network (it may have rolled back: settle anyway)


#: The harvest this thread (or task) runs whose count changes are left to `settle`.
_deferred: ContextVar[_Deferral | None] = ContextVar("hub_search_counts_deferred", default=None)


def deferred_network() -> str | None:
    """The network whose counts the current writer does not change (its harvest recounts them)."""
    d = _deferred.get()
    return d.network if d else None


def mark_deferred(conn) -> None:
    """Mark the deferred network stale in `conn`'s transaction: the one that writes its documents
    without counting them, so that readers see the mark with the first uncounted change or neither."""
    d = _deferred.get()
    locks.hold(conn, counts.lock_name(d.network))
    ins = dialect_insert(conn.dialect.name, stale).values(network=d.network, job_id=d.job_id, since=now())
    conn.execute(ins.on_conflict_do_update(index_elements=["network"], set_={"job_id": d.job_id}))
    d.marked = True


@contextlib.contextmanager
def deferring(store, network: str, job_id: int | None):
    """Within this block the current thread's writes to `network`'s documents leave its counts
    alone (each such transaction marks the network stale); when the block ends, however it ends,
    the network is counted again if anything was marked (a failure to count leaves the mark, which
    readers and `heal` honour)."""
    d = _Deferral(network, job_id)
    token = _deferred.set(d)
    try:
        yield
    except BaseException:
        _deferred.reset(token)
        if d.marked:
            try:
                settle(store, network, job_id)
            except Exception:  # the original error matters more; the mark stays and is healed later
                log.exception("counting %s again after a failed harvest failed; its mark stays", network)
        raise
    _deferred.reset(token)
    if d.marked:
        settle(store, network, job_id)


def settle(store, network: str, job_id: int | None) -> None:
    """Count `network` again from its documents and remove its mark, if it is still `job_id`'s.

    The documents are counted before the write transaction (the counting is most of the work, and
    SQLite's write lock would hold every other writer back meanwhile); the write transaction takes
    that count only if the network's index version is still the one read with it, and counts
    again under the lock otherwise (another writer changed its documents in between)."""
    with store.read() as conn:
        seen = versions.of(conn, network)
        counted = counts.count_network(conn, network)
    with store.write() as conn:
        locks.hold(conn, counts.lock_name(network))
        counts.recount_network(conn, network, counted if versions.of(conn, network) == seen else None)
        conn.execute(delete(stale).where(stale.c.network == network, _marked_by(job_id)))


def marked_networks(conn) -> list[str]:
    """The networks whose kept counts a harvest is leaving to its end (or a dead one left stale)."""
    return list(conn.execute(select(stale.c.network)).scalars())


def _marked_by(job_id):
    return stale.c.job_id.is_(None) if job_id is None else stale.c.job_id == job_id


def heal(store) -> list[str]:
    """Count again every network whose mark was left by a job no longer running (a harvest that died,
    or whose own recount failed); return them. A job still marked running is left to its network's
    next harvest (hub.harvest.jobs.recover_orphans then marks it crashed)."""
    with store.read() as conn:
        left = conn.execute(
            select(stale.c.network, stale.c.job_id)
            .select_from(stale.outerjoin(_JOBS, _JOBS.c.id == stale.c.job_id))
            .where((_JOBS.c.state.is_(None)) | (_JOBS.c.state != "running"))
        ).all()
    for network, job_id in left:
        with store.write() as conn:
            locks.hold(conn, counts.lock_name(network))
            # Still that job's mark? A harvest started since has marked it again and settles it itself.
            if conn.execute(select(stale.c.network).where(stale.c.network == network, _marked_by(job_id))).first() is None:
                continue
            counts.recount_network(conn, network)
            conn.execute(delete(stale).where(stale.c.network == network))
        log.info("kept facet counts of %s counted again (a harvest had left them stale)", network)
    return [n for n, _ in left]
