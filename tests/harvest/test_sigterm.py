"""SIGTERM mid-harvest, wherever it lands: the job ends `failed` saying "interrupted", the network's
lease is free, the batches committed before are kept, and the signal still ends the command (design
rule 3: a run is never left "running").

The signal is raised with `hub harvest`'s own handler installed, at chosen points of a real harvest
against the simulator: Python runs a signal handler at the first bytecode after the C call it
arrived in, so "inside a statement" is right after the driver's call returns, within SQLAlchemy's
handling of that statement. A real SIGTERM lands there during any of a harvest's write statements:
a third of a harvest's time at scale 10 (`hub harvest 370000` killed 11 s in exited 5 after 182 s
of "database is locked", its job left running, its lease held).
"""

from __future__ import annotations

import signal
import weakref

import pytest
from sqlalchemy import func, select

from hub.cli.exit_codes import Terminated
from hub.cli.harvest_cmd import terminate_cleanly
from hub.harvest import guard, pipeline
from hub.harvest.jobs import JOBS
from hub.harvest.lease import LEASES
from hub.harvest.pipeline import Harvester
from hub.harvest.writer import RecordWriter
from hub.search import stale_counts
from hub.store import db
from hub.store.models import Instrument
from hub.store.networks import sync_networks

CODE = "370000"
INSTRUMENTS = Instrument.__table__
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def _short_busy_timeout(monkeypatch):
    """A write waiting for a lock the interrupted transaction still holds fails in seconds, not after
    the minute a real deployment waits (autouse: before the store's first connection)."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 5_000)


@pytest.fixture
def sigterm_handled():
    """`hub harvest`'s SIGTERM handler, for the duration of the test."""
    previous = signal.getsignal(signal.SIGTERM)
    terminate_cleanly()
    yield
    signal.signal(signal.SIGTERM, previous)


class Once:
    """Sends this process SIGTERM the first time `fire()` is called while `armed`."""

    def __init__(self, armed: bool = True):
        self.armed, self.fired = armed, False

    def fire(self) -> None:
        if self.armed and not self.fired:
            self.fired = True
            signal.raise_signal(signal.SIGTERM)


def _in_a_batch_write(hooks, store, once):
    """Inside a batch's write transaction, in a statement that writes (SQLite's are the driver's
    `executemany`, PostgreSQL's single statements), after a first batch was committed."""
    dialect = type(store.engine.dialect)
    for name in ("do_execute", "do_executemany"):
        real = getattr(dialect, name)

        def called(self, cursor, statement, parameters, context=None, *, real=real):
            real(self, cursor, statement, parameters, context)
            if context is not None and context.execution_options.get("hub_write") and statement.lstrip().upper().startswith(WRITES):
                once.fire()

        hooks.setattr(dialect, name, called)
    once.armed = False
    return lambda network, kind, counts: setattr(once, "armed", True)  # progress: a batch is committed


def _wrap(hooks, owner, name, once):
    real = getattr(owner, name)

    def fired_first(*args, **kwargs):
        once.fire()
        return real(*args, **kwargs)

    hooks.setattr(owner, name, fired_first)


def _before_the_listing(hooks, store, once):
    """Between the job's start and the listing's first request."""
    _wrap(hooks, pipeline, "_source", once)


def _in_the_withdrawals(hooks, store, once):
    """After a complete listing, as the withdrawal guard starts."""
    _wrap(hooks, guard, "enforce", once)


def _counting_the_facets(hooks, store, once):
    """After the listing, as the network's facet counts are counted again, before the job is ended."""
    real = stale_counts.settle

    def settle(store, network, job_id):
        if job_id is not None:
            once.fire()
        return real(store, network, job_id)

    hooks.setattr(stale_counts, "settle", settle)


def _in_a_finalizer(hooks, store, once):
    """In a finalizer the garbage collector runs while a batch is prepared, after a first batch was
    committed (a `weakref.finalize` callback): Python prints "Exception ignored" for what is raised
    there and goes on, so the handler's `Terminated` never reaches the harvest. Seen in a full run:
    `hub harvest` signalled mid-listing finished the harvest and exited 0."""
    real = RecordWriter.prepare

    def prepare(self, batch):
        if once.armed and not once.fired:
            dropped = type("Dropped", (), {})()
            weakref.finalize(dropped, once.fire)
            del dropped  # its finalizer runs here, and the signal's handler inside it
        return real(self, batch)

    hooks.setattr(RecordWriter, "prepare", prepare)
    once.armed = False
    return lambda network, kind, counts: setattr(once, "armed", True)  # progress: a batch is committed


@pytest.mark.parametrize(
    "landing",
    [
        pytest.param(_in_a_batch_write, id="inside a batch's write statement"),
        pytest.param(
            _in_a_finalizer,
            id="inside a finalizer",
            marks=pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
        ),
        pytest.param(_before_the_listing, id="before the listing"),
        pytest.param(_in_the_withdrawals, id="in the withdrawals"),
        pytest.param(_counting_the_facets, id="counting the facets"),
    ],
)
def test_a_harvest_stopped_by_sigterm_ends_its_job_interrupted(store, settings, registry, sim, sigterm_handled, landing):
    sync_networks(store, registry)
    once = Once()
    with pytest.MonkeyPatch.context() as hooks:
        progress = landing(hooks, store, once)
        with pytest.raises(Terminated):
            Harvester(store, settings, progress=progress).harvest(registry.get(CODE), full=True)

    assert once.fired, "the signal was never sent: the test proved nothing"
    _assert_interrupted_and_kept(store)
    # The operator runs the command again.
    again = Harvester(store, settings).harvest(registry.get(CODE), full=True)
    assert [r.state for r in again] == ["succeeded"]
    assert _active(store) == sim.state(CODE).total


def test_more_sigterms_do_not_cut_the_bookkeeping_short(store, settings, registry, sim, sigterm_handled):
    """A supervisor or an impatient operator signals again while the first SIGTERM unwinds the run,
    here at every write on the way out (the job's end, the lease's release): the job is still marked
    and the lease released. SIGKILL is what stops a process outright."""
    sync_networks(store, registry)
    first, again = Once(), []
    real_write = store.write

    def write():
        if first.fired:
            again.append(True)
            signal.raise_signal(signal.SIGTERM)
        return real_write()

    with pytest.MonkeyPatch.context() as hooks:
        progress = _in_a_batch_write(hooks, store, first)
        hooks.setattr(store, "write", write)
        with pytest.raises(Terminated):
            Harvester(store, settings, progress=progress).harvest(registry.get(CODE), full=True)

    assert first.fired and len(again) >= 2, "the signals were never sent: the test proved nothing"
    _assert_interrupted_and_kept(store)


def _active(store) -> int:
    with store.read() as conn:
        return conn.execute(
            select(func.count()).select_from(INSTRUMENTS).where(INSTRUMENTS.c.network == CODE, INSTRUMENTS.c.withdrawn_at.is_(None))
        ).scalar_one()


def _assert_interrupted_and_kept(store) -> None:
    with store.read() as conn:
        jobs = conn.execute(select(JOBS.c.state, JOBS.c.message, JOBS.c.created).where(JOBS.c.network == CODE)).all()
        leases = conn.execute(select(LEASES.c.holder).where(LEASES.c.network == CODE)).all()
    assert len(jobs) == 1, jobs
    [(state, message, created)] = jobs
    assert state == "failed" and "interrupted" in message and "SIGTERM" in message, (state, message)
    assert leases == [], "the lease outlived the run"
    # What was committed before the signal stays, and the job's counts say how much.
    assert _active(store) == created
