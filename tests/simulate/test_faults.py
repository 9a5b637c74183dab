"""Every fault kind, in-process and over the control endpoint; determinism of the bytes."""

import hashlib
import time

import pytest
import requests
from lxml import etree

from hub.simulate import SimulatorServer

AUTH = ("hub", "hub-secret")


def xml_url(sim):
    return f"{sim.base_url('370000')}/exchange/instruments.xml"


def test_unavailable_is_503_with_retry_after(sim):
    sim.set_fault("370000", "unavailable", retry_after=7, count=1)
    r = requests.get(xml_url(sim), auth=AUTH, timeout=10)
    assert r.status_code == 503 and r.headers["Retry-After"] == "7"
    assert requests.get(xml_url(sim), auth=AUTH, timeout=10).status_code == 200


def test_http_error_on_the_nth_request_only(sim):
    base = sim.base_url("130000")
    sim.set_fault("130000", "http_error", status=502, nth=2, count=1, path="list.jsp")
    codes = [requests.get(f"{base}/yiqi/list.jsp?page={p}", timeout=10).status_code for p in (1, 2, 3)]
    assert codes == [200, 502, 200]


def test_http_error_on_one_page(sim):
    base = sim.base_url("130000")
    sim.set_fault("130000", "http_error", status=500, page=4)
    assert requests.get(f"{base}/yiqi/list.jsp?page=4", timeout=10).status_code == 500
    assert requests.get(f"{base}/yiqi/list.jsp?page=5", timeout=10).status_code == 200


def test_slow(sim):
    sim.set_fault("130000", "slow", delay=0.3)
    start = time.monotonic()
    requests.get(f"{sim.base_url('130000')}/yiqi/list.jsp", timeout=10)
    assert time.monotonic() - start >= 0.3


def test_truncated_export_is_cut_inside_an_element(sim):
    sim.set_fault("370000", "truncate", at=0.5, count=1)
    body = requests.get(xml_url(sim), auth=AUTH, timeout=30).content
    assert not body.rstrip().endswith(b"</SDYQExport>")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(body)
    assert 1000 < body.count(b"</Instrument>") < 3000


def test_truncated_page(sim):
    sim.set_fault("130000", "truncate", at=0.5)
    r = requests.get(f"{sim.base_url('130000')}/yiqi/list.jsp", timeout=10)
    assert "</html>" not in r.content.decode("gbk", errors="ignore")


def test_empty_listing(sim):
    sim.set_fault("370000", "empty")
    root = etree.fromstring(requests.get(xml_url(sim), auth=AUTH, timeout=10).content)
    assert root.get("count") == "0" and len(root) == 0


def test_rate_limit_fault_on_any_family(sim):
    sim.set_fault("130000", "rate_limit", per_second=2, retry_after=3)
    codes = [requests.get(f"{sim.base_url('130000')}/yiqi/list.jsp", timeout=10) for _ in range(4)]
    assert [r.status_code for r in codes][:2] == [200, 200] and codes[3].status_code == 429
    assert codes[3].headers["Retry-After"] == "3"


def test_unknown_fault_kind_or_parameter_is_refused(sim):
    with pytest.raises(ValueError, match="unknown fault kind"):
        sim.set_fault("370000", "flood")
    with pytest.raises(ValueError, match="unknown parameter"):
        sim.set_fault("370000", "slow", dealy=1)


def test_control_endpoint(sim):
    r = requests.post(f"{sim.url}/_control/370000/faults", json={"kind": "unavailable", "retry_after": 9}, timeout=10)
    assert r.status_code == 200 and r.json()["faults"][0]["kind"] == "unavailable"
    assert requests.get(xml_url(sim), auth=AUTH, timeout=10).status_code == 503
    assert requests.delete(f"{sim.url}/_control/370000/faults", timeout=10).json() == {"faults": []}
    assert requests.get(xml_url(sim), auth=AUTH, timeout=10).status_code == 200
    bad = requests.post(f"{sim.url}/_control/370000/faults", json={"kind": "nope"}, timeout=10)
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
    listed = requests.get(f"{sim.url}/_control/networks", timeout=10).json()
    assert {n["code"] for n in listed} == {"370000", "420000", "130000"}


def test_same_seed_same_bytes():
    def digest(seed):
        with SimulatorServer(networks=["370000", "130000"], scale=0.1, seed=seed) as sim:
            a = requests.get(xml_url(sim), auth=AUTH, timeout=30).content
            b = requests.get(f"{sim.base_url('130000')}/yiqi/list.jsp?page=2", timeout=10).content
            return hashlib.sha256(a + b).hexdigest()

    assert digest(1) == digest(1) != digest(2)
