"""One harvest per network at a time, whoever starts it: a lease row per network in the database.

The scheduler, a manual `hub harvest` and the dashboard's "harvest now" all go through
`Harvester.harvest`, which holds the network's lease for the whole run. Several schedulers (on one
host or many) can therefore run against the same database: whoever takes the lease harvests, the
others skip that run.

* `acquire` is one statement — INSERT … ON CONFLICT (network) DO UPDATE … WHERE the old lease has
  expired — so two contenders cannot both win, on SQLite or PostgreSQL;
* the holder (`host:pid:uuid`) renews the lease from a keeper thread every third of its time to live,
  so a long harvest keeps it and a dead process loses it when it expires;
* `recover_leases` frees at once the leases of processes of this host that are gone (no need to wait
  out the time to live after a crash); the scheduler calls it at start and on every maintenance tick.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from hub.errors import HubError
from hub.harvest.jobs import as_utc, now
from hub.processes import alive_here
from hub.store.bulk import dialect_insert
from hub.store.models import NetworkLease

log = logging.getLogger(__name__)

LEASES = NetworkLease.__table__
#: Default time to live; renewed every third of it while the holder runs.
DEFAULT_TTL = timedelta(minutes=10)
HOST = socket.gethostname()


class LeaseBusy(HubError):
    """The network is being harvested by someone else: this run is skipped, nothing is wrong."""

    def __init__(self, network: str, holder: str | None, purpose: str | None, since: datetime | None):
        self.network, self.holder = network, holder
        when = f" since {as_utc(since).isoformat(timespec='seconds')}" if since else ""
        super().__init__(
            f"network {network} is already being harvested ({purpose or 'harvest'} by {holder}{when}); try again when it has finished"
        )


@dataclass(frozen=True)
class Lease:
    network: str
    holder: str
    purpose: str | None
    expires_at: datetime


def new_holder() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLost(HubError):
    """The lease this run held was taken by another (it was given up for dead): the run stops before
    writing anything more."""


def acquire(
    store, network: str, holder: str, *, ttl: timedelta = DEFAULT_TTL, purpose: str | None = None, takes_over: str | None = None
) -> Lease | None:
    """Take the network's lease if it is free or expired (or already ours); None if someone holds it.
    `takes_over`: a holder prefix whose live leases are taken too — another attempt of the same queue
    work, which the queue runs one at a time, so one still holding it was given up for dead."""
    t = now()
    values = dict(network=network, holder=holder, purpose=purpose, acquired_at=t, expires_at=t + ttl)
    free = (LEASES.c.expires_at < t) | (LEASES.c.holder == holder)
    if takes_over:
        free = free | LEASES.c.holder.startswith(takes_over, autoescape=True)
    with store.write() as conn:
        stmt = dialect_insert(conn.dialect.name, LEASES).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["network"],
            set_={k: stmt.excluded[k] for k in ("holder", "purpose", "acquired_at", "expires_at")},
            where=free,
        ).returning(LEASES.c.holder)
        won = conn.execute(stmt).scalar()
    return Lease(network, holder, purpose, t + ttl) if won == holder else None


def renew(store, lease: Lease, ttl: timedelta = DEFAULT_TTL) -> bool:
    """Push the expiry on; False when the lease is no longer ours (it expired and was taken)."""
    with store.write() as conn:
        n = conn.execute(
            update(LEASES).where(LEASES.c.network == lease.network, LEASES.c.holder == lease.holder).values(expires_at=now() + ttl)
        ).rowcount
    return n == 1


def check(conn, lease: Lease) -> None:
    """Inside a write transaction: raise LeaseLost unless `lease` is still the network's. The row is
    locked until the transaction ends (PostgreSQL; SQLite's write lock already excludes), so a
    takeover waits for this write and the run's next write finds it lost: a run given up for dead
    that wakes up writes nothing after the run that replaced it began."""
    holder = conn.execute(select(LEASES.c.holder).where(LEASES.c.network == lease.network).with_for_update()).scalar()
    if holder != lease.holder:
        raise LeaseLost(f"network {lease.network}: the lease of this run ({lease.holder}) is now {holder or 'nobody'}'s; stopped")


def release(store, lease: Lease) -> None:
    with store.write() as conn:
        conn.execute(delete(LEASES).where(LEASES.c.network == lease.network, LEASES.c.holder == lease.holder))


def current(store, network: str) -> dict | None:
    """The network's live lease (holder, purpose, acquired_at, expires_at), or None."""
    with store.read() as conn:
        row = conn.execute(select(LEASES).where(LEASES.c.network == network, LEASES.c.expires_at >= now())).first()
    return dict(row._mapping) if row else None


def recover_leases(store) -> list[str]:
    """Free expired leases and those of this host's dead processes; return the networks freed."""
    t = now()
    with store.read() as conn:
        rows = conn.execute(select(LEASES.c.network, LEASES.c.holder, LEASES.c.acquired_at, LEASES.c.expires_at)).all()
    dead = [r for r in rows if as_utc(r.expires_at) < t or _holder_dead(r.holder, as_utc(r.acquired_at))]
    if dead:
        with store.write() as conn:
            for r in dead:
                conn.execute(delete(LEASES).where(LEASES.c.network == r.network, LEASES.c.holder == r.holder))
        log.info("freed leases of %s (expired or their process is gone)", ", ".join(r.network for r in dead))
    return [r.network for r in dead]


def _holder_dead(holder: str, acquired_at: datetime) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return False  # another host's process: only its expiry tells
    return not alive_here(int(pid), acquired_at)


class _Keeper(threading.Thread):
    """Renews a lease while the harvest runs; a process that dies stops renewing, so the lease expires."""

    def __init__(self, store, lease: Lease, ttl: timedelta):
        super().__init__(name=f"lease-{lease.network}", daemon=True)
        self.store, self.lease, self.ttl = store, lease, ttl
        self.stop = threading.Event()
        self.lost = False

    def run(self):
        while not self.stop.wait(self.ttl.total_seconds() / 3):
            try:
                if not renew(self.store, self.lease, self.ttl):
                    self.lost = True
                    log.error(
                        "lost the lease of network %s (%s): another process may now harvest it", self.lease.network, self.lease.holder
                    )
                    return
            except Exception:  # a database hiccup: try again next round, the lease has time left
                log.warning("could not renew the lease of network %s", self.lease.network, exc_info=True)


@contextlib.contextmanager
def hold(
    store,
    network: str,
    *,
    ttl: timedelta = DEFAULT_TTL,
    purpose: str | None = None,
    holder: str | None = None,
    takes_over: str | None = None,
):
    """Hold the network's lease for the block (renewed in the background); LeaseBusy if taken.
    `takes_over`: see `acquire`."""
    holder = holder or new_holder()
    lease = acquire(store, network, holder, ttl=ttl, purpose=purpose, takes_over=takes_over)
    if lease is None:
        other = current(store, network) or {}
        raise LeaseBusy(network, other.get("holder"), other.get("purpose"), other.get("acquired_at"))
    keeper = _Keeper(store, lease, ttl)
    keeper.start()
    try:
        yield lease
    finally:
        keeper.stop.set()
        keeper.join(timeout=5)
        try:
            release(store, lease)
        except Exception:  # the run's own outcome matters more; an unreleased lease expires by itself
            log.warning("could not release the lease of network %s", network, exc_info=True)


def ttl_of(settings) -> timedelta:
    """The lease time to live of a deployment (`operations.lease_ttl_seconds`)."""
    ops = getattr(settings, "operations", None) or {}
    return timedelta(seconds=ops["lease_ttl_seconds"]) if "lease_ttl_seconds" in ops else DEFAULT_TTL
