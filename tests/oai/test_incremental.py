"""What an incremental harvester of /oai sees of writes made while it harvests: it asks with `from` =
the previous harvest's responseDate (the OAI-PMH harvester guidelines), so a record may never carry
a datestamp earlier than the moment it could first be read."""

from __future__ import annotations

import time

from sickle import Sickle, oaiexceptions

from connectors.base import RawRecord
from hub.config import Registry
from hub.feed import samples
from hub.harvest.writer import Provenance, RecordWriter
from hub.mapping import Mapping
from hub.store.networks import sync_networks
from tests.dedup.test_one_per_cluster import OWNER
from tests.factories import make_instruments

REPO = "hub.nrii.example.cn"


def _writer(store) -> RecordWriter:
    registry = Registry.load()
    sync_networks(store, registry)
    return RecordWriter(store, "110000", Mapping.load(registry.get("110000").mapping_path), Provenance())


def _harvest(url, **since) -> tuple[list[str], str | None]:
    """(identifiers, responseDate of the first response), as an incremental harvester keeps them."""
    try:
        headers = Sickle(url).ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False, **since)
    except oaiexceptions.NoRecordsMatch:
        return [], None
    response_date = headers.oai_response.xml.findtext("{http://www.openarchives.org/OAI/2.0/}responseDate")
    return [h.identifier for h in headers], response_date


def test_a_batch_written_after_a_harvest_asked_is_in_the_next_incremental_harvest(store, server):
    records = samples.beijing_records(3)
    _writer(store).write_batch([RawRecord(source_id=r["innerId"], payload=r) for r in records])
    for r in records:
        r["address"] += " 3号楼"
    # The harvest pipeline maps a batch, then waits for the write lock while another network's
    # batch is written: a registry harvests the hub in between.
    writer = _writer(store)  # the next run
    prepared = writer.prepare([RawRecord(source_id=r["innerId"], payload=r) for r in records])
    time.sleep(1.01 - time.time() % 1)  # into the next second: datestamps have seconds granularity
    before, response_date = _harvest(server)
    with store.write() as conn:
        writer.apply(conn, prepared)

    changed, _ = _harvest(server, **{"from": response_date})
    assert len(before) == 3  # the first harvest read the records as they were
    assert sorted(changed) == sorted(f"oai:{REPO}:110000:{r['innerId']}" for r in records)


def test_a_batch_a_harvest_asked_during_is_in_the_next_incremental_harvest(store, server, monkeypatch):
    from hub.harvest import writer as writer_module

    records = samples.beijing_records(3)
    _writer(store).write_batch([RawRecord(source_id=r["innerId"], payload=r) for r in records])
    for r in records:
        r["address"] += " 3号楼"
    indexed, asked = writer_module.instruments_changed, []

    def index_then_a_harvest(conn, ids, prepared=None):
        # The batch's search documents take most of its write (0.1-0.2 s of 0.2-0.5 s for 500
        # records); a registry harvests the hub meanwhile.
        indexed(conn, ids, prepared)
        if ids and not asked:
            time.sleep(1.01 - time.time() % 1)
            asked.append(_harvest(server)[1])

    monkeypatch.setattr(writer_module, "instruments_changed", index_then_a_harvest)
    _writer(store).write_batch([RawRecord(source_id=r["innerId"], payload=r) for r in records])

    changed, _ = _harvest(server, **{"from": asked[0]})
    assert sorted(changed) == sorted(f"oai:{REPO}:110000:{r['innerId']}" for r in records)


def test_a_cluster_resolved_while_a_harvest_asked_is_in_the_next_incremental_harvest(store, server, monkeypatch):
    from hub.dedup import store as dedup

    a, b, c = make_instruments(store, [dict(network=n, owner=OWNER) for n in ("370000", "420000", "130000")])
    dedup.resolve_pending(store)
    computed = dedup._resolution
    asked = []

    def then_a_harvest(conn, settings, network=None):
        # Computed (on SQLite before the write lock, which other writers may hold for seconds);
        # a registry harvests the hub before it is written.
        resolution = computed(conn, settings, network)
        time.sleep(1.01 - time.time() % 1)
        asked.append(_harvest(server)[1])
        return resolution

    monkeypatch.setattr(dedup, "_resolution", then_a_harvest)
    dedup.decide(store, "split", a, b, actor="test")  # a leaves the cluster: every record's clusterId changes
    with store.read() as conn:
        assert len({dedup.cluster_id(conn, i) for i in (a, b, c)}) == 2

    changed, _ = _harvest(server, **{"from": asked[0]})
    assert sorted(changed) == sorted(f"oai:{REPO}:{i}" for i in (a, b, c))


def _harvest_next_second(server) -> str:
    """A registry's harvest in the next second (datestamps have seconds granularity): its responseDate."""
    time.sleep(1.01 - time.time() % 1)
    response_date = _harvest(server)[1]
    assert response_date is not None
    return response_date


def test_a_deletion_a_harvest_asked_during_is_in_the_next_incremental_harvest(store, server, monkeypatch):
    from hub.harvest import writer as writer_module

    records = samples.beijing_records(3)
    _writer(store).write_batch([RawRecord(source_id=r["innerId"], payload=r) for r in records])
    indexed, asked = writer_module.instruments_changed, []

    def index_then_a_harvest(conn, ids, prepared=None):
        # The withdrawn records' search documents are written after their tombstones (0.35-0.42 s
        # for 490 deletions); a registry harvests the hub meanwhile.
        indexed(conn, ids, prepared)
        if ids and not asked:
            asked.append(_harvest_next_second(server))

    monkeypatch.setattr(writer_module, "instruments_changed", index_then_a_harvest)
    _writer(store).write_batch([RawRecord(source_id=r["innerId"], deleted=True) for r in records])

    changed, _ = _harvest(server, **{"from": asked[0]})
    assert sorted(changed) == sorted(f"oai:{REPO}:110000:{r['innerId']}" for r in records)


def _listing_lacking_the_first(store, records):
    """A complete listing of 110000 that lacks records[0]: (its job, its writer)."""
    from hub.harvest.jobs import start_job

    _writer(store).write_batch([RawRecord(source_id=r["innerId"], payload=r) for r in records])
    time.sleep(0.01)  # the listing starts after the records were last seen
    job = start_job(store, "110000", "push")
    listing = _writer(store)
    listing.write_batch([RawRecord(source_id=r["innerId"], payload=r) for r in records[1:]])
    job.counts.fetched = len(records) - 1
    return job, listing


def test_a_withdrawal_by_absence_a_harvest_asked_during_is_in_the_next_incremental_harvest(store, server, monkeypatch):
    from hub.harvest import guard

    records = samples.beijing_records(10)
    job, listing = _listing_lacking_the_first(store, records)
    settled, asked = guard.settle, []

    def settle_then_a_harvest(*args, **kwargs):
        # The listing's last sightings are written after the tombstones (a network's worth of rows);
        # a registry harvests the hub meanwhile.
        settled(*args, **kwargs)
        asked.append(_harvest_next_second(server))

    monkeypatch.setattr(guard, "settle", settle_then_a_harvest)
    enforced = guard.enforce(
        store, job, listing, complete=True, active_before=10, withdrawal={"max_share": 0.5, "min_listing": 1}, reason="absent"
    )
    assert enforced.decision.action == "withdraw"

    changed, _ = _harvest(server, **{"from": asked[0]})
    assert changed == [f"oai:{REPO}:110000:{records[0]['innerId']}"]


def test_a_held_withdrawal_confirmed_while_a_harvest_asked_is_in_the_next_incremental_harvest(store, server, monkeypatch):
    from hub.feed import holds
    from hub.harvest import guard

    records = samples.beijing_records(10)
    job, listing = _listing_lacking_the_first(store, records)
    enforced = guard.enforce(
        store, job, listing, complete=True, active_before=10, withdrawal={"max_share": 0.01, "min_listing": 1}, reason="absent"
    )
    assert enforced.decision.action == "hold"
    recorded, asked = holds.audit.record, []

    def audit_then_a_harvest(conn, **entry):
        recorded(conn, **entry)
        asked.append(_harvest_next_second(server))

    monkeypatch.setattr(holds.audit, "record", audit_then_a_harvest)
    holds.decide(store, enforced.hold, "confirm", actor="test")

    changed, _ = _harvest(server, **{"from": asked[0]})
    assert changed == [f"oai:{REPO}:110000:{records[0]['innerId']}"]
