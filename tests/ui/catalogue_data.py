"""The small catalogue the browser tests search: common-schema records across three networks.

Chosen so the issue's done-when checks have something to bite on: several liquid chromatographs
(named 液相色谱 in different ways), records that only mention chromatography in passing, a scanning
and a transmission electron microscope (one of them a Hitachi SU8010), and enough other instruments
in enough categories that the result list pages and the facets have several values each.
"""

from __future__ import annotations

NETWORKS = [
    {"code": "370000", "name": "山东省大型科学仪器设备协作共用网", "province": "山东省", "family": "sdyq-xml"},
    {"code": "420000", "name": "湖北省大型科学仪器协作共用平台", "province": "湖北省", "family": "hbkx-json"},
    {"code": "130000", "name": "河北省大型科学仪器资源共享服务联盟", "province": "河北省", "family": "yqlm-html"},
]

REGIONS = {
    "370000": [("370100", "济南市"), ("370200", "青岛市")],
    "420000": [("420100", "武汉市")],
    "130000": [("130100", "石家庄市"), ("130600", "保定市")],
}
OWNERS = {
    "370000": [("山东大学", "university", "central"), ("山东省分析测试中心", "institute", "provincial")],
    "420000": [("武汉大学", "university", "central"), ("湖北省药品检验研究院", "institute", "provincial")],
    "130000": [("河北大学", "university", "provincial"), ("石家庄某制药有限公司", "enterprise", None)],
}


def _record(network, n, name, category, model, manufacturer, value, **extra):
    city_code, city_name = REGIONS[network][n % len(REGIONS[network])]
    owner_name, owner_type, owner_level = OWNERS[network][n % len(OWNERS[network])]
    base = {
        "network": network,
        "source_id": f"UI{n:04d}",
        "name": name,
        "category": category,
        "model": model,
        "manufacturer": manufacturer,
        "country": "JP" if manufacturer in ("日立", "日本电子", "岛津") else "US",
        "original_value": f"{value:.2f}",
        "commissioned": f"{2008 + n % 10}-0{1 + n % 9}",
        "owner": {"name": owner_name, "type": owner_type, "level": owner_level, "credit_code": None},
        "region": {"province": network, "province_name": REGIONS_PROVINCE[network], "city": city_code, "city_name": city_name},
        "address": f"{city_name}某路 {n} 号",
        "specs": None,
        "functions": None,
        "services": "对外提供检测服务",
        "fee": {"text": "按样品收费，500 元/样", "amount": "500.00", "unit": "样"},
        "booking_url": f"http://example.invalid/book/{n}",
        "contact": {"name": "张老师", "phone": "0531-8888 0000", "email": f"lab{n}@example.invalid"},
        "status": "normal",
        "sharing": "external" if n % 4 else "internal",
        "certifications": ["CMA"] if n % 3 == 0 else [],
        "subjects": [],
        # In UTC: the store keeps UTC (SQLite keeps no offset), as the harvest writer must hand it.
        "source_updated": "2013-05-01T00:00:00+00:00",
    }
    base.update(extra)
    return base


REGIONS_PROVINCE = {"370000": "山东省", "420000": "湖北省", "130000": "河北省"}

LIQUID_CHROMATOGRAPHS = [
    ("370000", 1, "高效液相色谱仪", "Agilent 1260", "安捷伦"),
    ("420000", 2, "液相色谱仪", "LC-20AT", "岛津"),
    ("130000", 3, "超高效液相色谱仪", "ACQUITY UPLC H-Class", "沃特世"),
    ("420000", 4, "液相色谱-质谱联用仪", "6460", "安捷伦"),
    ("370000", 5, "制备型液相色谱仪", "Prep 150", "沃特世"),
]
#: Records that mention chromatography but are not liquid chromatographs.
PASSING_MENTIONS = [
    ("370000", 11, "三重四极杆质谱仪", "010200", "TSQ Quantum", "赛默飞", "可与液相色谱联用，用于药物成分定量分析"),
    ("130000", 12, "紫外可见分光光度计", "010400", "UV-2600", "岛津", "常用作液相色谱检测器的离线对照"),
]
ELECTRON_MICROSCOPES = [
    ("370000", 21, "场发射扫描电子显微镜", "SU8010", "日立", 3_200_000),
    ("420000", 22, "透射电子显微镜", "JEM-2100F", "日本电子", 8_500_000),
    ("130000", 23, "扫描电子显微镜", "Sigma 300", "蔡司", 2_100_000),
]
FILLERS = [
    ("气相色谱仪", "010500", "7890B", "安捷伦"),
    ("核磁共振波谱仪", "010600", "AVANCE III 400", "布鲁克"),
    ("X射线衍射仪", "010300", "D8 ADVANCE", "布鲁克"),
    ("激光共聚焦显微镜", "010800", "LSM 880", "蔡司"),
    ("万能材料试验机", "020100", "5969", "英斯特朗"),
    ("激光粒度仪", "020500", "Mastersizer 3000", "马尔文"),
    ("差示扫描量热仪", "010900", "DSC 8000", "珀金埃尔默"),
    ("电感耦合等离子体质谱仪", "010200", "7900", "安捷伦"),
    ("原子吸收光谱仪", "010400", "AA-7000", "岛津"),
    ("流式细胞仪", "011000", "FACSCalibur", "BD"),
]


def records() -> list[dict]:
    out = []
    for network, n, name, model, maker in LIQUID_CHROMATOGRAPHS:
        out.append(
            _record(
                network,
                n,
                name,
                "010500",
                model,
                maker,
                380_000 + 10_000 * n,
                functions="用于药物成分检测、有关物质与含量测定",
                specs="流速 0.001–10 mL/min",
            )
        )
    for network, n, name, category, model, maker, functions in PASSING_MENTIONS:
        out.append(_record(network, n, name, category, model, maker, 1_200_000, functions=functions))
    for network, n, name, model, maker, value in ELECTRON_MICROSCOPES:
        out.append(_record(network, n, name, "010100", model, maker, value, functions="材料表面形貌观察与微区成分分析"))
    networks = [n["code"] for n in NETWORKS]
    for i in range(36):
        name, category, model, maker = FILLERS[i % len(FILLERS)]
        n = 100 + i
        out.append(_record(networks[i % 3], n, name, category, f"{model}", maker, 150_000 + 97_000 * i))
    return out


def withdrawn_record() -> dict:
    return _record("420000", 900, "红外光谱仪（已报废）", "010400", "Nicolet 6700", "赛默飞", 450_000)


LIQUID_CHROMATOGRAPH_NAMES = [name for _, _, name, _, _ in LIQUID_CHROMATOGRAPHS]
PASSING_MENTION_NAMES = [name for _, _, name, *_ in PASSING_MENTIONS]
ELECTRON_MICROSCOPE_NAMES = [name for _, _, name, *_ in ELECTRON_MICROSCOPES]
