"""The `tabular` family through real HTTP: the simulator's two spreadsheet registers (a UK Uniquip
register in Mac Roman without ids, an academy's register in the Chinese template), harvested into real
stores by configuration only."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from hub.harvest.pipeline import Harvester
from hub.simulate import SimulatorServer
from hub.simulate.families.tabular import nrii_rows, uk_rows
from hub.store.models import Instrument, RecordErrorRow
from hub.store.networks import sync_networks
from tests.conftest import fail_fast_settings

I, E = Instrument.__table__, RecordErrorRow.__table__
CODES = ["FGBUK1", "ACAS01"]
#: Distinct rows of each register at scale 1 (the UK one lists 30 of its 570 twice: 600 rows).
DISTINCT = {"FGBUK1": 570, "ACAS01": 400}


@pytest.fixture
def sim():
    with SimulatorServer(networks=CODES, scale=1.0, port=0) as server:
        yield server


@pytest.fixture
def harvester(store, registry):
    sync_networks(store, registry)
    return Harvester(store, fail_fast_settings(max_retries=1))


def _as(registry, code, filename):
    """The registry's entry for `code`, reading `filename` instead: a configuration change only."""
    network = registry.get(code)
    return dataclasses.replace(network, options=dict(network.options, files=[filename]))


def _active(store, code) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(I).where(I.c.network == code, I.c.withdrawn_at.is_(None))).scalar()


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("filename", ["register.csv", "register.xlsx"])
def test_each_template_as_csv_and_as_xlsx_is_harvested_by_configuration_only(sim, registry, store, harvester, code, filename):
    result = harvester.harvest_instruments(_as(registry, code, filename))
    assert result.state == "succeeded", result.message
    assert result.counts.created == DISTINCT[code] == _active(store, code)
    c = result.counts
    assert c.fetched == c.created + c.updated + c.unchanged + c.rejected + c.repeated + c.deleted
    with store.read() as conn:
        names = set(conn.execute(select(I.c.name).where(I.c.network == code)).scalars())
    if code == "FGBUK1":
        assert any("/" in n for n in names)  # the natural id's slash is kept in the name
    else:  # the names as the register wrote them: Chinese read as Chinese, no mojibake
        assert names == {" ".join(row[1].split()) for row in nrii_rows(sim.state(code))}


@pytest.mark.parametrize("code", CODES)
def test_a_second_harvest_of_an_unchanged_file_makes_one_conditional_request_and_changes_nothing(sim, registry, store, harvester, code):
    network = registry.get(code)
    first = harvester.harvest_instruments(network)
    assert first.state == "succeeded"
    with store.read() as conn:
        before = conn.execute(select(I.c.id, I.c.content_hash, I.c.last_seen).order_by(I.c.id)).all()
    requests = sim.state(code).requests
    second = harvester.harvest_instruments(network)
    assert sim.state(code).requests - requests == 1
    assert second.state == "succeeded" and "unchanged since the last complete listing" in second.message
    assert (second.counts.fetched, second.counts.created, second.counts.updated, second.counts.withdrawn) == (0, 0, 0, 0)
    with store.read() as conn:
        assert conn.execute(select(I.c.id, I.c.content_hash, I.c.last_seen).order_by(I.c.id)).all() == before


def test_a_changed_file_is_read_again_and_withdraws_what_it_no_longer_lists(sim, registry, store, harvester):
    network = registry.get("ACAS01")
    harvester.harvest_instruments(network)
    sim.mutate("ACAS01", update=3, delete=4)
    result = harvester.harvest_instruments(network)
    assert result.state == "succeeded", result.message
    assert (result.counts.updated, result.counts.withdrawn) == (3, 4)
    assert _active(store, "ACAS01") == DISTINCT["ACAS01"] - 4


@pytest.mark.parametrize("filename", ["register.csv", "register.xlsx"])
def test_a_truncated_file_withdraws_nothing(sim, registry, store, harvester, filename):
    network = _as(registry, "ACAS01", filename)
    assert harvester.harvest_instruments(network).state == "succeeded"
    sim.mutate("ACAS01", delete=5)  # five instruments really are gone: a complete file would withdraw them
    sim.set_fault("ACAS01", "truncate", at=0.6)
    result = harvester.harvest_instruments(network)
    assert result.state == "failed"
    assert result.counts.withdrawn == 0 and _active(store, "ACAS01") == DISTINCT["ACAS01"]
    assert "truncated" in result.message or "not proven complete" in result.message or "broken off" in result.message


def test_the_uk_register_gets_every_distinct_row_in_and_every_repeat_reported(sim, registry, store, harvester):
    rows = uk_rows(sim.state("FGBUK1"))
    assert len(rows) == 600 and len(set(rows)) == DISTINCT["FGBUK1"]
    result = harvester.harvest_instruments(registry.get("FGBUK1"))
    c = result.counts
    assert result.state == "succeeded", result.message
    assert (c.fetched, c.created, c.repeated, c.rejected) == (600, 570, 30, 0)  # a repeat counts once, as repeated
    assert c.fetched == c.created + c.updated + c.unchanged + c.rejected + c.repeated + c.deleted
    with store.read() as conn:
        errors = conn.execute(select(E.c.source_id, E.c.field, E.c.message).where(E.c.network == "FGBUK1")).all()
        ids = set(conn.execute(select(I.c.source_id).where(I.c.network == "FGBUK1")).scalars())
        contacts = set(conn.execute(select(I.c.contact_name).where(I.c.network == "FGBUK1")).scalars())
    assert len(errors) == 30 and all(e.field == "(record id)" and "repeats register.csv line" in e.message for e in errors)
    assert {e.source_id for e in errors} <= ids  # each repeat names the id it shares with a record that is in
    slashed = sum("/" in row[1] for row in set(rows))  # distinct rows with a slash in the natural id
    assert slashed >= 30 and sum("%2F" in i for i in ids) == slashed  # encoded, not refused
    assert {"Zoë Brontë", "José Núñez"} <= contacts  # Mac Roman read as Mac Roman


def test_the_tabular_registers_publish_no_service_statistics(sim, registry, store, harvester):
    requests = sim.state("FGBUK1").requests
    result = harvester.harvest_service(registry.get("FGBUK1"), 2012)
    assert result.state == "succeeded" and result.counts.fetched == 0
    assert sim.state("FGBUK1").requests == requests  # nothing asked of the register


def test_a_register_of_two_files_is_one_listing_and_one_conditional_request_a_file(sim, registry, store, harvester):
    network = registry.get("ACAS01")
    network = dataclasses.replace(network, options=dict(network.options, files=["register.csv", "register.xlsx"]))
    first = harvester.harvest_instruments(network)
    # The same register twice: every row of the second file repeats one of the first, reported as such.
    assert (first.state, first.counts.fetched, first.counts.created, first.counts.repeated) == ("succeeded", 800, 400, 400)
    requests = sim.state("ACAS01").requests
    second = harvester.harvest_instruments(network)
    assert sim.state("ACAS01").requests - requests == 2 and second.counts.fetched == 0
