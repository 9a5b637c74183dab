"""The search index a harvest keeps (tokens prepared before the write lock) is the index a full
rebuild from the stored instruments gives: nothing stale, nothing missing, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from connectors.base import RawRecord
from hub.config import Registry
from hub.feed import samples
from hub.harvest.jobs import start_job
from hub.harvest.writer import Provenance, RecordWriter
from hub.mapping import Mapping
from hub.search import postings, reindex_all, versions
from hub.search.tables import docs, posting_sets
from hub.store.models import Instrument
from hub.store.networks import sync_networks

I = Instrument.__table__

COLUMNS = [c for c in docs.c if c.name not in ("docid", "tsv")]


def index_snapshot(store) -> dict:
    """instrument id → (filter columns, text index content) as the search reads them."""
    with store.read() as conn:
        rows = {r.instrument_id: tuple(r) for r in conn.execute(select(*COLUMNS))}
        if store.dialect == "sqlite":
            texts = conn.execute(
                text(
                    "SELECT d.instrument_id, f.name, f.brand, f.body, f.place, f.tags "
                    "FROM search_docs d JOIN search_fts f ON f.rowid = d.docid"
                )
            ).all()
        else:
            texts = conn.execute(text("SELECT instrument_id, tsv::text FROM search_docs")).all()
    assert len(texts) == len(rows)
    return {t[0]: (rows[t[0]], tuple(t[1:])) for t in texts}


def test_the_index_after_harvests_equals_a_rebuild(harvester, registry, sim, store):
    for code in ("370000", "420000", "130000"):
        [run] = harvester.harvest(registry.get(code))
        assert run.state == "succeeded", run.message
    sim.mutate("370000", update=5, delete=2, add=3)
    sim.mutate("420000", update=5, delete=2, add=3)
    for code in ("370000", "420000"):
        harvester.harvest(registry.get(code))

    harvested = index_snapshot(store)
    reindex_all(store)
    rebuilt = index_snapshot(store)

    with store.read() as conn:
        active = conn.execute(select(func.count()).select_from(I).where(I.c.withdrawn_at.is_(None))).scalar_one()
    assert len(harvested) == active > 0
    assert harvested == rebuilt


def test_rows_indexed_as_written_agree_with_a_rebuild(store):
    """The writer hands the hook the rows it wrote: an owner unit's stored type fills a record that
    leaves it out, and a record listed and deleted in one batch stays out of the index."""
    registry = Registry.load()
    sync_networks(store, registry)
    first, second, third = samples.beijing_records(3)
    first["orgType"], second["orgName"] = "高校", first["orgName"]
    second.pop("orgType")
    writer = RecordWriter(
        store, "110000", Mapping.load(registry.get("110000").mapping_path), Provenance(job_id=start_job(store, "110000", "full").id)
    )
    writer.write_batch([RawRecord(source_id=first["innerId"], payload=first)])
    counts = writer.write_batch(
        [RawRecord(source_id=r["innerId"], payload=r) for r in (second, third)] + [RawRecord(source_id=third["innerId"], deleted=True)]
    )
    assert (counts.created, counts.withdrawn) == (2, 1)

    harvested = index_snapshot(store)
    assert set(harvested) == {f"110000:{first['innerId']}", f"110000:{second['innerId']}"}
    with store.read() as conn:
        types = dict(conn.execute(select(docs.c.instrument_id, docs.c.owner_type)).all())
    assert types[f"110000:{second['innerId']}"] == types[f"110000:{first['innerId']}"] is not None
    reindex_all(store)
    assert index_snapshot(store) == harvested


def test_a_harvest_ends_with_its_network_s_posting_lists_current(harvester, registry, sim, store):
    """PostgreSQL: the lists a nation-wide question reads (hub.search.postings) hold the harvest's
    documents once it ends, so questions about the network are not asked of each matching row."""
    if store.dialect != "postgresql":
        pytest.skip("the posting lists are PostgreSQL's")
    for code in ("370000", "420000"):
        [run] = harvester.harvest(registry.get(code))
        assert run.state == "succeeded", run.message
        assert "search lists" in run.telemetry["phases_s"]
        with store.read() as conn:
            assert postings.stale_networks(conn) == []
            listed = conn.execute(select(posting_sets.c.network)).scalars().all()
        assert code in listed
    sim.mutate("370000", update=5, delete=2, add=3)
    with store.read() as conn:
        before = dict(conn.execute(select(posting_sets.c.network, posting_sets.c.version)).all())
    harvester.harvest(registry.get("370000"))
    with store.read() as conn:
        after = dict(conn.execute(select(posting_sets.c.network, posting_sets.c.version)).all())
        assert postings.stale_networks(conn) == [] and after["370000"] == versions.of(conn, "370000") != before["370000"]
