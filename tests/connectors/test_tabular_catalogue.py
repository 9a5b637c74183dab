"""A non-provincial, English-only register (FGBUK1, harvested from the simulator over HTTP) appears
in the catalogue, search, exports and OAI-PMH like any province, states no value without a total of 0,
and joins no provincial ranking unless a framework names it."""

from __future__ import annotations

import csv
import io

import pytest
import yaml
from lxml import etree
from sqlalchemy import insert, text

from hub.config import Registry
from hub.errors import ConfigError
from hub.evaluation.service import run_evaluation
from hub.harvest.pipeline import Harvester
from hub.simulate import SimulatorServer
from hub.store.models import Network
from hub.web import create_app
from hub import PROJECT_ROOT
from tests.conftest import fail_fast_settings
from tests.evaluation.evaluation_factories import AS_OF, populate

FRAMEWORK = PROJECT_ROOT / "conf" / "evaluation" / "networks-2013.yaml"


@pytest.fixture
def world(store, monkeypatch):
    populate(store)  # three provinces with instruments, jobs and service statistics
    if store.dialect == "postgresql":  # populate writes job ids itself; the harvest's jobs come after them
        with store.write() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('harvest_jobs', 'id'), (SELECT max(id) FROM harvest_jobs))"))
    with SimulatorServer(networks=["FGBUK1"], scale=1.0, port=0) as sim:
        monkeypatch.setenv("HUB_SIMULATOR_URL", sim.url)
        network = Registry.load().get("FGBUK1")
        with store.write() as conn:
            conn.execute(
                insert(Network), [{"code": network.code, "name": network.name, "province": network.province, "family": network.family}]
            )
        result = Harvester(store, fail_fast_settings(max_retries=1)).harvest_instruments(network)
    assert result.state == "succeeded" and result.counts.created == 570
    return store, create_app({"STORE": store, "TESTING": True}).test_client()


def test_it_is_in_the_catalogue_and_its_search(world):
    _, client = world
    listed = client.get("/api/v1/instruments?network=FGBUK1").get_json()
    assert listed["total"] == 570
    found = client.get("/api/v1/instruments?network=FGBUK1&q=Spectrometer").get_json()
    assert 0 < found["total"] < 570 and all("Spectrometer" in r["name"] for r in found["items"])
    one = found["items"][0]
    assert client.get(f"/api/v1/instruments/{one['id']}").status_code == 200
    assert client.get("/networks").status_code == 200


def test_it_is_in_the_exports(world):
    _, client = world
    body = client.get("/api/v1/instruments/export?network=FGBUK1&format=csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 570 and any("%2F" in r["source_id"] for r in rows)


def test_it_is_in_oai_pmh(world):
    _, client = world
    xml = client.get("/oai?verb=ListIdentifiers&metadataPrefix=nrii&set=network:FGBUK1").get_data()
    ns = {"o": "http://www.openarchives.org/OAI/2.0/"}
    headers = etree.fromstring(xml).findall(".//o:header", ns)
    assert headers and all(h.findtext("o:setSpec", namespaces=ns) == "network:FGBUK1" for h in headers)


def test_a_register_without_values_has_an_unknown_total_not_zero(world):
    _, client = world
    networks = {n["code"]: n for n in client.get("/api/v1/networks").get_json()}
    assert networks["FGBUK1"]["total_value"] is None and networks["370000"]["total_value"] not in (None, "0.00")
    page = client.get("/networks/FGBUK1?lang=en").get_data(as_text=True)
    assert "unknown" in page and "0.00" not in page


def test_it_joins_no_provincial_ranking_unless_the_framework_names_it(world, tmp_path):
    store, _ = world
    report, _ = run_evaluation(store, FRAMEWORK, period=2012, seed=7, runs=0, as_of=AS_OF)
    assert [u["id"] for u in report["units"]] == ["370000", "420000", "130000"]
    named = yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8"))
    named["include_networks"] = ["FGBUK1"]
    named["inputs"] = [str(FRAMEWORK.parent / i) for i in named.get("inputs", [])]
    path = tmp_path / "with-partner.yaml"
    path.write_text(yaml.safe_dump(named, allow_unicode=True), encoding="utf-8")
    report, _ = run_evaluation(store, path, period=2012, seed=7, runs=0, as_of=AS_OF)
    assert "FGBUK1" in [u["id"] for u in report["units"]]
    assert report["framework"]["include_networks"] == ["FGBUK1"]  # the report says whom it added
    # A code the store does not hold is said, not dropped in silence; a malformed one is named.
    named["include_networks"] = ["FGBUK1", "FGBUK9"]
    path.write_text(yaml.safe_dump(named, allow_unicode=True), encoding="utf-8")
    report, _ = run_evaluation(store, path, period=2012, seed=7, runs=0, as_of=AS_OF)
    assert "include_networks names FGBUK9, which the store does not hold: not ranked" in report["warnings"]
    named["include_networks"] = ["FGBUK1", "FOO"]
    path.write_text(yaml.safe_dump(named, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"include_networks\[1\]: .FOO.: expected"):
        run_evaluation(store, path, period=2012, seed=7, runs=0, as_of=AS_OF)


def test_a_value_in_another_currency_is_kept_with_it_and_never_shown_as_yuan(store, tmp_path):
    from connectors.base import RawRecord
    from hub.harvest.writer import Provenance, RecordWriter
    from hub.mapping import Mapping

    path = tmp_path / "FGBUK2.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "network": "FGBUK2",
                "family": "tabular",
                "source_id": "Name",
                "fields": {
                    "name": "Name",
                    "value_foreign.amount": {"from": "Value (GBP)", "transform": "decimal"},
                    "value_foreign.currency": {"const": "GBP"},
                },
            }
        ),
        encoding="utf-8",
    )
    mapping = Mapping.load(path)
    with store.write() as conn:
        conn.execute(insert(Network), [{"code": "FGBUK2", "name": "Partner", "province": "境外伙伴", "family": "tabular"}])
    counts = RecordWriter(store, "FGBUK2", mapping, Provenance()).write_batch(
        [RawRecord("NMR 600", {"Name": "NMR 600", "Value (GBP)": "12,500"})]
    )
    assert counts.created == 1
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    record = client.get("/api/v1/instruments/FGBUK2:NMR 600").get_json()
    assert record["original_value"] is None and record["value_foreign"] == {"amount": "12500.00", "currency": "GBP"}
    assert {n["code"]: n for n in client.get("/api/v1/networks").get_json()}["FGBUK2"]["total_value"] is None
    page = client.get("/instruments/FGBUK2:NMR 600?lang=zh").get_data(as_text=True)
    assert "12500.00 GBP" in page and "元" not in page.split("12500.00 GBP")[0].rsplit("<dt", 1)[-1]
    body = client.get("/api/v1/instruments/export?network=FGBUK2&format=csv").get_data().decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(body)))
    assert (row["original_value"], row["value_foreign_amount"], row["value_foreign_currency"]) == ("", "12500.00", "GBP")
