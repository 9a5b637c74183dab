"""A complete listing proves its unchanged records present without writing them (`hub.store.listings`):
withdrawal by absence, holds and the last sighting shown by the API still come out right."""

from __future__ import annotations

import json

from sqlalchemy import select

from connectors.base import RawRecord
from hub.exports.record import fetch_records, iso
from hub.feed import holds
from hub.harvest.writer import Provenance, RecordWriter
from hub.mapping import Mapping
from hub.store.listings import LISTINGS
from hub.store.models import Instrument, RawRecordRow, WithdrawalHold

I = Instrument.__table__
CODE = "130000"


def _columns(store, network=CODE) -> dict:
    with store.read() as conn:
        return {r.id: (r.last_seen, r.absent_since, r.withdrawn_at) for r in conn.execute(select(I).where(I.c.network == network))}


def _listed_at(store, network=CODE):
    with store.read() as conn:
        return conn.execute(select(LISTINGS.c.listed_at, LISTINGS.c.job_id).where(LISTINGS.c.network == network)).one()


def _shown(store, iid) -> str:
    with store.read() as conn:
        return fetch_records(conn, [iid])[0]["provenance"]["last_seen"]


def test_an_unchanged_full_listing_writes_no_record_yet_shows_it_seen(harvester, registry, store):
    network = registry.get(CODE)
    [first] = harvester.harvest(network, full=True)
    before = _columns(store)
    [again] = harvester.harvest(network, full=True)
    assert again.state == "succeeded" and again.counts.unchanged == again.counts.fetched - again.counts.rejected
    assert _columns(store) == before  # no row rewritten: not even last_seen
    listed = _listed_at(store)
    assert listed.job_id == again.job_id
    some = sorted(iid for iid, (_, _, withdrawn) in before.items() if withdrawn is None)[:3]
    assert [_shown(store, iid) for iid in some] == [iso(listed.listed_at)] * 3


def test_absence_from_a_complete_listing_still_withdraws_and_the_tombstone_keeps_the_last_sighting(harvester, registry, sim, store):
    network = registry.get(CODE)
    harvester.harvest(network, full=True)
    harvester.harvest(network, full=True)  # unchanged: proves every record present, writes none
    proved = _listed_at(store).listed_at
    assert len(sim.mutate(CODE, delete=3)["deleted"]) == 3
    [run] = harvester.harvest(network, full=True)
    assert run.counts.withdrawn == 3
    columns = _columns(store)
    withdrawn = {iid for iid, (_, _, w) in columns.items() if w is not None}
    assert len(withdrawn) == 3
    # Their last sighting was the listing before, written out as they left; the others were seen now.
    assert {columns[iid][0] for iid in withdrawn} == {proved}
    now_listed = _listed_at(store).listed_at
    active = sorted(iid for iid in columns if iid not in withdrawn)[:2]
    assert [_shown(store, iid) for iid in active] == [iso(now_listed)] * 2


def _served_by_the_api(store):
    """The last sighting the search API shows for a record (answers are kept until the catalogue changes)."""
    from hub.web import create_app

    client = create_app({"STORE": store, "TESTING": True}).test_client()

    def served(iid):
        page = 1
        while True:
            body = client.get("/api/v1/instruments", query_string={"network": CODE, "page_size": 100, "page": page}).json
            found = [i["provenance"]["last_seen"] for i in body["items"] if i["id"] == iid]
            if found or page * 100 >= body["total"]:
                return found[0] if found else None
            page += 1

    return served


def test_held_absent_records_keep_their_last_sighting_and_one_listed_again_is_not_withdrawn(harvester, registry, sim, store):
    network = registry.get(CODE)
    harvester.harvest(network, full=True)
    harvester.harvest(network, full=True)
    proved = _listed_at(store).listed_at
    total = len(_columns(store))
    sim.mutate(CODE, delete=int(total * 0.6))
    [run] = harvester.harvest(network, full=True)
    assert run.counts.withdrawn == 0 and "confirmation" in run.message
    with store.read() as conn:
        hold = conn.execute(select(WithdrawalHold.__table__)).one()
    columns = _columns(store)
    held = sorted(hold.instrument_ids)
    assert all(columns[iid][1] is not None and columns[iid][0] == proved for iid in held)
    assert _shown(store, held[0]) == iso(proved)  # absent: its own last sighting, not the new listing's
    assert _shown(store, sorted(set(columns) - set(held))[0]) == iso(_listed_at(store).listed_at)

    # One held record is listed again, unchanged (a push, a later listing): it is stamped and unmarked.
    back = held[0]
    served = _served_by_the_api(store)
    assert served(back) == _shown(store, back) == iso(proved)  # the API keeps this answer from here on
    with store.read() as conn:
        raw = conn.execute(select(RawRecordRow.__table__).where(RawRecordRow.__table__.c.id == back)).one()
    writer = RecordWriter(store, CODE, Mapping.load(network.mapping_path), Provenance(job_id=None))
    counts = writer.write_batch([RawRecord(raw.source_id, json.loads(raw.payload))], listing=True)
    assert counts.unchanged == 1
    last_seen, absent, _ = _columns(store)[back]
    assert absent is None and last_seen > proved
    assert served(back) == _shown(store, back) != iso(proved)  # no document changed, yet the answer did

    decided = holds.decide(store, hold.id, "confirm", actor="test")
    assert sorted(decided["withdrawn"]) == held[1:]
    assert _columns(store)[back][2] is None
