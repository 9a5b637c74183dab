"""The simulated OAI-PMH family: the protocol as the specification words it, each network's
deletedRecord policy, expiring tokens and faults — checked over real HTTP, partly with the hub's own
`oai-pmh` connector (what the harvest will do) and partly with raw requests (what the wire says)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from lxml import etree

from connectors import connector_class
from hub.config import NetworkConfig, mappings_dir
from hub.errors import ConnectorError
from hub.http import HttpClient
from hub.mapping import Mapping
from hub.simulate import SimulatorServer
from hub.simulate.families.oai_pmh import UTC_OFFSET
from hub.telemetry import Telemetry
from tests.conftest import wait_until

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "n": "http://nrii.example.cn/schema/instrument/1.0"}
HTTP = {
    "connect_timeout": 2.0,
    "read_timeout": 10.0,
    "max_retries": 3,
    "max_retry_after": 5.0,
    "backoff": 0.01,
    "max_body_bytes": 64 * 1024 * 1024,
    "user_agent": "hub-tests",
}
SCALE = 0.05  # Jiangsu 310 instruments, Liaoning 145, Fujian 95: several pages each, fast


@pytest.fixture(scope="module")
def sim():
    with SimulatorServer(networks=["320000", "210000", "350000"], scale=SCALE, port=0) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(sim):
    yield
    sim.clear_faults()


def oai(sim, code, **params):
    response = requests.get(sim.base_url(code) + "/oai", params=params, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    return etree.fromstring(response.content)


def error_code(root):
    err = root.find("o:error", NS)
    return None if err is None else err.get("code")


def connector(sim, code, **options):
    config = NetworkConfig(
        code=code,
        name=code,
        province="省",
        family="oai-pmh",
        mapping=f"{code}.yaml",
        base_url=sim.base_url(code),
        credentials={},
        options=options,
    )
    return connector_class("oai-pmh")(config, HttpClient(code, HTTP, Telemetry(), sleep=lambda s: None))


@pytest.mark.parametrize(
    "code, policy",
    [
        pytest.param("320000", "persistent", id="Jiangsu persistent"),
        pytest.param("210000", "transient", id="Liaoning transient"),
        pytest.param("350000", "no", id="Fujian no"),
    ],
)
def test_identify_declares_the_network_policy(sim, code, policy):
    root = oai(sim, code, verb="Identify")
    assert root.findtext("o:Identify/o:deletedRecord", namespaces=NS) == policy
    assert root.findtext("o:Identify/o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.findtext("o:Identify/o:protocolVersion", namespaces=NS) == "2.0"
    assert connector(sim, code).incremental is (policy != "no")


def test_formats_and_city_sets(sim):
    formats = oai(sim, "320000", verb="ListMetadataFormats").findall(".//o:metadataPrefix", NS)
    assert {f.text for f in formats} == {"oai_dc", "nrii", "nrii_service"}
    specs = [s.text for s in oai(sim, "320000", verb="ListSets").findall(".//o:setSpec", NS)]
    assert specs and all(s.startswith("32") and s.endswith("00") and len(s) == 6 for s in specs)


def test_full_harvest_with_the_connector_maps_with_the_jiangsu_mapping(sim):
    c = connector(sim, "320000")
    records = list(c.list_records(None))
    ids = [r.source_id for r in records]
    assert len(ids) == len(set(ids)) == len(sim.state("320000").live())
    assert c.http.telemetry.requests == 4  # 310 records, 100 a page
    mapping = Mapping.load(mappings_dir() / "320000.yaml")
    results = [mapping.map_record(r) for r in records]
    mapped = [m.record for m in results]
    state = sim.state("320000")
    for raw, result in zip(records, results):
        truth = state.record(int(raw.source_id.rsplit("-", 1)[1]) - 1)
        if truth.value_slip:  # 万元 typed as yuan in `worth`: dropped, and the province is told which field
            assert result.record["original_value"] is None
            assert [f for f, _ in result.warnings] == ["worth"], result.warnings
        else:  # Jiangsu gives every value (fill_rates.csv)
            assert result.record["original_value"] == truth.value_yuan
    assert {m["status"] for m in mapped} <= {
        "normal",
        "standby",
        "remote",
        "occasional_fault",
        "frequent_fault",
        "awaiting_repair",
        "awaiting_retirement",
    }
    assert all(m["region"]["province"] == "320000" for m in mapped)


def test_sets_select_one_city(sim):
    city = oai(sim, "320000", verb="ListSets").findtext(".//o:setSpec", namespaces=NS)
    records = list(connector(sim, "320000", sets=[city]).list_records(None))
    assert records and all(r.payload["location@city"] == city for r in records)


def test_from_and_until_are_inclusive(sim):
    stamp = oai(sim, "320000", verb="ListIdentifiers", metadataPrefix="nrii").findtext(".//o:datestamp", namespaces=NS)
    root = oai(sim, "320000", verb="ListIdentifiers", metadataPrefix="nrii", **{"from": stamp, "until": stamp})
    assert stamp in [d.text for d in root.findall(".//o:datestamp", NS)]
    day = oai(sim, "320000", verb="ListIdentifiers", metadataPrefix="nrii", **{"from": stamp[:10], "until": stamp[:10]})
    assert stamp in [d.text for d in day.findall(".//o:datestamp", NS)]


@pytest.mark.parametrize(
    "params, code",
    [
        pytest.param({"verb": "Explode"}, "badVerb", id="bad verb"),
        pytest.param({}, "badVerb", id="no verb"),
        pytest.param({"verb": "ListRecords"}, "badArgument", id="missing metadataPrefix"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "from": "yesterday"}, "badArgument", id="bad datestamp"),
        pytest.param(
            {"verb": "ListRecords", "metadataPrefix": "nrii", "from": "2013-01-01", "until": "2013-02-01T00:00:00Z"},
            "badArgument",
            id="mixed granularities",
        ),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "colour": "red"}, "badArgument", id="unknown argument"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat", id="unknown format"),
        pytest.param({"verb": "ListRecords", "resumptionToken": "nonsense"}, "badResumptionToken", id="bad token"),
        pytest.param({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "nrii"}, "badArgument", id="token not exclusive"),
        pytest.param({"verb": "ListRecords", "metadataPrefix": "nrii", "from": "2030-01-01"}, "noRecordsMatch", id="from in the future"),
        pytest.param(
            {"verb": "GetRecord", "metadataPrefix": "nrii", "identifier": "oai:js.nrii.example.cn:JS9999-2000-9999"},
            "idDoesNotExist",
            id="unknown identifier",
        ),
    ],
)
def test_protocol_errors(sim, params, code):
    assert error_code(oai(sim, "320000", **params)) == code


def test_get_record_of_a_listed_identifier(sim):
    identifier = oai(sim, "320000", verb="ListIdentifiers", metadataPrefix="nrii").findtext(".//o:identifier", namespaces=NS)
    root = oai(sim, "320000", verb="GetRecord", metadataPrefix="nrii", identifier=identifier)
    assert root.findtext(".//o:header/o:identifier", namespaces=NS) == identifier
    assert root.find(".//n:instrument/n:cname", NS) is not None


def _mutated(sim, code):
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    change = sim.mutate(code, update=3, delete=2, add=1)
    return before, change


def test_incremental_harvest_sees_changes_and_persistent_deletions(sim):
    before, change = _mutated(sim, "320000")
    records = list(connector(sim, "320000", overlap_seconds=0).list_records(before))
    deleted = [r for r in records if r.deleted]
    assert len(deleted) == 2 and len(records) == 2 + 3 + 1
    # persistent: the deleted headers stay in full listings too
    assert sum(r.deleted for r in connector(sim, "320000").list_records(None)) >= 2


def test_network_without_deletion_support_lets_records_vanish(sim):
    before, change = _mutated(sim, "350000")
    records = list(connector(sim, "350000", incremental=True, overlap_seconds=0).list_records(before))
    assert not any(r.deleted for r in records) and len(records) == 3 + 1
    full = {r.source_id for r in connector(sim, "350000").list_records(None)}
    assert len(full) == len(sim.state("350000").live())


def test_transient_network_forgets_deletions_after_a_while(sim):
    before, _ = _mutated(sim, "210000")
    assert sum(r.deleted for r in connector(sim, "210000").list_records(before)) == 2
    family = sim.app.families["210000"]
    family.transient_seconds = 0
    try:
        # Deletions are stamped up to a second ahead (hub.simulate.state.local_now): wait on the clock
        # until the last of them is in the past (a listing now would be cached until the next change).
        last = max(sim.state("210000").deleted.values())
        wait_until(lambda: datetime.now(timezone.utc).replace(tzinfo=None) + UTC_OFFSET > last, what="the deletions to be past")
        assert sum(r.deleted for r in connector(sim, "210000").list_records(before)) == 0
    finally:
        family.transient_seconds = type(family).transient_seconds


def test_expired_token_mid_harvest_restarts_without_duplicates(sim):
    c = connector(sim, "320000")
    ids = []
    for record in c.list_records(None):
        ids.append(record.source_id)
        if len(ids) == 150:
            sim.set_fault("320000", "token_expiry", expire_now=True)  # the token of page 2 → page 3 dies
    assert c.restarts == 1
    assert len(ids) == len(set(ids)) == len({r.source_id for r in connector(sim, "320000").list_records(None)})


def test_tokens_that_always_expire_fail_the_listing(sim):
    sim.set_fault("320000", "token_expiry", seconds=0)
    with pytest.raises(ConnectorError) as exc:
        list(connector(sim, "320000", max_restarts=2).list_records(None))
    assert exc.value.kind == "oai_badResumptionToken"


def test_maintenance_503_is_waited_for(sim):
    sim.set_fault("320000", "unavailable", retry_after=1, count=2)
    c = connector(sim, "320000")
    assert len(list(c.list_records(None))) > 300
    assert c.http.telemetry.failures.get("http_503") == 2


def test_truncated_page_fails_the_listing_after_earlier_records(sim):
    sim.set_fault("320000", "truncate", at=0.5, nth=2, count=5)
    seen = []
    with pytest.raises(ConnectorError) as exc:
        for record in connector(sim, "320000").list_records(None):
            seen.append(record)
    assert exc.value.kind == "malformed" and 100 <= len(seen) < 200


def test_empty_fault_answers_no_records_match(sim):
    sim.set_fault("320000", "empty")
    assert error_code(oai(sim, "320000", verb="ListRecords", metadataPrefix="nrii")) == "noRecordsMatch"


def test_service_statistics_per_year_map_with_the_service_section(sim):
    rows = list(connector(sim, "320000").service_stats(2012))
    data = sim.state("320000").data
    expected = sum(1 for i in range(data.n) if i not in sim.state("320000").deleted and data.stats(i, 2012))
    assert len(rows) == expected > 100
    mapping = Mapping.load(mappings_dir() / "320000.yaml")
    stats = [mapping.map_service(r) for r in rows]
    assert all(s["year"] == 2012 and s["effective_hours"] >= s["external_hours"] for s in stats)
    assert error_code(oai(sim, "320000", verb="ListRecords", metadataPrefix="nrii_service", set="year:1990")) == "noRecordsMatch"
