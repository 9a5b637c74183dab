"""Reading a network while the previous batch is written.

Without it a harvest alternates: fetch and parse a batch, then wait for the store's write lock and
write it, then fetch again — the network idles while the store is busy and the store while the
network is slow (a paced API, a site answering in seconds). `read_ahead` runs the source in a thread
and keeps at most `depth` items ready, so memory stays bounded by `depth` batches.

Order and failures are the source's: items come out in order, and an exception the source raises
comes out after the items it yielded before it (the pipeline keeps what was read before a failure).
When the consumer stops early (an error while writing, an interruption) the source is closed in its
own thread, so its `finally` blocks (thread pools, open responses) run.
"""

from __future__ import annotations

import queue
import threading

#: How long the consumer waits for the source thread to notice it is no longer wanted.
JOIN_SECONDS = 30.0

_ITEM, _END, _ERROR = "item", "end", "error"


def read_ahead(iterable, depth: int = 2, name: str = "read-ahead"):
    """Iterate `iterable` in a background thread, at most `depth` items ahead of the caller."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        iterator = iter(iterable)
        try:
            for item in iterator:
                if not put((_ITEM, item)):
                    return
            put((_END, None))
        except BaseException as exc:  # handed to the consumer, who raises it in its own thread
            put((_ERROR, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:
        # A producer waiting on a full queue sees `stop` within 0.1 s; one inside a network read
        # finishes it first (bounded by the read timeout) and is left behind as a daemon after this.
        stop.set()
        thread.join(JOIN_SECONDS)
