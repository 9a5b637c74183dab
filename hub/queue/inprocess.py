"""The job queue of the embedded SQLite default: one daemon thread in the process that defers.

No extra service and no table of its own: a job lives in memory, and the work it stands for is
already a row (a queued batch). So a process that dies loses only the memory; the next process to
start its queue finds the work again through each task's `recover`, as it does on every poll (work
left by another process of the same deployment, e.g. a second gunicorn worker that died).
Jobs run one at a time, in the order deferred, which satisfies every task's lock.
"""

from __future__ import annotations

import logging
import queue
import threading

from hub.queue import JobQueue
from hub.queue.tasks import TASKS, Context, call

log = logging.getLogger(__name__)


class InProcessQueue(JobQueue):
    runs_elsewhere = False

    def __init__(self, store, settings, registry, *, poll_seconds: float | None = None):
        super().__init__(store, settings, registry)
        ops = getattr(settings, "operations", None) or {}
        self.poll_seconds = poll_seconds if poll_seconds is not None else float(ops.get("poll_seconds", 5.0))
        self._jobs: queue.Queue = queue.Queue()
        self._waiting: set[str] = set()  # queueing locks of the jobs in `_jobs`
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._done = 0

    def defer(self, task: str, **kwargs) -> bool:
        key = TASKS[task].queueing_lock(kwargs)
        with self._guard:
            if key is not None and key in self._waiting:
                return False
            if key is not None:
                self._waiting.add(key)
        self._jobs.put((task, kwargs, key))
        return True

    def start(self) -> "InProcessQueue":
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="hub-jobs", daemon=True)
                self._thread.start()
        return self

    def wake(self) -> None:
        """Look for lost work at once rather than at the next poll."""
        self._jobs.put(None)

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def run_worker(self, *, concurrency: int = 1, stop=None) -> None:
        """`hub worker` on SQLite: the same loop in the foreground (useful beside a web process that
        does not run its own, FEED_WORKER=False)."""
        self._stop = stop or self._stop
        self._run()

    def run_pending(self) -> int:
        """Recover lost work and run every waiting job now, in this thread (tests, `hub demo`)."""
        self._recover()
        n = 0
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return n
            if item is not None:
                self._execute(*item)
                n += 1

    def counts(self) -> dict[str, int]:
        return {"todo": self._jobs.qsize(), "succeeded": self._done}

    def _recover(self) -> None:
        ctx = self._context()
        for name, task in TASKS.items():
            if task.recover is not None:
                for kwargs in task.recover(ctx):
                    self.defer(name, **kwargs)

    def _context(self) -> Context:
        return Context(self.store, self.settings, self.registry)

    def _execute(self, task: str, kwargs: dict, key: str | None) -> None:
        with self._guard:
            self._waiting.discard(key or "")
        try:
            log.info("job %s: %s", task, call(self._context(), task, kwargs))
        except Exception:  # a task's own failure is recorded by the task; the thread carries on
            log.exception("job %s %s failed", task, kwargs)
        self._done += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._recover()
            except Exception:  # the database may be briefly unreachable; try again at the next poll
                log.exception("job queue: recovering lost work")
            while not self._stop.is_set():
                try:
                    item = self._jobs.get(timeout=self.poll_seconds)
                except queue.Empty:
                    break  # a poll: look for lost work again
                if item is None:
                    break
                self._execute(*item)
