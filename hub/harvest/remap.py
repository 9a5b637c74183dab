"""`hub remap`: map a network's stored raw payloads again, after its mapping or code tables changed.

Reads `raw_records` in id order, a batch at a time (keyset paging, flat memory), through the same
`RecordWriter` as a harvest — without refetching and without counting as a listing (no `last_seen`
change, no withdrawals). Withdrawn instruments stay withdrawn; previously rejected records get another
chance.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import and_, or_, select

from connectors.base import RawRecord
from hub.harvest.jobs import finish_job, heartbeat, start_job
from hub.harvest.pipeline import RunResult
from hub.harvest.writer import INSTRUMENTS, RAW, Provenance, RecordWriter
from hub.mapping import Mapping
from hub.store.db import failure_message


def remap(store, network, *, batch_size: int = 500, progress=None) -> RunResult:
    mapping = Mapping.load(network.mapping_path)
    started = time.perf_counter()
    job = start_job(store, network.code, "remap")
    writer = RecordWriter(store, network.code, mapping, Provenance(job_id=job.id))
    last_id = ""
    try:
        while True:
            with store.read() as conn:
                rows = conn.execute(
                    select(RAW.c.id, RAW.c.source_id, RAW.c.payload, RAW.c.source_updated)
                    .select_from(RAW.outerjoin(INSTRUMENTS, INSTRUMENTS.c.id == RAW.c.id))
                    .where(
                        and_(
                            RAW.c.network == network.code,
                            RAW.c.id > last_id,
                            or_(INSTRUMENTS.c.id.is_(None), INSTRUMENTS.c.withdrawn_at.is_(None)),
                        )
                    )
                    .order_by(RAW.c.id)
                    .limit(batch_size)
                ).all()
            if not rows:
                break
            last_id = rows[-1].id
            raws = [RawRecord(r.source_id, json.loads(r.payload), source_updated=r.source_updated) for r in rows]
            with store.write() as conn:
                job.counts.add(writer.write_batch(raws, conn, listing=False, force=True))
                heartbeat(conn, job)
            if progress:
                progress(network.code, "remap", job.counts)
    except BaseException as exc:
        finish_job(store, job, "failed", message=f"interrupted: {failure_message(exc)}")
        raise
    finish_job(store, job, "succeeded", listing_complete=False)
    return RunResult(network.code, "remap", job.id, "succeeded", job.counts, None, seconds=time.perf_counter() - started)
