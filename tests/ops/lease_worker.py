"""Child processes of the lease tests (module-level so `spawn` can import them)."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

from hub.harvest import lease
from hub.store.db import Store


def contend(url: str, rounds: int, out) -> None:
    """Take the lease of one network `rounds` times, noting when it was held and how often it was busy."""
    store = Store(url)
    held, busy = [], 0
    for _ in range(rounds):
        try:
            with lease.hold(store, "370000", ttl=timedelta(seconds=30), purpose="test"):
                start = time.time()
                time.sleep(0.02)  # a "harvest": anyone else inside now would overlap
                held.append((start, time.time()))
        except lease.LeaseBusy:
            busy += 1
            time.sleep(0.005)
    out.put((os.getpid(), held, busy))
    store.dispose()


def hold_and_wait(url: str, ready) -> None:
    """Take the lease, say so, then wait to be killed (a harvest process that dies holding it)."""
    store = Store(url)
    lease.acquire(store, "420000", lease.new_holder(), ttl=timedelta(hours=1), purpose="test")
    ready.put(os.getpid())
    signal.pause()
