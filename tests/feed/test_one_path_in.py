"""One path in (design.md): a pushed record is stored and served exactly like a harvested one."""

from sqlalchemy import select

from connectors.base import RawRecord
from hub.feed import samples
from hub.harvest.jobs import start_job
from hub.harvest.writer import INSTRUMENTS, RAW, Provenance, RecordWriter
from hub.mapping import Mapping
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from hub.web import create_app
from tests.conftest import make_store

#: What legitimately differs between two arrivals of the same record: when, and through which run.
PROVENANCE = {
    "batch_id",
    "first_seen",
    "last_seen",
    "last_job_id",
    "last_batch_id",
    "source_updated_at",
    "fetched_at",
    "job_id",
    "harvested_at",
    "updated",
}


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in PROVENANCE}
    return value


def test_a_pushed_record_equals_the_same_record_harvested(push, client, store, registry, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("harvested")
    records = samples.beijing_records(3)
    push("110000", samples.beijing_json(3), fmt="json", token="bj")

    harvested, cleanup = make_store("sqlite" if store.dialect == "sqlite" else "postgres", tmp_path)  # same backend
    try:
        upgrade(harvested)
        sync_networks(harvested, registry)
        job = start_job(harvested, "110000", "full")
        writer = RecordWriter(harvested, "110000", Mapping.load(registry.get("110000").mapping_path), Provenance(job_id=job.id))
        counts = writer.write_batch([RawRecord(source_id=r["innerId"], payload=r) for r in records])
        assert counts.created == 3
        other = create_app({"STORE": harvested, "TESTING": True}).test_client()
        for rec in records:
            path = f"/api/v1/instruments/110000:{rec['innerId']}"
            pushed, pulled = client.get(path), other.get(path)
            assert pushed.status_code == pulled.status_code == 200
            assert _strip(pushed.get_json()) == _strip(pulled.get_json())
            assert pushed.get_json()["provenance"]["batch_id"].startswith("110000-")  # and says which batch
        for table, key in ((INSTRUMENTS, INSTRUMENTS.c.id), (RAW, RAW.c.id)):
            skip = PROVENANCE | {"owner_id"}
            cols = [c for c in table.c if c.name not in skip]
            with store.read() as a, harvested.read() as b:
                assert a.execute(select(*cols).order_by(key)).all() == b.execute(select(*cols).order_by(key)).all()
    finally:
        cleanup()
