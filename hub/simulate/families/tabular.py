"""`tabular`: a register published as a spreadsheet file (`hub.simulate.registers` says which).

`GET {base}/register.csv` and `GET {base}/register.xlsx` serve the same rows. Both carry an ETag (a
digest of the body) and Last-Modified, and answer `If-None-Match` / `If-Modified-Since` with 304 when
nothing changed. The `truncate` fault cuts the body while the Content-Length still announces all of
it and the connection closes, as a broken transfer does. `_control/.../mutate` changes the rows.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import io
import unicodedata

import xlsxwriter
from werkzeug.wrappers import Response

from hub.simulate import catalog
from hub.simulate.families import register
from hub.simulate.registers import REGISTERS

UNIQUIP_COLUMNS = (
    "Type",
    "Name",
    "Description",
    "Related Facility ID",
    "Technique",
    "Location",
    "Contact Name",
    "Contact Telephone",
    "Contact URL",
    "Contact Email",
    "Secondary Contact Name",
    "Secondary Contact Telephone",
    "Secondary Contact URL",
    "Secondary Contact Email",
    "ID",
    "Photo",
    "Department",
    "Site Location",
    "Building",
    "Service Level",
    "Web Address",
)
#: The 8 columns the UK register fills, as the real one did.
UK_COLUMNS = ("Type", "Name", "Description", "Contact Name", "Contact Email", "Department", "Site Location", "Building")
UK_DEPARTMENTS = (
    "Chemistry",
    "Physics",
    "Biology",
    "Electronic Engineering",
    "Environment and Geography",
    "Archaeology",
    "Computer Science",
    "Health Sciences",
    "Psychology",
    "Mathematics",
    "Bioscience Technology Facility",
    "Centre for Hyperpolarisation",
)
UK_PEOPLE = ("Zoë Brontë", "José Núñez", "Siân Evans", "Chloé Dupré", "Martin Hughes", "Amélie Rousseau", "Ian Smith", "Rhiannon Ó Briain")
UK_BUILDINGS = ("Dalton Building", "Biology Block B", "Physics Tower", "Wentworth Annexe", "Ron Cooke Hub", "Berrick Saul Building")
UK_SITES = ("Heslington West", "Heslington East", "King's Manor")
#: The Chinese template's columns: the national reporting fields (reference/README.md), in Chinese.
NRII_COLUMNS = (
    "单位内部编号",
    "仪器名称",
    "英文名称",
    "仪器分类",
    "规格型号",
    "生产制造商",
    "产地国别",
    "原值(万元)",
    "启用日期",
    "主要技术指标",
    "主要功能",
    "服务内容",
    "运行状态",
    "共享模式",
    "参考收费标准",
    "预约网址",
    "资质认证",
    "所属单位",
    "统一社会信用代码",
    "所在省份",
    "所在城市",
    "所在区县",
    "安放地址",
    "联系人",
    "联系电话",
    "电子邮箱",
)
CONTENT_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def uk_rows(state) -> list[tuple]:
    """The UK register's rows in file order: distinct on (Department, Name, Building), repeats included."""
    reg = REGISTERS[state.code]
    rows, seen = [], set()
    for n, i in enumerate(state.live()):
        rec = state.record(i)
        _, latin, _, _ = catalog.MAKERS[rec.maker]
        name = f"{rec.name_en} {rec.model}"
        if i % 18 == 0:  # how the register writes a combined system: "HPLC/MS"-style names with a slash
            name = f"{rec.name_en}/{latin} {rec.model}"
        # A British register typed on a Mac holds no full-width Latin (the generated world's Chinese
        # spellings do): NFKC turns Ｘ into X, as the register's author would have typed it.
        name = unicodedata.normalize("NFKC", name)
        department = UK_DEPARTMENTS[i % len(UK_DEPARTMENTS)]
        building = UK_BUILDINGS[(i * 7) % len(UK_BUILDINGS)]
        while (department, name, building) in seen:
            name += " (2)"
        seen.add((department, name, building))
        description = (rec.name_en + (" at 4 °C" if i % 5 == 0 else " µ-range" if i % 7 == 0 else ""))[:20]
        person = UK_PEOPLE[i % len(UK_PEOPLE)]
        email_name = person.split()[0].encode("ascii", "ignore").decode().lower()
        row = (
            "Equipment",
            name,
            description,
            person,
            f"{email_name}.{i % 40}@york.example.ac.uk",
            department,
            UK_SITES[i % len(UK_SITES)],
            building,
        )
        row = tuple(unicodedata.normalize("NFKC", cell) for cell in row)
        rows.append(row)
        if reg.repeat_every and n % reg.repeat_every == reg.repeat_every - 1:
            rows.append(row)  # the register lists this instrument twice
    return rows


def nrii_rows(state) -> list[tuple]:
    rows = []
    for i in state.live():
        rec = state.record(i)
        zh, latin, country, _ = catalog.MAKERS[rec.maker]
        unit = rec.unit
        rows.append(
            (
                f"{state.code}-{i + 1:05d}",
                rec.name,
                rec.name_en,
                rec.kind.code,
                rec.model,
                latin,
                country,
                f"{rec.value_yuan / 10000:.2f}",
                rec.commissioned.isoformat(),
                rec.specs,
                rec.functions,
                "；".join(rec.services),
                rec.status,
                rec.sharing,
                rec.fee,
                "",
                rec.cert if rec.certified else "",
                unit.name,
                unit.credit_code or "",
                unit.province_name if hasattr(unit, "province_name") else "",
                unit.city_name,
                unit.county_name,
                rec.address,
                rec.contact,
                rec.phone,
                rec.email or "",
            )
        )
    return rows


TEMPLATES = {"uniquip": (UK_COLUMNS, uk_rows), "nrii-sheet": (NRII_COLUMNS, nrii_rows)}


def _csv(header, rows, encoding, newline) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    # Characters the register's encoding lacks come out as "?", as a real export writes them.
    return out.getvalue().encode(encoding, errors="replace")


def _xlsx(header, rows) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    book.set_properties({"created": catalog_epoch()})  # same rows, same bytes, same ETag
    sheet = book.add_worksheet("Register")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return out.getvalue()


def catalog_epoch():
    import datetime as dt

    return dt.datetime(2013, 10, 27, 2, 0, 0)


@register("tabular")
class TabularFamily:
    def __init__(self, state):
        self.state = state
        self.register = REGISTERS[state.code]
        self._bodies: dict = {}

    def error(self, status: int, headers=None) -> Response:
        return Response(f"{status}\n", status=status, mimetype="text/plain", headers=headers or {})

    def body(self, fmt: str) -> bytes:
        key = (fmt, self.state.mutations)
        if key not in self._bodies:
            header, rows = TEMPLATES[self.register.template]
            rows = rows(self.state)
            data = _csv(header, rows, self.register.encoding, self.register.newline) if fmt == "csv" else _xlsx(header, rows)
            self._bodies = {k: v for k, v in self._bodies.items() if k[1] == self.state.mutations}
            self._bodies[key] = data
        return self._bodies[key]

    def handle(self, request, path, ctx) -> Response:
        fmt = path.rsplit(".", 1)[-1]
        if path.strip("/") not in ("register.csv", "register.xlsx"):
            return self.error(404)
        data = self.body(fmt)
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        modified = email.utils.format_datetime(self.state.as_of.replace(tzinfo=__import__("datetime").timezone.utc), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified, "Content-Length": str(len(data))}
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag, "Last-Modified": modified})
        content_type = CONTENT_TYPES[fmt] + (
            "; charset=" + self.register.encoding.replace("-sig", "") if fmt == "csv" and self.register.template == "nrii-sheet" else ""
        )
        if ctx.truncate is not None:
            cut = data[: int(len(data) * ctx.truncate)]
            ctx.truncated = True
            # The whole length is announced, part of it sent, then the connection closes.
            return Response(iter([cut]), status=200, headers=headers, content_type=content_type, direct_passthrough=True)
        return Response(data, status=200, headers=headers, content_type=content_type)
