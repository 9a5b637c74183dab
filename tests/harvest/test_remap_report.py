"""What `hub remap` reports about its run: the time column is the run's wall time, as for a harvest."""

from __future__ import annotations

from sqlalchemy import select

from hub.harvest.jobs import JOBS, as_utc
from hub.harvest.remap import remap


def test_a_remap_reports_the_time_it_took(harvester, registry, store):
    harvester.harvest(registry.get("420000"), full=True)
    result = remap(store, registry.get("420000"), batch_size=100)
    with store.read() as conn:
        job = conn.execute(select(JOBS).where(JOBS.c.id == result.job_id)).one()
    wall = (as_utc(job.finished_at) - as_utc(job.started_at)).total_seconds()
    assert result.counts.fetched > 0 and wall > 0
    # `hub remap` printed 0.0s for a remap of 8,234 records that took 5.5 s.
    assert result.seconds >= 0.5 * wall, (result.seconds, wall)
    assert result.as_dict()["seconds"] > 0
