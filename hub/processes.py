"""Whether the process a row of the store names — a job's, a lease's, a pushed batch's claim — still
runs on this host.

A row names its process by host and pid, and on this host a pid can be asked about. But pids are
reused, and a container restarted keeps its hostname and starts its process under the same pid as
before (1, often): the process holding the pid now must have started before the row was written,
or the row's process is gone — this process's own pid included. (Before, a row with this process's
pid was taken for its own: a restarted worker left its predecessor's job running, its lease held
for the rest of its time to live and its claimed batch untouched.)
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psutil

#: Start times are kept to the clock tick; a row written in a process's first moments must not read
#: as older than the process.
TOLERANCE = timedelta(seconds=1)


def alive_here(pid: int | None, since: datetime | None) -> bool:
    """True when a process `pid` of this host runs and started no later than `since` (when the row
    naming it was written, timezone-aware)."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        started = datetime.fromtimestamp(proc.create_time(), timezone.utc)
        return proc.status() != psutil.STATUS_ZOMBIE and (since is None or started <= since + TOLERANCE)
    except psutil.Error:
        return False
