"""Owner units: one row per (network, name), described by the newest record that says something."""

from __future__ import annotations

from sqlalchemy import select

from connectors.base import RawRecord
from hub.config import Registry
from hub.feed import samples
from hub.harvest.jobs import start_job
from hub.harvest.owners import OWNERS
from hub.harvest.writer import INSTRUMENTS, Provenance, RecordWriter
from hub.mapping import Mapping
from hub.store.networks import sync_networks


def _writer(store):
    registry = Registry.load()
    sync_networks(store, registry)
    mapping = Mapping.load(registry.get("110000").mapping_path)
    return RecordWriter(store, "110000", mapping, Provenance(job_id=start_job(store, "110000", "full").id))


def _raws(records):
    return [RawRecord(source_id=r["innerId"], payload=r) for r in records]


def test_a_missing_value_never_erases_one_and_the_newest_wins(store):
    a, b, c, d = samples.beijing_records(4)
    for r in (a, b, c):
        r["orgName"] = "北京大学"
    a.update(orgType="高校", orgLevel="中央")
    b.pop("creditCode"), b.pop("orgType"), b.pop("orgLevel")  # says nothing of the unit but its name
    c.update(orgType="科研院所", orgLevel="中央")  # later in the same batch: it wins
    d.update(orgName="清华大学", orgType="高校", orgLevel="中央")  # another unit, new in the same batch
    writer = _writer(store)
    writer.write_batch(_raws([a]))
    writer.write_batch(_raws([b, c, d]))

    with store.read() as conn:
        units = {r.name: r for r in conn.execute(select(OWNERS).where(OWNERS.c.network == "110000"))}
        owner_of = dict(conn.execute(select(INSTRUMENTS.c.source_id, INSTRUMENTS.c.owner_id)).all())
    assert set(units) == {"北京大学", "清华大学"}
    pku = units["北京大学"]
    assert (pku.credit_code, pku.type, pku.level) == (c["creditCode"], "institute", "central")
    assert owner_of[a["innerId"]] == owner_of[b["innerId"]] == owner_of[c["innerId"]] == pku.id
    assert owner_of[d["innerId"]] == units["清华大学"].id


def test_a_fresh_writer_finds_the_units_already_stored(store):
    a, b = samples.beijing_records(2)
    a.update(orgName="北京大学", orgType="高校")
    b.update(orgName="北京大学", orgType=None)
    _writer(store).write_batch(_raws([a]))
    _writer(store).write_batch(_raws([b]))  # another run: its cache starts from the store
    with store.read() as conn:
        units = conn.execute(select(OWNERS.c.name, OWNERS.c.type).where(OWNERS.c.network == "110000")).all()
    assert units == [("北京大学", "university")]


def test_the_owner_cache_stays_bounded_and_a_dropped_unit_is_read_again(store):
    from hub.harvest.owners import OwnerCache

    records = samples.beijing_records(40)
    for i, r in enumerate(records):
        r["orgName"] = f"单位{i % 20:02d}"
    writer = _writer(store)
    writer._owners = OwnerCache(limit=8)
    for start in range(0, 40, 4):
        writer.write_batch(_raws(records[start : start + 4]))
        assert len(writer._owners) <= 8
    with store.read() as conn:
        units = dict(conn.execute(select(OWNERS.c.name, OWNERS.c.id).where(OWNERS.c.network == "110000")).all())
        owner_of = dict(conn.execute(select(INSTRUMENTS.c.source_id, INSTRUMENTS.c.owner_id)).all())
    assert len(units) == 20  # the second pass over 单位00… found the units again instead of duplicating them
    assert all(owner_of[r["innerId"]] == units[r["orgName"]] for r in records)


def test_a_unit_described_anew_shows_at_once_in_kept_search_answers(store):
    """The API keeps whole answers until the catalogue changes (hub/web/api/answers.py): a unit that a
    later record describes anew changes what the earlier records show, though none of them is written
    (the record that describes it is written, which moves its network's search version)."""
    from hub.web import create_app

    a, b = samples.beijing_records(2)
    a.update(orgName="北京大学", orgType="高校", orgLevel="中央")
    b.update(orgName="北京大学", orgType="科研院所", orgLevel="中央")
    writer = _writer(store)
    writer.write_batch(_raws([a]))
    client = create_app({"STORE": store, "TESTING": True}).test_client()

    def shown_type():
        body = client.get("/api/v1/instruments", query_string={"network": "110000"}).json
        return next(i["owner"]["type"] for i in body["items"] if i["source_id"] == a["innerId"])

    assert shown_type() == "university"
    assert shown_type() == "university"  # kept
    writer.write_batch(_raws([b]))
    assert shown_type() == "institute"


def test_a_unit_described_anew_is_searched_as_described_in_every_record_of_it(store):
    """A later record that describes a unit anew is not the only one its description changes: the
    unit's earlier records show the new type too, so the owner-type filter and facet must find them
    under it (their documents were left with the old type; `owner_type=university` still found one)."""
    from hub.web import create_app

    a, b = samples.beijing_records(2)
    a.update(orgName="北京大学", orgType="高校", orgLevel="中央")
    b.update(orgName="北京大学", orgType="科研院所", orgLevel="中央")
    writer = _writer(store)
    writer.write_batch(_raws([a]))
    writer.write_batch(_raws([b]))
    client = create_app({"STORE": store, "TESTING": True}).test_client()

    def search(**filters):
        return client.get("/api/v1/instruments", query_string={"network": "110000", **filters}).json

    body = search()
    assert sorted(i["owner"]["type"] for i in body["items"]) == ["institute", "institute"]
    assert {f["value"]: f["count"] for f in body["facets"]["owner_type"]} == {"institute": 2}
    assert search(owner_type="university")["total"] == 0
    assert search(owner_type="institute")["total"] == 2
