"""Hostile values in one record's field, through every harvest family: the simulator serves them
(`hostile_value` fault), the real connector reads them, the one writer judges them.

The invariant (issue 12): the run ends with a state and a message, never a traceback; the other
records of the listing land; nothing is withdrawn; nothing stored changes for a rejected record; and
what is stored holds no character a store or an XML page cannot hold.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub import characters
from hub.config import Registry
from hub.harvest.pipeline import Harvester
from hub.simulate import SimulatorServer
from hub.store.models import Instrument
from hub.store.networks import sync_networks
from tests.conftest import fail_fast_settings
from tests.hostile.corpus import TEXT

I = Instrument.__table__
#: One small network of each family.
FAMILIES = {"sdyq-xml": "150000", "hbkx-json": "450000", "yqlm-html": "460000", "oai-pmh": "350000"}
VALUES = ["nul", "control_chars", "xml_illegal", "lone_surrogate", "zero_width", "formula", "long_10mb"]
INDEX = 3


@pytest.fixture(scope="module")
def sim():
    with SimulatorServer(networks=list(FAMILIES.values()), scale=0.05, port=0) as server:
        for code in FAMILIES.values():
            server.set_fault(code, "rate_limit", per_second=None)
        yield server


@pytest.fixture
def harvester(store, sim, monkeypatch):
    monkeypatch.setenv("HUB_SIMULATOR_URL", sim.url)
    registry = Registry.load()
    sync_networks(store, registry)
    return Harvester(store, fail_fast_settings(max_retries=1)), registry


def _rows(store, code):
    with store.read() as conn:
        return {r.source_id: r for r in conn.execute(select(I).where(I.c.network == code))}


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_hostile_value_in_one_record(harvester, store, sim, family, value):
    harvest, registry = harvester
    code = FAMILIES[family]
    network = registry.get(code)
    sim.clear_faults(code)
    sim.set_fault(code, "rate_limit", per_second=None)
    [clean] = harvest.harvest(network, full=True)
    assert clean.state == "succeeded", clean.message
    before = _rows(store, code)
    sim.set_fault(code, "hostile_value", index=INDEX, field="specs", value=TEXT[value])
    try:
        [run] = harvest.harvest(network, full=True)
    finally:
        sim.clear_faults(code)
        sim.set_fault(code, "rate_limit", per_second=None)
    run.counts.check()
    after = _rows(store, code)
    assert set(after) == set(before), "a record appeared or vanished"
    assert all(r.withdrawn_at is None for r in after.values()), f"{run.state}: {run.message}"
    changed = {sid for sid, row in after.items() if row.content_hash != before[sid].content_hash}
    assert len(changed) <= 1, changed
    for sid in changed:  # the hostile record, taken: then what was stored is storable and bounded
        assert characters.first_illegal(after[sid].specs or "") is None and len(after[sid].specs or "") <= 10_000
    if run.state == "failed":  # the body could not be read past the value: said so, nothing withdrawn
        assert run.message and "Traceback" not in run.message
    else:
        assert run.counts.rejected + run.counts.unchanged + run.counts.updated == run.counts.fetched
    print(f"\n{family:10} {value:15} {run.state:9} rejected={run.counts.rejected} updated={run.counts.updated} "
          f"{(run.message or '')[:120]}")
