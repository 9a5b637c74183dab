"""Factories: realistic instruments (and their owner units) written into a store the way the harvest
writes them — SQLAlchemy Core inserts plus the `instruments_changed` hook, in one write transaction —
so the search index and anything else hooked in follow.

    make_instruments(store, [dict(name="高效液相色谱仪", model="1260 Infinity II"), dict(network="420000")])

Every column of hub/store/models.py Instrument has a default; `owner=` takes a dict of OwnerUnit
columns (name, credit_code, type, level) or None; owners are shared by (network, name).
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import insert, select, update

import hub.search  # noqa: F401  (registers the search-index hook, as the harvest writer does)
from hub.store.hooks import instruments_changed
from hub.store.models import Instrument, Network, OwnerUnit

_I = Instrument.__table__
_O = OwnerUnit.__table__
_seq = itertools.count(1)

NOW = datetime(2026, 1, 15, 8, 0, tzinfo=timezone.utc)

NETWORKS = {
    "370000": ("山东省大型科学仪器设备协作共用网", "山东省", "sdyq-xml", ("370100", "济南市"), ("370200", "青岛市")),
    "420000": ("湖北省大型科学仪器协作共用平台", "湖北省", "hbkx-json", ("420100", "武汉市"), ("420500", "宜昌市")),
    "130000": ("河北省大型科学仪器资源共享服务联盟", "河北省", "yqlm-html", ("130100", "石家庄市"), ("130600", "保定市")),
}


def instrument_defaults(n: int, network: str = "370000") -> dict:
    name, province, _family, city, _ = NETWORKS.get(network, ("", "", "", (network, ""), None))
    city_code, city_name = city
    return {
        "network": network,
        "source_id": f"YQ{n:06d}",
        "name": "高效液相色谱仪",
        "name_en": None,
        "category": "010500",
        "model": "1260 Infinity II",
        "manufacturer": "Agilent Technologies",
        "country": "US",
        "original_value": Decimal("850000.00"),
        "commissioned": "2019-06",
        "province_code": network,
        "province_name": province or None,
        "city_code": city_code,
        "city_name": city_name or None,
        "county_code": None,
        "county_name": None,
        "address": f"{city_name}科技路{n}号",
        "specs": "流速范围 0.001–10 mL/min；波长范围 190–950 nm",
        "functions": "药物成分分析、食品添加剂检测",
        "services": "样品检测",
        "fee_text": "300元/样",
        "fee_amount": Decimal("300.00"),
        "fee_unit": "样",
        "booking_url": f"https://yq.example.cn/book/{n}",
        "contact_name": "王老师",
        "contact_phone": "0531-88880000",
        "contact_email": "lab@example.cn",
        "status": "normal",
        "sharing": "external",
        "certifications": "CMA",
        "certified": True,
        "subjects": "150",
        "source_updated": NOW,
        "first_seen": NOW,
        "last_seen": NOW,
        "withdrawn_at": None,
        "withdrawn_reason": None,
        "last_job_id": 1,
        "last_batch_id": None,
    }


DEFAULT_OWNER = {"name": "山东大学", "credit_code": None, "type": "university", "level": "central"}


def ensure_networks(conn, codes) -> None:
    have = set(conn.execute(select(Network.code)).scalars())
    for code in codes:
        if code not in have and code in NETWORKS:
            name, province, family, *_ = NETWORKS[code]
            conn.execute(insert(Network), {"code": code, "name": name, "province": province, "family": family})


def _owner_id(conn, network: str, owner: dict | None) -> int | None:
    if owner is None:
        return None
    row = conn.execute(select(_O.c.id).where(_O.c.network == network, _O.c.name == owner["name"])).first()
    if row:
        return row[0]
    values = {"credit_code": None, "type": None, "level": None, **owner, "network": network}
    return conn.execute(insert(_O).returning(_O.c.id), values).scalar_one()


def make_instruments(store, specs: list[dict] | int, **common) -> list[str]:
    """Insert instruments (a list of per-instrument overrides, or a count of default ones) and
    return their ids. `common` overrides apply to all. Missing columns get realistic defaults."""
    if isinstance(specs, int):
        specs = [{} for _ in range(specs)]
    ids = []
    with store.write() as conn:
        rows = []
        for spec in specs:
            spec = {**common, **spec}
            n = next(_seq)
            row = instrument_defaults(n, spec.get("network", "370000"))
            owner = spec.pop("owner", DEFAULT_OWNER)
            row.update(spec)
            row["id"] = f"{row['network']}:{row['source_id']}"
            row["owner_id"] = _owner_id(conn, row["network"], owner)
            row["content_hash"] = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
            rows.append(row)
            ids.append(row["id"])
        ensure_networks(conn, {r["network"] for r in rows})
        conn.execute(insert(_I), rows)
        instruments_changed(conn, ids)
    return ids


def withdraw(store, ids, reason: str = "absent from full listing") -> None:
    with store.write() as conn:
        conn.execute(update(_I).where(_I.c.id.in_(ids)).values(withdrawn_at=NOW, withdrawn_reason=reason))
        instruments_changed(conn, ids)


def change(store, id_: str, **values) -> None:
    with store.write() as conn:
        conn.execute(update(_I).where(_I.c.id == id_).values(**values))
        instruments_changed(conn, [id_])


#: A small realistic catalogue across the three reference networks: liquid and gas chromatographs,
#: electron microscopes, NMR, mass spectrometers and records that mention them only in passing.
CORPUS = [
    dict(
        source_id="LC001",
        name="高效液相色谱仪",
        name_en="HPLC",
        model="1260 Infinity II",
        manufacturer="Agilent Technologies",
        category="010500",
        original_value=Decimal("620000"),
    ),
    dict(
        source_id="LC002",
        name="超高效液相色谱仪",
        model="ACQUITY UPLC H-Class",
        manufacturer="Waters",
        category="010500",
        original_value=Decimal("1150000"),
        network="420000",
        owner=dict(name="武汉大学", type="university", level="central"),
    ),
    dict(
        source_id="LC003",
        name="液相色谱仪",
        model="LC-20AD",
        manufacturer="岛津",
        category="010500",
        original_value=Decimal("480000"),
        network="130000",
        owner=dict(name="河北省药品检验研究院", type="institute", level="provincial"),
        sharing="internal",
        certified=False,
        certifications=None,
    ),
    dict(
        source_id="LCMS01",
        name="液相色谱-质谱联用仪",
        model="6470",
        manufacturer="Agilent",
        category="010200",
        original_value=Decimal("3200000"),
        functions="药物代谢产物定性定量分析",
    ),
    dict(
        source_id="GCMS01",
        name="气相色谱-质谱联用仪",
        model="7890A-5975C",
        manufacturer="Agilent",
        category="010200",
        original_value=Decimal("1380000"),
        functions="挥发性有机物分析",
        network="420000",
        owner=dict(name="华中科技大学", type="university", level="central"),
    ),
    dict(
        source_id="GC001",
        name="气相色谱仪",
        model="GC-2014",
        manufacturer="Shimadzu",
        category="010500",
        original_value=Decimal("350000"),
        functions="农药残留检测",
        network="130000",
        owner=dict(name="河北工业大学", type="university", level="provincial"),
    ),
    dict(
        source_id="MS001",
        name="电感耦合等离子体质谱仪",
        model="iCAP RQ",
        manufacturer="Thermo Fisher",
        category="010200",
        original_value=Decimal("2100000"),
        functions="痕量元素分析；可与液相色谱联用进行形态分析",
        specs="质量范围 2–290 amu",
    ),
    dict(
        source_id="SEM01",
        name="场发射扫描电子显微镜",
        name_en="Field emission SEM",
        model="SU8010",
        manufacturer="Hitachi",
        category="010100",
        original_value=Decimal("4300000"),
        functions="材料表面形貌观察",
        owner=dict(name="中国科学院海洋研究所", type="institute", level="central"),
        city_code="370200",
        city_name="青岛市",
    ),
    dict(
        source_id="SEM02",
        name="扫描电子显微镜",
        model="SU3500",
        manufacturer="Hitachi",
        category="010100",
        original_value=Decimal("1900000"),
        network="420000",
        owner=dict(name="武汉大学", type="university", level="central"),
    ),
    dict(
        source_id="TEM01",
        name="透射电子显微镜",
        model="JEM-2100F",
        manufacturer="JEOL",
        category="010100",
        original_value=Decimal("9800000"),
        network="130000",
        owner=dict(name="河北工业大学", type="university", level="provincial"),
    ),
    dict(
        source_id="NMR01",
        name="核磁共振波谱仪",
        model="AVANCE III 600",
        manufacturer="Bruker",
        category="010600",
        original_value=Decimal("7600000"),
        functions="有机化合物结构鉴定",
    ),
    dict(
        source_id="XRD01",
        name="X射线衍射仪",
        model="D8 ADVANCE",
        manufacturer="Bruker",
        category="010300",
        original_value=Decimal("1450000"),
        functions="物相分析",
        network="420000",
        owner=dict(name="湖北大学", type="university", level="provincial"),
        sharing="internal",
    ),
    dict(
        source_id="UV001",
        name="紫外可见分光光度计",
        model="UV-2600",
        manufacturer="Shimadzu",
        category="010400",
        original_value=Decimal("520000"),
        functions="可作为液相色谱检测器的参比；溶液吸光度测定",
        certified=False,
        certifications=None,
    ),
    dict(
        source_id="TEST01",
        name="万能材料试验机",
        model="5982",
        manufacturer="Instron",
        category="020100",
        original_value=Decimal("1250000"),
        functions="拉伸、压缩、弯曲试验",
        owner=dict(name="山东华测检测技术有限公司", type="enterprise", level=None),
        city_code="370200",
        city_name="青岛市",
    ),
    dict(
        source_id="FCM01",
        name="流式细胞仪",
        model="FACSAria III",
        manufacturer="BD",
        category="011000",
        original_value=Decimal("3600000"),
        functions="细胞分选与分析",
        network="420000",
        owner=dict(name="华中科技大学", type="university", level="central"),
        status="standby",
    ),
    dict(
        source_id="CONF01",
        name="激光共聚焦显微镜",
        model="LSM 880",
        manufacturer="Zeiss",
        category="010800",
        original_value=None,
        functions="活细胞成像",
        network="130000",
        owner=None,
        sharing="none",
        certified=False,
        certifications=None,
    ),
]


def make_corpus(store) -> list[str]:
    return make_instruments(store, [dict(spec) for spec in CORPUS])
