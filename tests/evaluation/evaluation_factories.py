"""Rows for a small store of networks, written with SQLAlchemy Core (instruments, service statistics,
harvest jobs with telemetry, record errors)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert

from hub.store.models import HarvestJob, Instrument, Network, RecordErrorRow, ServiceStats

AS_OF = datetime(2013, 6, 30, 12, 0, tzinfo=timezone.utc)


def instrument(
    network, n, *, value=500_000, fee=True, booking=True, contact=True, sharing="external", updated_days=30, job_id=None, withdrawn=False
):
    now = AS_OF - timedelta(days=60)
    return {
        "id": f"{network}:{n}",
        "network": network,
        "source_id": str(n),
        "name": f"仪器{n}",
        "category": "030101",
        "model": "X1",
        "manufacturer": "Agilent",
        "original_value": Decimal(value),
        "commissioned": "2010",
        "province_code": network,
        "city_code": network[:4] + "00",
        "address": "路1号",
        "specs": "s",
        "functions": "f",
        "services": "测试",
        "fee_text": "100元/样" if fee else None,
        "booking_url": "http://x/b" if booking else None,
        "contact_phone": "0531-1" if contact else None,
        "status": "normal",
        "sharing": sharing,
        "source_updated": AS_OF - timedelta(days=updated_days),
        "first_seen": now,
        "last_seen": AS_OF,
        "withdrawn_at": AS_OF - timedelta(days=10) if withdrawn else None,
        "content_hash": "h" * 64,
        "last_job_id": job_id,
        "certified": False,
    }


def stats(network, n, *, hours, external, services=10, enterprise=4, samples=100, job_id=None):
    return {
        "instrument_id": f"{network}:{n}",
        "year": 2012,
        "network": network,
        "effective_hours": hours,
        "external_hours": external,
        "external_services": services,
        "enterprise_services": enterprise,
        "samples": samples,
        "external_samples": samples // 2,
        "income": Decimal("1000.00"),
        "job_id": job_id,
    }


def job(
    job_id,
    network,
    *,
    requests=100,
    failed=0,
    p50=120.0,
    p95=400.0,
    fetched=10,
    rejected=0,
    deleted=0,
    not_found=0,
    days_ago=5,
    kind="full",
):
    started = AS_OF - timedelta(days=days_ago)
    return {
        "id": job_id,
        "network": network,
        "kind": kind,
        "state": "succeeded" if not failed else "partial",
        "started_at": started,
        "finished_at": started + timedelta(minutes=5),
        "fetched": fetched,
        "created": fetched - rejected - deleted - not_found,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "rejected": rejected,
        "deleted": deleted,
        "not_found": not_found,
        "listing_complete": True,
        "telemetry": {
            "requests": requests,
            "failed": failed,
            "failures": {"http_500": failed} if failed else {},
            "latency_ms": {"p50": p50, "p95": p95, "max": p95 * 2},
            "bytes": 1000,
        },
    }


def populate(store):
    """Three networks: 370000 strong, 420000 middling, 130000 weak; plus an old job outside the window
    and a withdrawn instrument, which must not count."""
    networks = [
        {"code": "370000", "name": "山东省大型科学仪器设备协作共用网", "province": "山东省", "family": "sdyq-xml"},
        {"code": "420000", "name": "湖北省大型科学仪器协作共用平台", "province": "湖北省", "family": "hbkx-json"},
        {"code": "130000", "name": "河北省大型科学仪器资源共享服务联盟", "province": "河北省", "family": "yqlm-html"},
    ]
    jobs = [
        job(1, "370000", fetched=6),
        job(2, "370000", kind="service", fetched=6, days_ago=4),
        # 420000's run also carried 15 deletions (10 withdrew an instrument, 5 found none): no records
        # to validate, so its rejected share is 1 of the 5 records it offered, not 1 of 20
        job(3, "420000", requests=100, failed=10, p50=300, p95=900, fetched=20, rejected=1, deleted=10, not_found=5),
        job(4, "130000", requests=50, failed=20, p50=900, p95=3000, fetched=4, rejected=2),
        job(5, "130000", requests=999, failed=999, fetched=0, days_ago=800),
    ]  # outside the 365-day window
    instruments = [instrument("370000", i, job_id=1) for i in range(6)]
    instruments += [instrument("370000", 99, job_id=1, withdrawn=True)]
    instruments += [instrument("420000", i, fee=i % 2 == 0, job_id=3, updated_days=90) for i in range(5)]
    instruments += [
        instrument("130000", i, fee=False, booking=False, contact=i == 0, sharing="internal", job_id=4, updated_days=400, value=100_000)
        for i in range(4)
    ]
    service = [stats("370000", i, hours=1600, external=800, job_id=2) for i in range(6)]
    service += [stats("420000", i, hours=1000, external=300, services=5, enterprise=1, job_id=3) for i in range(5)]
    service += [stats("130000", i, hours=400, external=40, services=1, enterprise=0, samples=10, job_id=4) for i in range(3)]
    errors = [
        {"job_id": 4, "network": "130000", "source_id": "x", "field": "YZ", "severity": "error", "message": "bad", "created_at": AS_OF}
    ]
    with store.write() as conn:
        conn.execute(insert(Network), networks)
        conn.execute(insert(HarvestJob), jobs)
        conn.execute(insert(Instrument), instruments)
        conn.execute(insert(ServiceStats), service)
        conn.execute(insert(RecordErrorRow), errors)
