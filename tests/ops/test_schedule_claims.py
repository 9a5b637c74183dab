"""Of several schedulers running one timetable, one harvests each due time (hub.ops.scheduler.claim_due).
On PostgreSQL each scheduler queued the due harvest for the workers, and a worker that had already
taken the first job let the queue's queueing lock pass the second: the network was harvested twice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hub.ops.schedule import period_of
from hub.ops.scheduler import claim_due


def test_one_claim_per_due_time_whatever_the_schedulers_phase(store):
    t, minute = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc), timedelta(minutes=1)
    assert claim_due(store, "420000", t, minute)
    assert not claim_due(store, "420000", t, minute)  # the other scheduler, the same instant
    assert not claim_due(store, "420000", t + timedelta(seconds=20), minute)  # started 20 s later
    assert claim_due(store, "420000", t + minute, minute)  # the next due time
    assert claim_due(store, "370000", t, minute)  # networks are claimed apart
    # The claimed run crashed or was cut short: it is owed, and claimed again at once.
    assert claim_due(store, "420000", t + minute + timedelta(seconds=5), minute, again=True)


def test_the_period_of_a_trigger():
    assert period_of({"trigger": "interval", "minutes": 360}) == timedelta(hours=6)
    assert period_of({"trigger": "cron", "cron": "0 2 * * *"}) == timedelta(days=1)
    assert period_of({"trigger": "cron", "cron": "0 2,14 * * *"}) == timedelta(hours=12)


def test_service_statistics_cut_short_are_fetched_again_when_the_scheduler_restarts(store):
    """The monthly service statistics of a network whose fetch crashed (its process killed) or was
    cut short by a shutdown are owed, as a harvest is: a restarted scheduler fetches them at once,
    not at next month's cron. Those that ended are left to the cron."""
    from hub.config import Registry, Settings
    from hub.harvest.jobs import finish_job, start_job
    from hub.ops.scheduler import HubScheduler
    from hub.store.networks import sync_networks

    registry, settings = Registry.load(), Settings.load()
    sync_networks(store, registry)
    crashed, interrupted, done = [n.code for n in registry if n.pulled][:3]
    for code, state, message in (
        (crashed, "crashed", "the process running this job died"),
        (interrupted, "failed", "interrupted by shutdown"),
        (done, "succeeded", None),
    ):
        job = start_job(store, code, "service", year=settings.service_year)
        finish_job(store, job, state, message=message)
    scheduler = HubScheduler(store, registry, settings, harvest_here=True)
    try:
        soon = datetime.now(timezone.utc) + timedelta(minutes=1)
        starts = scheduler._first_runs()
        assert starts[f"service:{crashed}"] < soon and starts[f"service:{interrupted}"] < soon
        assert starts[f"service:{done}"] > soon  # the cron's next time
    finally:
        scheduler.jobs.stop()
