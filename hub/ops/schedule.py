"""The scheduler's jobs are data: plain dicts built from the registry and the settings.

    job_definitions(registry, settings) ->
      [{"id": "harvest:370000", "task": "harvest", "network": "370000", "trigger": "interval", "minutes": 360,
        "describe": "every 360 min"},
       {"id": "service:370000", "task": "service", "network": "370000", "trigger": "cron", "cron": "0 4 1 * *", ...},
       {"id": "probe", "task": "probe", "trigger": "interval", "seconds": 300},
       {"id": "maintenance", "task": "maintenance", "trigger": "interval", "seconds": 5},
       {"id": "search_lists", "task": "search_lists", "trigger": "interval", "seconds": 60}]

* `harvest:<code>` for every enabled pulled network: `schedule.cron` (crontab, five fields) or
  `schedule.interval_minutes` (default 1440). The run is incremental where the family allows it;
  the harvest pipeline itself makes it a full listing when the last complete full one is older than
  `schedule.full_every_days` (default 7: a weekly full listing, the only kind that may withdraw).
* `service:<code>`: the service statistics of `service_year`, on `operations.service_stats_cron`
  (default monthly, 04:00 on the 1st: networks revise the year's figures for months).
* `probe`: one light request to every pulled network each `operations.probe_interval_seconds`.
* `maintenance`: every `operations.poll_seconds` — crashed jobs and dead leases recovered,
  "harvest now" requests picked up, alerts checked, next runs written to `network_schedules`.
* `search_lists`: every minute, PostgreSQL's posting lists of networks changed other than by a
  harvest (pushes, remaps, duplicate resolution) written again (hub.search.postings; nothing on SQLite).

`trigger_for(definition)` turns one into an APScheduler trigger; nothing else here touches APScheduler.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hub.errors import ConfigError

DEFAULT_INTERVAL_MINUTES = 1440
#: How often stale posting lists are looked for (each network's are written at most once a
#: hub.search.postings.REFRESH_AFTER, so a network taking pushes every few seconds is not rebuilt on each).
SEARCH_LISTS_SECONDS = 60
#: Crontab times are Beijing time, as the operators and the provinces read a clock; stored times are UTC.
SCHEDULE_TZ = "Asia/Shanghai"


def cron_problem(text: str) -> str | None:
    """Why a crontab string is not valid (five fields: minute hour day month weekday), or None."""
    from apscheduler.triggers.cron import CronTrigger

    if not isinstance(text, str) or len(text.split()) != 5:
        return f"expected a crontab with five fields (minute hour day month weekday), got {text!r}"
    try:
        CronTrigger.from_crontab(text, timezone=SCHEDULE_TZ)
    except ValueError as exc:
        return f"not a valid crontab {text!r}: {exc}"
    return None


def _harvest_trigger(network, source) -> dict:
    schedule = network.schedule or {}
    cron, minutes = schedule.get("cron"), schedule.get("interval_minutes")
    where = f"networks ({network.code}).schedule"
    if cron and minutes:
        raise ConfigError(source, where, "give either cron or interval_minutes, not both")
    if cron:
        problem = cron_problem(cron)
        if problem:
            raise ConfigError(source, f"{where}.cron", problem)
        return {"trigger": "cron", "cron": cron, "describe": f"cron {cron}"}
    minutes = minutes or DEFAULT_INTERVAL_MINUTES
    return {"trigger": "interval", "minutes": minutes, "describe": f"every {minutes} min"}


def job_definitions(registry, settings) -> list[dict]:
    ops = settings.operations
    jobs = []
    for network in registry:
        if not (network.pulled and network.enabled):
            continue
        jobs.append(
            {
                "id": f"harvest:{network.code}",
                "task": "harvest",
                "network": network.code,
                "full_every_days": (network.schedule or {}).get("full_every_days") or 7,
                **_harvest_trigger(network, registry.source),
            }
        )
        jobs.append(
            {
                "id": f"service:{network.code}",
                "task": "service",
                "network": network.code,
                "year": settings.service_year,
                "trigger": "cron",
                "cron": ops["service_stats_cron"],
                "describe": f"cron {ops['service_stats_cron']}",
            }
        )
    jobs.append(
        {
            "id": "probe",
            "task": "probe",
            "trigger": "interval",
            "seconds": ops["probe_interval_seconds"],
            "describe": f"every {ops['probe_interval_seconds']} s",
        }
    )
    jobs.append(
        {
            "id": "maintenance",
            "task": "maintenance",
            "trigger": "interval",
            "seconds": ops["poll_seconds"],
            "describe": f"every {ops['poll_seconds']} s",
        }
    )
    every = SEARCH_LISTS_SECONDS
    jobs.append({"id": "search_lists", "task": "search_lists", "trigger": "interval", "seconds": every, "describe": f"every {every} s"})
    return jobs


def trigger_for(definition: dict):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if definition["trigger"] == "cron":
        return CronTrigger.from_crontab(definition["cron"], timezone=SCHEDULE_TZ)
    return IntervalTrigger(minutes=definition.get("minutes", 0), seconds=definition.get("seconds", 0), timezone="UTC")


def period_of(definition: dict) -> timedelta:
    """The shortest time between two runs of a job's trigger (an interval, or a crontab's closest
    fire times over its next dozen): how far apart two due times of one job can be."""
    if definition["trigger"] != "cron":
        return timedelta(minutes=definition.get("minutes", 0), seconds=definition.get("seconds", 0))
    trigger = trigger_for(definition)
    fires = [trigger.get_next_fire_time(None, datetime.now(timezone.utc))]
    for _ in range(12):
        fires.append(trigger.get_next_fire_time(fires[-1], fires[-1] + timedelta(seconds=1)))
    return min(b - a for a, b in zip(fires, fires[1:]))
