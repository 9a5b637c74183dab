"""The two metadata formats the OAI-PMH provider disseminates (hub.web.oai), each a writer of one
instrument row under a record's `metadata` element: `nrii`, the national reporting model the OAI
networks send, and `oai_dc`, Dublin Core. `WRITERS` names them by metadataPrefix.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from functools import lru_cache

from lxml import etree

from hub.characters import for_xml
from hub.config import mappings_dir
from hub.oaipmh import DC_NS, NRII_NS, OAI_DC_NS, XSI_NS
from hub.web.public_url import external

#: Common-schema codes → the national list's words (nrii is the national reporting model).
STATUS = {
    "normal": "正常",
    "standby": "待机",
    "remote": "远程服务中",
    "occasional_fault": "偶有故障",
    "frequent_fault": "故障频繁",
    "awaiting_repair": "待修",
    "awaiting_retirement": "待报废",
    "retired": "报废",
}
SHARING = {"external": "外部共享", "internal": "内部共享", "none": "不共享"}
ACQUISITION = {"purchased": "购置", "developed": "研制", "donated": "赠送", "other": "其他"}
OWNER_TYPE = {"university": "高校", "institute": "科研院所", "enterprise": "企业", "other": "其他"}


@lru_cache(maxsize=1)
def category_names() -> dict[str, str]:
    with open(mappings_dir() / "codes" / "classification.csv", encoding="utf-8", newline="") as fh:
        return {row["code"]: row["name_zh"] for row in csv.DictReader(fh)}


def element(parent, tag, text=None, **attrs):
    # Every text and attribute passes `for_xml`: a row stored before the hub refused NUL and other
    # XML-illegal characters (or an argument echoed back) must not turn a whole page into a 500.
    element = etree.SubElement(parent, tag, {k: for_xml(str(v)) for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = for_xml(str(text))
    return element


def _wanyuan(value) -> str | None:
    if value is None:
        return None
    return format((Decimal(value) / 10000).normalize(), "f")


def nrii(metadata, row):
    """The instrument in the national reporting model (the format the OAI networks send)."""
    n = lambda name: f"{{{NRII_NS}}}{name}"  # noqa: E731
    node = etree.SubElement(metadata, n("instrument"), nsmap={"nrii": NRII_NS})
    simple = [
        ("innerId", row.source_id),
        ("cname", row.name),
        ("ename", row.name_en),
        ("instrCategory", row.category),
        ("instrVersion", row.model),
        ("manufacturer", row.manufacturer),
        ("nation", row.country),
        ("worth", _wanyuan(row.original_value)),
        ("beginDate", row.commissioned),
    ]
    for name, value in simple:
        if value is not None:
            element(node, n(name), value)
    if row.owner_name:
        element(
            node, n("orgName"), row.owner_name, creditCode=row.owner_credit_code, level=row.owner_level, type=OWNER_TYPE.get(row.owner_type)
        )
    if row.address or row.province_code:
        element(
            node,
            n("location"),
            row.address or "",
            province=row.province_code,
            city=row.city_code,
            county=row.county_code,
            postcode=row.postcode,
        )
    # the reporting model's fields its interface document names no key for: the keys the push mapping reads
    if row.acquisition:
        element(node, n("instrSource"), ACQUISITION.get(row.acquisition, row.acquisition))
    if row.customs_supervised is not None:
        element(node, n("customs"), "是" if row.customs_supervised else "否")
    for name, value in (("technical", row.specs), ("function", row.functions)):
        if value:
            element(node, n(name), value)
    for subject in (row.subjects or "").split(","):
        if subject.strip():
            element(node, n("subject"), subject.strip())
    for name, value in (
        ("serviceContent", row.services),
        ("fee", row.fee_text),
        ("serviceUrl", row.booking_url),
        ("achievement", row.achievements),
        ("shareRule", row.sharing_rules),
    ):
        if value:
            element(node, n(name), value)
    if row.contact_name or row.contact_phone or row.contact_email:
        element(node, n("contact"), name=row.contact_name, phone=row.contact_phone, email=row.contact_email)
    for name, value in (("status", STATUS.get(row.status)), ("shareMode", SHARING.get(row.sharing)), ("certification", row.certifications)):
        if value:
            element(node, n(name), value)
    # the national record this one is counted under (docs/duplicates.md); the hub's addition to the model
    element(node, n("clusterId"), row.cluster_id or row.id)


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _zh(text) -> str | None:
    # Text with a Chinese character is Chinese; other text (a UK network's names) is left untagged
    # rather than guessed.
    return "zh" if text and _HAN.search(str(text)) else None


def _coverage(row) -> str | None:
    # A municipality is its own city (北京市 北京市 朝阳区): named once.
    names = [n for n in (row.province_name, row.city_name, row.county_name) if n]
    return "".join(n for i, n in enumerate(names) if i == 0 or n != names[i - 1]) or None


def oai_dc(metadata, row):
    """Dublin Core: the Chinese title and the English one told apart by `xml:lang` (a harvester
    shows the one its readers read), the English one left out where it repeats the name."""
    d = lambda name: f"{{{DC_NS}}}{name}"  # noqa: E731
    node = etree.SubElement(metadata, f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
    node.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    for name, value, lang in (
        ("title", row.name, _zh(row.name)),
        ("title", row.name_en if row.name_en != row.name else None, "en"),
        ("identifier", row.id, None),
        ("identifier", external("ui.instrument_page", instrument_id=row.id), None),  # a link a registry's reader can follow
        ("subject", category_names().get(row.category or "", row.category), "zh" if row.category in category_names() else None),
        ("description", row.functions, _zh(row.functions)),
        ("publisher", row.owner_name, _zh(row.owner_name)),
        ("coverage", _coverage(row), "zh"),
        ("date", row.commissioned, None),
        ("type", "PhysicalObject", None),
        ("relation", f"network:{row.network}", None),
        ("relation", f"cluster:{row.cluster_id or row.id}", None),
        ("rights", SHARING.get(row.sharing), "zh"),
    ):
        if value:
            element(node, d(name), value, **{XML_LANG: lang})


#: metadataPrefix → the writer of its metadata (hub.web.oai.FORMATS lists the same prefixes).
WRITERS = {"nrii": nrii, "oai_dc": oai_dc}
