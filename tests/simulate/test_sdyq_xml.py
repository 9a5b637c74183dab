"""sdyq-xml wire format, auth, since + mutations, encodings and gzip (sdyq-xml.md)."""

import gzip
import re
from datetime import datetime

import pytest
import requests
from lxml import etree
from stdnum.cn import uscc

from hub.simulate import SimulatorServer

AUTH = ("hub", "hub-secret")
ELEMENTS = [
    "YQBH",
    "YQMC",
    "YWMC",
    "FLDM",
    "GGXH",
    "SCCS",
    "CDGB",
    "YZ",
    "QYRQ",
    "SSDW",
    "SZDQ",
    "AZDD",
    "ZYJSZB",
    "ZYGN",
    "FWNR",
    "SFBZ",
    "YYWZ",
    "LXR",
    "LXDH",
    "DZYX",
    "YXZT",
    "GXMS",
    "JLRZ",
    "GXSJ",
]
QYRQ_FORMS = {
    "iso": r"^\d{4}-\d{2}-\d{2}$",
    "month": r"^\d{4}-\d{2}$",
    "slash": r"^\d{4}/\d{1,2}/\d{1,2}$",
    "cn": r"^\d{4}年\d{1,2}月$",
}


def export(url, **params):
    r = requests.get(f"{url}/exchange/instruments.xml", params=params, auth=AUTH, timeout=30)
    assert r.status_code == 200, r.text[:200]
    return etree.fromstring(r.content)


@pytest.fixture(scope="module")
def shandong(sim):
    return export(sim.base_url("370000"))


@pytest.mark.parametrize("auth", [None, ("hub", "wrong"), ("other", "hub-secret")], ids=["none", "bad password", "bad user"])
def test_wrong_credentials_are_401(sim, auth):
    r = requests.get(f"{sim.base_url('370000')}/exchange/instruments.xml", auth=auth, timeout=10)
    assert r.status_code == 401


def test_every_record_has_the_documented_elements_in_order(shandong):
    for item in shandong.findall("Instrument")[:200]:
        tags = [c.tag for c in item]
        assert [t for t in tags if t in ELEMENTS] == ELEMENTS


def test_quirks_of_the_doc_occur(shandong):
    items = shandong.findall("Instrument")
    fldm = [i.findtext("FLDM") for i in items]
    assert any(len(c) == 4 for c in fldm) and sum(len(c) == 6 for c in fldm) > 0.95 * len(items)
    forms = {name for i in items for name, rx in QYRQ_FORMS.items() if re.match(rx, i.findtext("QYRQ"))}
    assert forms == set(QYRQ_FORMS)
    assert any(not i.findtext("YWMC") for i in items)
    codes = [i.find("SSDW").get("xydm") for i in items]
    valid = sum(1 for c in codes if c and uscc.is_valid(c))
    assert 0.85 * len(items) < valid < len(items)
    assert any(c is None for c in codes) and any(c and not uscc.is_valid(c) for c in codes)
    assert {i.findtext("JLRZ") for i in items} >= {"CMA", "CNAS", "CMA,CNAS", "是", "否", ""}
    known = set(ELEMENTS)
    assert any(c.tag not in known for i in items for c in i)  # newer exports add elements
    assert any(i.findtext("SZDQ").endswith("00") for i in items)
    assert all(datetime.strptime(i.findtext("GXSJ"), "%Y-%m-%d %H:%M:%S") for i in items[:100])


def test_service_stats(sim):
    # 2011: drawn instrument by instrument (2012 is the calibrated appraisal year, below)
    r = requests.get(f"{sim.base_url('370000')}/exchange/service-stats.xml", params={"year": 2011}, auth=AUTH, timeout=30)
    root = etree.fromstring(r.content)
    rows = root.findall("Record")
    assert root.get("year") == "2011" and int(root.get("count")) == len(rows) > 2000
    hours = [int(x.get("ZJS")) for x in rows]
    mean_used = sum(hours) / len(hours)
    assert 1000 < mean_used < 1800  # around the national ~1,440 h per instrument in use
    assert all(int(x.get("DWFWJS")) <= int(x.get("ZJS")) and int(x.get("QYFWCS")) <= int(x.get("DWFWCS")) for x in rows)


def test_service_stats_of_2012_are_the_seed_appraisal(sim):
    """The seed document's 2012 appraisal: 342 instruments, 937,700 hours, 48,483 external services
    (hub/simulate/calibration.py), served as any year is."""
    r = requests.get(f"{sim.base_url('370000')}/exchange/service-stats.xml", params={"year": 2012}, auth=AUTH, timeout=30)
    rows = etree.fromstring(r.content).findall("Record")
    assert len(rows) == 342
    assert sum(int(x.get("ZJS")) for x in rows) == 937_700 and sum(int(x.get("DWFWCS")) for x in rows) == 48_483


def test_since_returns_mutations_and_deletions(sim):
    url = sim.base_url("370000")
    before = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    baseline = export(url, since="2099-01-01T00:00:00")
    assert len(baseline) == 0
    summary = sim.mutate("370000", update=3, delete=2, add=4)
    try:
        root = export(url, since="2014-01-01T00:00:00")
        assert int(root.get("count")) == len(root.findall("Instrument")) == 7
        deleted = root.findall("Deleted")
        assert len(deleted) == 2 and all(d.get("at") >= before.replace("T", " ")[:10] for d in deleted)
        full = export(url)
        ids = {i.findtext("YQBH") for i in full.findall("Instrument")}
        assert len(ids) == 4117 - 2 + 4
        assert not {d.get("YQBH") for d in deleted} & ids
    finally:
        assert summary["deleted"]


def test_gb18030_and_gzip_variants():
    with SimulatorServer(networks=["410000"], scale=0.05) as sim:  # Henan: GB18030 and gzip
        r = requests.get(
            f"{sim.base_url('410000')}/exchange/instruments.xml", auth=AUTH, timeout=30, stream=True, headers={"Accept-Encoding": "gzip"}
        )
        assert r.headers["Content-Encoding"] == "gzip"
        raw = gzip.decompress(r.raw.read())
        assert raw.startswith(b'<?xml version="1.0" encoding="GB18030"?>')
        root = etree.fromstring(raw)
        assert root.find("Instrument/YQMC").text == raw.split(b"<YQMC>")[1].split(b"</YQMC>")[0].decode("gb18030")
        plain = requests.get(
            f"{sim.base_url('410000')}/exchange/instruments.xml", auth=AUTH, timeout=30, headers={"Accept-Encoding": "identity"}
        )
        assert "Content-Encoding" not in plain.headers and plain.content == raw


def test_network_without_since_sends_the_full_export():
    with SimulatorServer(networks=["140000"], scale=0.05) as sim:  # Shanxi: YZ in yuan, no since=
        root = export(sim.base_url("140000"), since="2013-10-01T00:00:00")
        assert len(root.findall("Instrument")) == 70
        assert all("." not in i.findtext("YZ") for i in root.findall("Instrument"))
