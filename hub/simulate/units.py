"""Owner units of a simulated network: real universities and institutes of the province, then
generated institutes, centres and enterprises up to the network's unit counts by level.

A unit is a pure function of (seed, network, unit number). Levels follow the sdyq `lx` vocabulary
(中央在鲁 for Shandong's central units, 省属, 市属, 企业, 其他). Credit codes are built to GB 32100
with stdnum computing the check character; absent at the network's rate (`fill_rates.csv`), a few
malformed, as the network docs warn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from stdnum.cn import uscc

from hub.simulate import regions
from hub.simulate.fill_rates import fill_rates

# (name, level, type, county code or "", credit code or "") — real units, most prominent first.
REAL_UNITS = {
    "370000": (
        ("山东大学", "central", "university", "370102", "12100000400000624D"),
        ("中国海洋大学", "central", "university", "370202", ""),
        ("中国石油大学（华东）", "central", "university", "370211", ""),
        ("中国科学院青岛生物能源与过程研究所", "central", "institute", "370212", ""),
        ("中国科学院海洋研究所", "central", "institute", "370202", ""),
        ("中国科学院烟台海岸带研究所", "central", "institute", "370602", ""),
        ("国家海洋局第一海洋研究所", "central", "institute", "370212", ""),
        ("中国水产科学研究院黄海水产研究所", "central", "institute", "370202", ""),
        ("中国农业科学院烟草研究所", "central", "institute", "370212", ""),
        ("山东出入境检验检疫局检验检疫技术中心", "central", "institute", "370202", ""),
        ("哈尔滨工业大学（威海）", "central", "university", "371002", ""),
        ("山东师范大学", "provincial", "university", "370102", ""),
        ("山东农业大学", "provincial", "university", "370902", ""),
        ("青岛科技大学", "provincial", "university", "370212", ""),
        ("济南大学", "provincial", "university", "370103", ""),
        ("山东科技大学", "provincial", "university", "370211", ""),
        ("曲阜师范大学", "provincial", "university", "370881", ""),
        ("山东理工大学", "provincial", "university", "370303", ""),
        ("青岛大学", "provincial", "university", "370202", ""),
        ("烟台大学", "provincial", "university", "370613", ""),
        ("聊城大学", "provincial", "university", "371502", ""),
        ("山东中医药大学", "provincial", "university", "370112", ""),
        ("山东建筑大学", "provincial", "university", "370112", ""),
        ("齐鲁工业大学", "provincial", "university", "370112", ""),
        ("山东省科学院", "provincial", "institute", "370102", ""),
        ("山东省分析测试中心", "provincial", "institute", "370102", ""),
        ("山东省农业科学院", "provincial", "institute", "370112", ""),
        ("山东省医学科学院", "provincial", "institute", "370104", ""),
        ("山东省计量科学研究院", "provincial", "institute", "370102", ""),
        ("山东省产品质量监督检验研究院", "provincial", "institute", "370102", ""),
        ("济南市疾病预防控制中心", "municipal", "institute", "370102", ""),
        ("青岛市产品质量监督检验研究院", "municipal", "institute", "370212", ""),
        ("潍坊医学院", "municipal", "university", "370702", ""),
    ),
    "420000": (
        ("武汉大学", "central", "university", "420106", "12100000707136290Y"),
        ("华中科技大学", "central", "university", "420111", ""),
        ("华中农业大学", "central", "university", "420111", ""),
        ("华中师范大学", "central", "university", "420111", ""),
        ("武汉理工大学", "central", "university", "420111", ""),
        ("中国地质大学（武汉）", "central", "university", "420111", ""),
        ("中国科学院武汉物理与数学研究所", "central", "institute", "420106", ""),
        ("中国科学院水生生物研究所", "central", "institute", "420106", ""),
        ("中国科学院武汉病毒研究所", "central", "institute", "420106", ""),
        ("中国科学院测量与地球物理研究所", "central", "institute", "420106", ""),
        ("湖北大学", "provincial", "university", "420106", ""),
        ("湖北工业大学", "provincial", "university", "420111", ""),
        ("武汉科技大学", "provincial", "university", "420107", ""),
        ("三峡大学", "provincial", "university", "420503", ""),
        ("长江大学", "provincial", "university", "421003", ""),
        ("湖北省农业科学院", "provincial", "institute", "420111", ""),
        ("湖北省疾病预防控制中心", "provincial", "institute", "420106", ""),
        ("湖北省产品质量监督检验研究院", "provincial", "institute", "420111", ""),
        ("武汉市农业科学技术研究院", "municipal", "institute", "420115", ""),
    ),
    "130000": (
        ("河北大学", "provincial", "university", "130602", ""),
        ("河北工业大学", "provincial", "university", "130102", ""),
        ("燕山大学", "provincial", "university", "130303", ""),
        ("河北师范大学", "provincial", "university", "130104", ""),
        ("河北农业大学", "provincial", "university", "130602", ""),
        ("河北医科大学", "provincial", "university", "130104", ""),
        ("河北科技大学", "provincial", "university", "130104", ""),
        ("河北省科学院", "provincial", "institute", "130104", ""),
        ("河北省农林科学院", "provincial", "institute", "130104", ""),
        ("河北出入境检验检疫局检验检疫技术中心", "central", "institute", "130104", ""),
        ("华北电力大学（保定）", "central", "university", "130602", ""),
        ("中国电子科技集团公司第十三研究所", "central", "institute", "130102", ""),
        ("石家庄市疾病预防控制中心", "municipal", "institute", "130102", ""),
    ),
}

FIELDS = (
    "材料",
    "化工",
    "生物技术",
    "海洋",
    "环境",
    "能源",
    "食品",
    "药物",
    "农业",
    "机械",
    "电子",
    "信息",
    "地质",
    "纺织",
    "冶金",
    "建材",
    "林业",
    "水产",
    "畜牧",
    "轻工",
    "光电",
    "激光",
    "新材料",
    "精细化工",
    "生态",
)
CENTRAL_PREFIX = (
    "中国科学院",
    "国家海洋局",
    "中国地质调查局",
    "中国农业科学院",
    "中国水产科学研究院",
    "中国石化",
    "中国兵器工业集团",
    "中国电子科技集团公司",
    "中国建材集团",
    "中国林业科学研究院",
    "中国环境科学研究院",
)
BRANDS = (
    "华鲁",
    "鲁信",
    "海泰",
    "科源",
    "华信",
    "瑞达",
    "恒通",
    "金诚",
    "正大",
    "宏远",
    "天成",
    "新华",
    "明德",
    "齐力",
    "汇丰",
    "博远",
    "中科",
    "东方",
    "腾达",
    "卓越",
    "华康",
    "国信",
    "泰山",
    "百川",
    "同创",
)
INDUSTRY = ("化工", "制药", "生物科技", "新材料", "电子", "精密机械", "食品", "检测技术", "环保科技", "能源科技")
ROADS = (
    "文化路",
    "科技路",
    "建设路",
    "人民路",
    "学府路",
    "中山路",
    "解放路",
    "新华路",
    "工业南路",
    "经十路",
    "和平路",
    "青年路",
    "光明路",
    "长江路",
    "黄河路",
    "高新大道",
    "创新大道",
    "东风路",
    "胜利路",
    "大学路",
)
BUILDINGS = ("分析测试中心", "实验楼", "综合楼", "科研楼", "化学楼", "材料楼", "生命科学楼", "检测大楼", "中试车间")
LX = {"central": "中央在鲁", "provincial": "省属", "municipal": "市属", "enterprise": "企业", "other": "其他"}
LEVELS = ("central", "provincial", "municipal", "other")


@dataclass(frozen=True)
class Unit:
    number: int
    name: str
    level: str  # central | provincial | municipal | other
    type: str  # university | institute | enterprise | other
    county: str  # GB/T 2260 county code
    city: str
    city_name: str
    county_name: str
    street: str  # road and number, without the city
    credit_code: str | None  # None: the network gives none; may be malformed on purpose
    weight: float  # how many instruments the unit tends to own

    @property
    def lx(self) -> str:
        """The sdyq `lx` attribute: central units are 中央在X (X = the province's abbreviation)."""
        if self.level == "other":
            return LX["enterprise"] if self.type == "enterprise" else LX["other"]
        return LX[self.level]


def unit_counts(spec, scale: float = 1.0) -> dict[str, int]:
    """Units per level: the table's figures when given, else about one unit per 5.6 instruments."""
    if spec.units_central is not None:
        base = {
            "central": spec.units_central,
            "provincial": spec.units_provincial,
            "municipal": spec.units_municipal,
            "other": spec.units_other or 0,
        }
    else:
        total = max(8, round(spec.instruments / 5.6))
        base = {"central": round(total * 0.06), "provincial": round(total * 0.38), "municipal": round(total * 0.48)}
        base["other"] = total - sum(base.values())
    # more instruments at a larger scale come from more units, in the same proportions
    return {level: max(1 if n else 0, round(n * max(scale, 1.0) ** 0.5)) for level, n in base.items()}


def org_code_check(body8: str) -> str:
    """GB 11714 organisation-code check character for 8 characters."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body8, weights))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, registrar: str, region: str) -> str:
    body8 = "".join(rng.choice("0123456789") for _ in range(8))
    partial = registrar + region + body8 + org_code_check(body8)
    return partial + uscc.calc_check_digit(partial)


def malform(rng: random.Random, code: str) -> str | None:
    """What real networks send instead of a valid code: nothing, a typo, an old registration number."""
    roll = rng.random()
    if roll < 0.45:
        return None
    if roll < 0.7:  # wrong check character
        return code[:17] + ("A" if code[17] != "A" else "B")
    if roll < 0.85:  # the 15-digit business registration number of before 2015
        return "".join(rng.choice("0123456789") for _ in range(15))
    return code[:16]  # cut short when typed into a form


class UnitTable:
    """The owner units of one network; unit n is computed on demand and cached (hundreds, not records)."""

    def __init__(self, spec, seed: int, scale: float = 1.0):
        self.spec = spec
        self.seed = seed
        self.counts = unit_counts(spec, scale)
        self.total = sum(self.counts.values())
        self.cities = regions.cities(spec.code)
        self._real = REAL_UNITS.get(spec.code, ())
        # unit numbers by level: real units of a level first, generated after
        self._levels: list[str] = []
        for level in LEVELS:
            self._levels += [level] * self.counts[level]
        self._real_by_level: dict[str, list] = {}
        for row in self._real:
            self._real_by_level.setdefault(row[1], []).append(row)
        self._first_of_level = {level: self._levels.index(level) for level in LEVELS if self.counts[level]}
        self._names: set[str] = set()
        self._cache: dict[int, Unit] = {}
        for n in range(self.total):  # names must be unique, so build them in order once
            self._cache[n] = self._build(n)

    def __len__(self):
        return self.total

    def __getitem__(self, n: int) -> Unit:
        return self._cache[n]

    def _build(self, n: int) -> Unit:
        level = self._levels[n]
        rng = random.Random(f"{self.seed}:{self.spec.code}:unit:{n}")
        k = n - self._first_of_level[level]
        real = self._real_by_level.get(level, [])
        province = regions.province_name(self.spec.code)
        if k < len(real):
            name, _, kind, county, code = real[k]
            city = None
            weight = 40.0 / (1 + k) ** 0.5 if kind == "university" else 12.0
        else:
            (name, city), county, code = self._generated(rng, level, province), "", ""
            kind = (
                "university"
                if name.endswith(("学院", "大学"))
                else "enterprise"
                if name.endswith("公司")
                else "other"
                if name.endswith("医院")
                else "institute"
            )
            weight = {"central": 8.0, "provincial": 2.5, "municipal": 0.9, "other": 0.6}[level]
            weight *= rng.uniform(0.4, 1.6)
        city = city or self._city_of(rng, county)
        if not county:
            county = rng.choice(city.counties)[0]
        street = f"{rng.choice(ROADS)}{rng.randint(1, 399)}号 {rng.choice(BUILDINGS)}"
        if not code:
            registrar = "91" if kind == "enterprise" else "12"
            region = "100000" if level == "central" and kind != "enterprise" else (city.code if rng.random() < 0.6 else county)
            code = credit_code(rng, registrar, region)
        # The network's fill rate decides whether the code is given at all; a few given ones are
        # mistyped (one draw either way, so the names drawn above stay as they were).
        u = rng.random()
        share = fill_rates(self.spec.code).credit_code
        credit = None if u >= share else malform(rng, code) if u < 0.03 * share else code
        return Unit(
            n, name, level, kind, county, city.code, self._city_name(city, county), regions.county_name(county), street, credit, weight
        )

    def _city_of(self, rng, county):
        if county:
            for city in self.cities:
                if city.code[:4] == county[:4]:
                    return city
        # the capital draws a third of the generated units
        return self.cities[0] if rng.random() < 0.33 else rng.choice(self.cities)

    @staticmethod
    def _city_name(city, county):
        if city.code[2:4] == "90":  # county-level city directly under the province
            return regions.county_name(county)
        return city.name

    def _generated(self, rng, level, province) -> tuple[str, regions.City]:
        short = province.removesuffix("省").removesuffix("市")
        for _ in range(1000):
            city = rng.choice(self.cities)
            cname = city.name.removesuffix("市")
            fld = rng.choice(FIELDS)
            patterns = {
                "central": (f"{rng.choice(CENTRAL_PREFIX)}{cname}{fld}研究所", f"{rng.choice(CENTRAL_PREFIX)}{short}{fld}研究中心"),
                "provincial": (
                    f"{province}{fld}研究院",
                    f"{province}{fld}检验检测中心",
                    f"{short}{fld}职业学院",
                    f"{province}{fld}工程技术研究中心",
                    f"{rng.choice(BRANDS)}{fld}集团有限公司",
                    f"{province}{rng.choice(('立', '人民', '中医'))}医院",
                ),
                "municipal": (
                    f"{city.name}{fld}研究所",
                    f"{city.name}产品质量监督检验所",
                    f"{city.name}{fld}检测中心",
                    f"{cname}职业技术学院",
                    f"{city.name}{rng.choice(BRANDS)}{rng.choice(INDUSTRY)}有限公司",
                    f"{city.name}{rng.choice(('第一', '第二', '中心', '人民'))}医院",
                ),
                "other": (
                    f"{city.name}{rng.choice(BRANDS)}{rng.choice(INDUSTRY)}有限公司",
                    f"{short}{rng.choice(BRANDS)}{rng.choice(INDUSTRY)}股份有限公司",
                ),
            }[level]
            name = rng.choice(patterns)
            if name in self._names:
                # the city-level combinations run thin at large scales: a county's own institute or firm
                _, county_name = rng.choice(city.counties)
                name = (
                    f"{city.name}{county_name}"
                    f"{rng.choice((fld + '研究所', fld + '检测站', rng.choice(BRANDS) + rng.choice(INDUSTRY) + '有限公司'))}"
                )
            if name not in self._names:
                self._names.add(name)
                # a unit named after a city sits in it; provincial ones mostly in the capital
                if level == "provincial" and rng.random() < 0.6:
                    city = self.cities[0]
                return name, city
        raise RuntimeError("unit names exhausted")  # pragma: no cover - 1000 draws never all collide


@lru_cache(maxsize=64)
def unit_table(spec, seed: int, scale: float) -> UnitTable:
    return UnitTable(spec, seed, scale)
