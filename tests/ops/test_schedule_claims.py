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
