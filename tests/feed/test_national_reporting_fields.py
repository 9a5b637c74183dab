"""The national reporting model's fields the common schema did not carry — how the unit came by the
instrument, customs supervision, typical achievements, sharing rules, postcode — pushed in NRII field
names and read back wherever a record is read: the API, the CSV export, OAI-PMH `nrii`, the page
(the national centre's probe: they were kept in the raw payload only)."""

import csv
import io
import json

from lxml import etree

RECORD = {
    "innerId": "NRII-1",
    "cname": "透射电子显微镜",
    "worth": "350",
    "status": "正常",
    "shareMode": "对外共享",
    "instrSource": "购置",
    "customs": "是",
    "achievement": "支撑发表论文 12 篇",
    "shareRule": "按《共享管理办法》对外开放",
    "postcode": "１０００８４",
}


def test_nrii_fields_pushed_are_carried_everywhere_a_record_is_read(push, client):
    other = dict(RECORD, innerId="NRII-2", instrSource="捐赠", customs="否", postcode="1000")  # a bad postcode is dropped
    report = push("110000", json.dumps([RECORD, other]).encode(), fmt="json", token="bj").get_json()
    assert report["counts"]["created"] == 2, report
    assert [w["field"] for w in report["warnings"]] == ["postcode"], report["warnings"]

    record = client.get("/api/v1/instruments/110000:NRII-1").get_json()
    assert (record["acquisition"], record["customs_supervised"], record["postcode"]) == ("purchased", True, "100084")
    assert record["achievements"] == "支撑发表论文 12 篇" and record["sharing_rules"] == "按《共享管理办法》对外开放"
    second = client.get("/api/v1/instruments/110000:NRII-2").get_json()
    assert (second["acquisition"], second["customs_supervised"], second["postcode"]) == ("donated", False, None)

    rows = {
        r["id"]: r
        for r in csv.DictReader(
            io.StringIO(client.get("/api/v1/instruments/export?format=csv&network=110000").get_data(as_text=True).lstrip("\ufeff"))
        )
    }
    assert (rows["110000:NRII-1"]["acquisition"], rows["110000:NRII-1"]["customs_supervised"]) == ("purchased", "true")

    xml = client.get("/oai?verb=GetRecord&metadataPrefix=nrii&identifier=oai:hub.nrii.example.cn:110000:NRII-1").data
    node = etree.fromstring(xml)
    said = {etree.QName(e).localname: e.text for e in node.iter() if isinstance(e.tag, str)}
    assert (said["instrSource"], said["customs"], said["shareRule"]) == ("购置", "是", "按《共享管理办法》对外开放")

    page = client.get("/instruments/110000:NRII-1").get_data(as_text=True)
    for shown in ("仪器来源", "购置", "海关监管", "典型成果", "共享规定", "100084"):
        assert shown in page, shown
