"""Design rule 1 at the page level: a listing that lost part of a page withdraws nothing.

Every family, through the simulator's fault switches and real HTTP: the run ends failed (listing not
complete), nothing is withdrawn, the message names the network and the page, and the records that did
arrive are still written.
"""

from __future__ import annotations

import dataclasses

import pytest

from hub.simulate import SimulatorServer
from tests.conftest import REFERENCE_NETWORKS
from tests.harvest.test_harvest_simulated import active, job_row

#: Fujian (oai-pmh, deletedRecord "no": every run a full listing) at this scale: 570 records, 6 pages of 100.
OAI = "350000"


@pytest.fixture(scope="module")
def sim():
    # The reference networks at the harvest tests' scale, plus an OAI-PMH network large enough for
    # six pages; one server for the module.
    with SimulatorServer(networks=REFERENCE_NETWORKS + [OAI], scale=0.3, port=0) as server:
        server.set_fault("420000", "rate_limit", per_second=None)
        yield server


@pytest.fixture(autouse=True)
def _clear(sim):
    yield
    sim.clear_faults()
    sim.set_fault("420000", "rate_limit", per_second=None)


def _with_options(network, **options):
    return dataclasses.replace(network, options={**network.options, **options})


def _harvest_then_break(harvester, registry, sim, store, code, fault, network=None, **params):
    network = network or registry.get(code)
    [first] = harvester.harvest(network, full=True)
    assert first.state == "succeeded", first.message
    before = active(store, code)
    assert before == first.counts.created > 0
    switch = sim.set_fault(code, fault, **params)
    [run] = harvester.harvest(network, full=True)
    assert switch.fired >= 1, "the fault never fired: the test proved nothing"
    assert run.state == "failed", run.message
    assert run.counts.withdrawn == 0 and active(store, code) == before, run.message
    job = job_row(store, run.job_id)
    assert job.state == "failed" and not job.listing_complete
    assert f"network {code}" in run.message
    return run


@pytest.mark.parametrize("boundary", [False, True], ids=["cut inside a row", "cut after a row"])
def test_a_yqlm_listing_page_cut_mid_table_withdraws_nothing(harvester, registry, sim, store, boundary):
    run = _harvest_then_break(harvester, registry, sim, store, "130000", "truncate", at=0.5, page=3, path="list.jsp", boundary=boundary)
    # A cut inside a GBK character fails the page's strict decoding instead: the page is named either way.
    assert "listing page 3 is cut short" in run.message or "listing page 3: bytes are not valid" in run.message
    if boundary:
        assert "listing page 3 is cut short" in run.message
        # Pages 1 and 2 whole, then the rows of page 3 before the cut but the last: all written.
        assert 40 < run.counts.fetched < 60
    assert run.counts.fetched >= 40
    assert run.counts.unchanged == run.counts.fetched


def test_a_yqlm_listing_page_short_of_rows_withdraws_nothing(harvester, registry, sim, store):
    run = _harvest_then_break(harvester, registry, sim, store, "130000", "short_page", keep=0.5, page=3, path="list.jsp")
    assert "listing page 3 has 10 rows where every page but the last has 20" in run.message
    assert run.counts.fetched == sim.state("130000").total - 10 and run.counts.unchanged == run.counts.fetched


def test_a_truncated_yqlm_detail_page_is_a_rejected_record_not_an_update(harvester, registry, sim, store):
    # Pages alone, no directory: every record's payload is its detail page (with the directory, a cut
    # page would fall back to the directory's identical values and count as unchanged).
    network = _with_options(registry.get("130000"), csv_directory=False, detail_pages=True)
    harvester.harvest(network, full=True)
    # Cut at a row boundary: the page still decodes and parses, only the closing markup tells.
    switch = sim.set_fault("130000", "truncate", at=0.5, path="detail.jsp", count=1, boundary=True)
    [run] = harvester.harvest(network, full=True)
    assert switch.fired == 1
    assert run.counts.updated == 0 and run.counts.rejected == 1, run.counts
    assert run.counts.withdrawn == 0


def test_a_short_hbkx_json_page_withdraws_nothing(harvester, registry, sim, store):
    network = _with_options(registry.get("420000"), page_size=20)
    run = _harvest_then_break(harvester, registry, sim, store, "420000", "short_page", network=network, keep=0.5, page=3)
    assert "instruments page 3 has 10 rows where pageSize=20" in run.message
    assert run.counts.fetched == 50 and run.counts.unchanged == 50  # pages 1, 2 and half of 3 written


def test_an_oai_page_without_its_resumption_token_withdraws_nothing(harvester, registry, sim, store):
    # Request 5 of the full listing is page 5 of 6; without its token it looks like the last page.
    run = _harvest_then_break(harvester, registry, sim, store, OAI, "drop_token", path="/oai", nth=5, count=1)
    assert "page 5 has no resumptionToken element" in run.message
    assert run.counts.fetched == 500 and run.counts.unchanged == 500


def test_an_oai_list_ending_short_of_its_complete_list_size_withdraws_nothing(harvester, registry, sim, store):
    # Page 3 is well-formed and keeps its token, but half its records are gone.
    run = _harvest_then_break(harvester, registry, sim, store, OAI, "short_page", path="/oai", nth=3, count=1, keep=0.5)
    assert "ended on page 6 with 520 records of completeListSize=570" in run.message
    assert run.counts.fetched == 520 and run.counts.unchanged == 520


def test_an_oai_page_cut_at_a_record_boundary_withdraws_nothing(harvester, registry, sim, store):
    # Cut after a </record>: no longer well-formed, the page fails as XML; pages 1–2 are written.
    run = _harvest_then_break(harvester, registry, sim, store, OAI, "truncate", path="/oai", nth=3, count=1, at=0.5, boundary=True)
    assert "page 3" in run.message and "not well-formed" in run.message
    assert run.counts.fetched >= 200


@pytest.mark.parametrize("boundary", [False, True], ids=["cut inside a record", "cut at a record boundary"])
def test_a_sdyq_export_cut_withdraws_nothing(harvester, registry, sim, store, boundary):
    run = _harvest_then_break(harvester, registry, sim, store, "370000", "truncate", at=0.5, boundary=boundary)
    assert "instrument export" in run.message
    total = sim.state("370000").total
    assert run.counts.fetched == total // 2
