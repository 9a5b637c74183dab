"""What the pushing provinces send: their catalogues rendered as push files from the simulated data.

The push family has no server to simulate: the province sends batches to the hub (push.md). This
module renders a push network's generated records in the format that province uses, so the demo and
the tests push realistic catalogues through the real feed endpoint:
* `nrii-json` (Beijing 110000): a JSON array of records in NRII field names (`worth` in 万元);
* `platform-csv` (Guangdong 440000): the GB18030 CSV export of the province's own platform, header
  as in mappings/440000.yaml.
Service statistics come as the same formats (`kind=service&year=…`).
"""

from __future__ import annotations

import csv
import io
import json

from hub.feed.samples import GD_HEADER  # Guangdong's column template, written once for samples and this server
from hub.simulate import catalog
from hub.simulate.families import wire_number
from hub.simulate.generator import network_data
from hub.simulate.network_table import spec_for

#: Which format each pushing province uses (roster.csv variant notes).
PUSH_FORMAT = {"110000": "nrii-json", "440000": "platform-csv"}

GD_SERVICE_HEADER = ["仪器编号", "年度", "有效机时", "对外服务机时", "对外服务次数", "服务企业次数", "测样数", "对外测样数", "服务收入(元)"]
_TYPE_ZH = {"university": "高等院校", "institute": "科研院所", "enterprise": "企业", "other": "其他"}
_LEVEL_ZH = {"central": "中央", "provincial": "省属", "municipal": "市属", "other": ""}


def source_id(code: str, i: int) -> str:
    return f"{spec_for(code).id_prefix}{i + 1:06d}"


def _nrii(code, rec) -> dict:
    alpha2 = catalog.MAKERS[rec.maker][3]
    unit = rec.unit
    worth = wire_number(rec, "wanyuan")
    return {
        "innerId": source_id(code, rec.index),
        "cname": rec.name,
        "ename": rec.name_en or None,
        "instrCategory": rec.category,
        "instrVersion": rec.model or None,
        "manufacturer": rec.maker_name or None,
        "nation": alpha2,
        "worth": worth or None,
        "beginDate": rec.commissioned.isoformat() if rec.date_given else None,
        "orgName": unit.name,
        "creditCode": unit.credit_code,
        "orgLevel": unit.level if unit.level != "other" else None,
        "orgType": _TYPE_ZH[unit.type],
        "province": code,
        "city": unit.city,
        "county": unit.county,
        "address": rec.address,
        "technical": rec.specs or None,
        "function": rec.functions or None,
        "serviceContent": list(rec.services),
        "fee": rec.fee or None,
        "serviceUrl": f"https://nrii.example.cn/{code}/book/{rec.index + 1}" if rec.booking else None,
        "contactName": rec.contact or None,
        "contactPhone": rec.phone or None,
        "contactEmail": rec.email,
        "status": rec.status,
        "shareMode": rec.sharing,
        "certification": rec.cert if rec.certified else "",
        "updateTime": rec.updated.strftime("%Y-%m-%d %H:%M:%S"),
    }


def _gd_row(code, rec) -> list:
    country = catalog.MAKERS[rec.maker][2]
    unit = rec.unit
    return [
        source_id(code, rec.index),
        rec.name,
        rec.name_en,
        rec.category or "",
        rec.model,
        rec.maker_name,
        country,
        wire_number(rec, "wanyuan"),
        rec.commissioned.strftime("%Y/%m/%d") if rec.date_given else "",
        unit.name,
        unit.credit_code or "",
        _TYPE_ZH[unit.type],
        _LEVEL_ZH[unit.level],
        f"广东省{unit.city_name}{unit.county_name}",
        rec.address,
        rec.specs,
        rec.functions,
        "；".join(rec.services),
        rec.fee,
        "",
        rec.contact,
        rec.phone,
        rec.email or "",
        rec.status,
        rec.sharing,
        rec.cert if rec.certified else "",
        "",
        rec.updated.strftime("%Y-%m-%d %H:%M:%S"),
    ]


def catalogue_file(code: str, *, scale: float = 1.0, seed: int = 1) -> tuple[bytes, str]:
    """(body, suffix) of the province's whole catalogue, as it would push a snapshot."""
    data = network_data(spec_for(code), seed, scale)
    records = (data.record(i) for i in range(data.n))
    fmt = PUSH_FORMAT[code]
    if fmt == "nrii-json":
        return json.dumps([_nrii(code, r) for r in records], ensure_ascii=False).encode("utf-8"), ".json"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(GD_HEADER)
    writer.writerows(_gd_row(code, r) for r in records)
    return out.getvalue().encode("gb18030"), ".csv"


def service_file(code: str, year: int, *, scale: float = 1.0, seed: int = 1) -> tuple[bytes, str]:
    """(body, suffix) of the province's service statistics for `year`."""
    data = network_data(spec_for(code), seed, scale)
    stats = [s for s in (data.stats(i, year) for i in range(data.n)) if s is not None]
    if PUSH_FORMAT[code] == "nrii-json":
        rows = [
            {
                "innerId": source_id(code, s.index),
                "year": year,
                "effectiveHours": s.hours,
                "externalHours": s.external_hours,
                "externalServices": s.external_services,
                "enterpriseServices": s.enterprise_services,
                "samples": s.samples,
                "externalSamples": s.external_samples,
                "income": s.income,
            }
            for s in stats
        ]
        return json.dumps(rows, ensure_ascii=False).encode("utf-8"), ".json"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(GD_SERVICE_HEADER)
    writer.writerows(
        [
            source_id(code, s.index),
            year,
            s.hours,
            s.external_hours,
            s.external_services,
            s.enterprise_services,
            s.samples,
            s.external_samples,
            s.income,
        ]
        for s in stats
    )
    return out.getvalue().encode("gb18030"), ".csv"
