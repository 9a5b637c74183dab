"""The hub's clock: one `now()` every layer takes its time from, always timezone-aware UTC."""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything the hub writes is UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
