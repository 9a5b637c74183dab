"""Rows stored before the hub refused characters XML cannot hold must not break OAI-PMH (issue 12,
defect 2): every page that contains one answered 500, so a full harvest could never finish."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.web import create_app
from tests.factories import make_instruments

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}
#: What PostgreSQL can hold (everything but NUL) and what only SQLite can (NUL too).
STORED = {"control": "分辨率\x01 0.8\x0b nm\x1b", "noncharacter": "型号\ufffe\uffff", "nul": "质谱\x00仪"}


@pytest.mark.parametrize("kind", sorted(STORED))
def test_a_stored_illegal_character_does_not_turn_pages_into_500(store, kind):
    if kind == "nul" and store.dialect != "sqlite":
        pytest.skip("PostgreSQL cannot store NUL: no such row can exist there")
    value = STORED[kind]
    ids = make_instruments(store, [dict(specs=value, model=value[:20], name="液相色谱仪" + value[:3]), {}, {}])
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    for query in (
        "verb=ListRecords&metadataPrefix=nrii",
        "verb=ListRecords&metadataPrefix=oai_dc",
        "verb=ListIdentifiers&metadataPrefix=nrii",
        f"verb=GetRecord&metadataPrefix=nrii&identifier=oai:hub.nrii.example.cn:{ids[0]}",
    ):
        r = client.get(f"/oai?{query}")
        assert r.status_code == 200, (query, r.status_code)
        doc = etree.fromstring(r.get_data())  # well-formed XML, whatever the row holds
        assert not doc.findall("o:error", NS), (query, etree.tostring(doc)[:500])
    listed = etree.fromstring(client.get("/oai?verb=ListRecords&metadataPrefix=nrii").get_data())
    assert len(listed.findall(".//o:record", NS)) == 3
    assert "\ufffd" in etree.tostring(listed, encoding="unicode")  # shown as the replacement character
