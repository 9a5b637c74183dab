"""Deterministic push files as the provinces send them, for tests, benchmarks and the demo.

`guangdong_rows(n, bad=...)` / `guangdong_csv(...)` build the 440000 platform's instrument export
(header in mappings/440000.yaml); `beijing_records(...)` / `beijing_json(...)` / `beijing_xml(...)`
the 110000 NRII records. The same arguments always give the same bytes. `bad` records are spread
evenly through the file and each breaks one field in a way the mapping rejects; `bad_ids(...)` says
which ids they are and which field breaks, so tests can check the report exactly.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

from stdnum.cn import uscc

GD_HEADER = [
    "仪器编号",
    "仪器名称",
    "英文名称",
    "分类编码",
    "规格型号",
    "生产厂商",
    "产地国别",
    "原值(万元)",
    "启用日期",
    "所属单位",
    "统一社会信用代码",
    "单位类型",
    "隶属关系",
    "所在地区",
    "安放地址",
    "主要技术指标",
    "主要功能",
    "服务内容",
    "收费标准",
    "预约网址",
    "联系人",
    "联系电话",
    "电子邮箱",
    "运行状态",
    "共享方式",
    "资质认证",
    "学科领域",
    "更新时间",
]

_INSTRUMENTS = [
    ("液相色谱仪", "Liquid Chromatograph", "010300", "1260 Infinity II", "Agilent", "美国"),
    ("扫描电子显微镜", "Scanning Electron Microscope", "010200", "SU8010", "Hitachi", "日本"),
    ("X射线衍射仪", "X-ray Diffractometer", "010300", "D8 ADVANCE", "Bruker AXS", "德国"),
    ("核磁共振波谱仪", "NMR Spectrometer", "010300", "AVANCE III 600", "Bruker", "瑞士"),
    ("激光共聚焦显微镜", "Confocal Microscope", "010200", "LSM 880", "Zeiss", "德国"),
]
_OWNERS = [
    ("中山大学", "高等院校", "中央", "广州市海珠区"),
    ("华南理工大学", "高等院校", "中央", "广州市天河区"),
    ("广东省科学院测试分析研究所", "科研院所", "省属", "广州市越秀区"),
    ("深圳大学", "高等院校", "市属", "深圳市南山区"),
    ("汕头大学", "高等院校", "省属", "汕头市金平区"),
]
_BJ_OWNERS = [
    ("北京大学", "central", "university", "110108"),
    ("清华大学", "central", "university", "110108"),
    ("北京市理化分析测试中心", "provincial", "institute", "110108"),
    ("北京工业大学", "provincial", "university", "110105"),
]
#: How the bad records break, in turn: (field in the province's naming, bad value).
GD_BREAKS = [("原值(万元)", "价格面议"), ("运行状态", "坏了"), ("仪器名称", ""), ("共享方式", "看情况")]
BJ_BREAKS = [("worth", "价格面议"), ("status", "坏了"), ("cname", ""), ("shareMode", "看情况")]


def credit_code(i: int) -> str:
    body = f"121000004{i % 1_000_000_000:08d}"[:17]
    return body + uscc.calc_check_digit(body)


def _bad_positions(n: int, bad: int) -> dict[int, int]:
    """Record index → which break, spread evenly (deterministic)."""
    if bad > n:
        raise ValueError("more bad records than records")
    return {(k * n) // bad + (n // bad) // 2: k for k in range(bad)} if bad else {}


def _broken(record: dict, k: int | None, breaks) -> dict:
    """`record` with the k-th of `breaks` (field, bad value) applied; unchanged when k is None."""
    if k is not None:
        field, value = breaks[k % len(breaks)]
        record[field] = value
    return record


def gd_id(i: int) -> str:
    return f"GD{2010 + i % 14}{i:06d}"


def guangdong_rows(n: int, *, bad: int = 0, start: int = 0) -> list[dict]:
    breaks = _bad_positions(n, bad)
    rows = []
    for i in range(start, start + n):
        name, name_en, cat, model, maker, country = _INSTRUMENTS[i % len(_INSTRUMENTS)]
        owner, otype, level, place = _OWNERS[i % len(_OWNERS)]
        row = {
            "仪器编号": gd_id(i),
            "仪器名称": name,
            "英文名称": name_en,
            "分类编码": cat,
            "规格型号": model,
            "生产厂商": maker,
            "产地国别": country,
            "原值(万元)": f"{50 + (i * 37) % 900}.{i % 100:02d}",
            "启用日期": f"{2008 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "所属单位": owner,
            "统一社会信用代码": credit_code(i % len(_OWNERS)),
            "单位类型": otype,
            "隶属关系": level,
            "所在地区": place,
            "安放地址": f"{place}科研楼{1 + i % 9}号",
            "主要技术指标": "分辨率 0.8 nm；加速电压 0.1–30 kV",
            "主要功能": "形貌观察，成分分析",
            "服务内容": "对外测试服务",
            "收费标准": f"{200 + (i % 5) * 100}元/样",
            "预约网址": f"https://gd.example.cn/yq/{gd_id(i)}",
            "联系人": "李老师",
            "联系电话": f"020-8411{i % 10000:04d}",
            "电子邮箱": f"lab{i % 50}@example.cn",
            "运行状态": "正常",
            "共享方式": "外部共享",
            "资质认证": "CMA、CNAS" if i % 3 == 0 else "",
            "学科领域": "150;140",
            "更新时间": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 10:{i % 60:02d}:00",
        }
        rows.append(_broken(row, breaks.get(i - start), GD_BREAKS))
    return rows


def bad_ids(n: int, bad: int, *, start: int = 0, network: str = "440000") -> dict[str, str]:
    """Source id → the field (province naming) the generator broke."""
    breaks, make_id = (GD_BREAKS, gd_id) if network == "440000" else (BJ_BREAKS, bj_id)
    return {make_id(start + pos): breaks[k % len(breaks)][0] for pos, k in _bad_positions(n, bad).items()}


def to_csv(rows: list[dict], encoding: str = "gb18030", *, bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=GD_HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom and encoding == "utf-8" else data


def guangdong_csv(n: int, *, bad: int = 0, start: int = 0, encoding: str = "gb18030") -> bytes:
    return to_csv(guangdong_rows(n, bad=bad, start=start), encoding)


def bj_id(i: int) -> str:
    return f"BJ-{2005 + i % 18}-{i:05d}"


def beijing_records(n: int, *, bad: int = 0, start: int = 0) -> list[dict]:
    breaks = _bad_positions(n, bad)
    out = []
    for i in range(start, start + n):
        name, name_en, cat, model, maker, _ = _INSTRUMENTS[i % len(_INSTRUMENTS)]
        owner, level, otype, county = _BJ_OWNERS[i % len(_BJ_OWNERS)]
        rec = {
            "innerId": bj_id(i),
            "cname": name,
            "ename": name_en,
            "instrCategory": cat,
            "instrVersion": model,
            "manufacturer": maker,
            "nation": ["US", "JP", "DE", "CH"][i % 4],
            "worth": round(80 + (i * 13) % 700 + (i % 100) / 100, 2),
            "beginDate": f"{2006 + i % 16}-{1 + i % 12:02d}-15",
            "orgName": owner,
            "creditCode": credit_code(100 + i % 4),
            "orgLevel": level,
            "orgType": otype,
            "county": county,
            "address": "海淀区颐和园路5号",
            "technical": "分辨率 0.8 nm",
            "function": "形貌观察",
            "subject": ["140", "150"],
            "serviceContent": "对外测试",
            "fee": "300元/样",
            "serviceUrl": f"https://bj.example.cn/{bj_id(i)}",
            "contactName": "王老师",
            "contactPhone": "010-6275xxxx",
            "contactEmail": "lab@example.cn",
            "status": "正常",
            "shareMode": "外部共享",
            "certification": "CMA",
            "updateTime": "2024-05-06T10:00:00+08:00",
        }
        out.append(_broken(rec, breaks.get(i - start), BJ_BREAKS))
    return out


def beijing_json(n: int, *, bad: int = 0, start: int = 0) -> bytes:
    return json.dumps(beijing_records(n, bad=bad, start=start), ensure_ascii=False, indent=1).encode("utf-8")


NRII_NS = "http://nrii.example.cn/schema/instrument/1.0"


def beijing_xml(n: int, *, bad: int = 0, start: int = 0) -> bytes:
    """The same records in the `nrii` XML of oai-pmh.md, one `<nrii:instrument>` per record."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f'<nrii:instruments xmlns:nrii="{NRII_NS}">']
    for rec in beijing_records(n, bad=bad, start=start):
        parts.append("<nrii:instrument>")
        for key in ("innerId", "cname", "ename", "instrCategory", "instrVersion", "manufacturer", "nation", "worth", "beginDate"):
            parts.append(f"<nrii:{key}>{escape(str(rec[key]))}</nrii:{key}>")
        parts.append(
            f"<nrii:orgName creditCode={quoteattr(rec['creditCode'])}"
            f" level={quoteattr(rec['orgLevel'])}>{escape(rec['orgName'])}</nrii:orgName>"
        )
        parts.append(f'<nrii:location province="110000" county={quoteattr(rec["county"])}>{escape(rec["address"])}</nrii:location>')
        for key in ("technical", "function"):
            parts.append(f"<nrii:{key}>{escape(rec[key])}</nrii:{key}>")
        parts += [f"<nrii:subject>{s}</nrii:subject>" for s in rec["subject"]]
        for key in ("serviceContent", "fee", "serviceUrl"):
            parts.append(f"<nrii:{key}>{escape(rec[key])}</nrii:{key}>")
        parts.append(
            f"<nrii:contact name={quoteattr(rec['contactName'])}"
            f" phone={quoteattr(rec['contactPhone'])} email={quoteattr(rec['contactEmail'])}/>"
        )
        for key in ("status", "shareMode", "certification"):
            parts.append(f"<nrii:{key}>{escape(rec[key])}</nrii:{key}>")
        parts.append("</nrii:instrument>")
    parts.append("</nrii:instruments>")
    return "\n".join(parts).encode("utf-8")


def guangdong_service_csv(ids: list[str], year: int) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["仪器编号", "年度", "有效机时", "对外服务机时", "对外服务次数", "服务企业次数", "测样数", "对外测样数", "服务收入(元)"])
    for i, sid in enumerate(ids):
        w.writerow([sid, year, 1200 + i, 400 + i, 30 + i, 10, 500, 200, f"{15000 + i * 10}.00"])
    return out.getvalue().encode("gb18030")
