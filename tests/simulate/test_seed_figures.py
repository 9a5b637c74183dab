"""Simulated Shandong matches the seed document, computed from the served XML as a harvester sees it."""

from collections import defaultdict
from decimal import Decimal

import requests
from lxml import etree

AUTH = ("hub", "hub-secret")
CERTIFIED = {"CMA", "CNAS", "CMA,CNAS", "是"}


def test_shandong_export_matches_the_seed(sim):
    r = requests.get(f"{sim.base_url('370000')}/exchange/instruments.xml", auth=AUTH, timeout=30)
    assert r.status_code == 200
    root = etree.fromstring(r.content)
    items = root.findall("Instrument")
    assert len(items) == int(root.get("count")) == 4117
    values = [Decimal(i.findtext("YZ")) * 10000 for i in items]  # 万元 -> yuan
    assert abs(sum(values) - Decimal("3461000000")) / Decimal("3461000000") < Decimal("0.01")
    assert sum(v > 300_000 for v in values) == 2586
    assert min(values) >= 100_000
    assert sum(i.findtext("JLRZ") in CERTIFIED for i in items) == 1034
    units = defaultdict(set)
    for i in items:
        owner = i.find("SSDW")
        units[owner.get("lx")].add(owner.text)
    assert {lx: len(names) for lx, names in units.items()} == {"中央在鲁": 38, "省属": 284, "市属": 406}


def test_roster_sizes(sim):
    assert sim.state("420000").total == 3500
    assert sim.state("130000").total == 1850


def test_catalogue_holds_what_search_tests_need(sim):
    names = defaultdict(list)
    state = sim.state("370000")
    for i in range(state.total):
        rec = state.record(i)
        names[rec.name].append(rec)
    assert sum(len(v) for k, v in names.items() if "液相色谱" in k) >= 5
    assert names["扫描电子显微镜"] and names["透射电子显微镜"]
    assert any(r.model == "SU8010" for r in names["扫描电子显微镜"])
    # chromatography mentioned in passing by instruments that are not chromatographs
    assert any("液相色谱" in r.specs + r.functions for k, v in names.items() if "色谱仪" not in k for r in v)
