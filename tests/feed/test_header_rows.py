"""A header row met again inside a pushed table (two exports joined into one file, a workbook whose
sheet repeats its header): reported as a repeated header, not a rejected record, in CSV and XLSX alike."""

import dataclasses
import io

import pytest

from hub.config import Registry
from hub.feed import samples
from tests.conftest import auth

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _two_exports_csv() -> bytes:
    first, second = samples.guangdong_csv(2), samples.guangdong_csv(3)
    return first + second.split(b"\n", 1)[0].replace(b"\r", b"") + b"\n" + b"\n".join(second.split(b"\n")[3:])


def _two_exports_xlsx() -> bytes:
    import openpyxl

    rows = samples.guangdong_rows(3)
    columns = list(rows[0])
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in [columns, *([row[c] for c in columns] for row in rows[:2]), columns, [rows[2][c] for c in columns]]:
        ws.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "content_type, body",
    [pytest.param("text/csv", _two_exports_csv(), id="CSV"), pytest.param(XLSX, _two_exports_xlsx(), id="XLSX")],
)
def test_a_header_repeated_inside_the_table_is_reported_not_rejected(client, tokens, content_type, body):
    """Two exports pasted into one file: the second header was rejected as a record named 仪器编号
    (`expected an amount …, got '原值(万元)'`). It is no record: the report names its line apart."""
    r = client.post("/api/v1/networks/440000/batches?mode=upsert", data=body, headers={"Content-Type": content_type, **auth(tokens["gd"])})
    report = r.get_json()
    assert r.status_code == 200 and report["state"] == "done", report
    c = report["counts"]
    assert (c["fetched"], c["created"], c["rejected"]) == (3, 3, 0), (c, report["rejected"])
    assert report["repeated_headers"] == ["line 4"], report


COLUMNS = samples.guangdong_csv(1).decode("gb18030").split("\n", 1)[0].strip().split(",")
#: The English row of the export: every column labelled, as the platform writes it.
ENGLISH = {
    **{column: f"Column {i}" for i, column in enumerate(COLUMNS, 1)},
    "仪器编号": "Instrument ID",
    "仪器名称": "Name",
    "英文名称": "English name",
    "原值(万元)": "Original value (10k yuan)",
    "所属单位": "Owner",
}


@pytest.fixture
def registry(tmp_path):
    """440000 with a mapping that knows the English labels its exports put under the Chinese header."""
    base = Registry.load()
    mapping = tmp_path / "440000.yaml"
    labels = "".join(f"  {column}: {label}\n" for column, label in ENGLISH.items())
    mapping.write_text(base.get("440000").mapping_path.read_text(encoding="utf-8") + "header_labels:\n" + labels, encoding="utf-8")
    return Registry([dataclasses.replace(n, mapping=str(mapping)) if n.code == "440000" else n for n in base])


def test_an_english_row_under_the_chinese_header_is_a_repeated_header_where_the_mapping_names_it(client, tokens):
    """A spreadsheet with an English row under the Chinese header: the mapping's `header_labels`
    say what those labels are, so the row is reported as a header (a few cells left blank, as a
    merged cell reads, included), not rejected as an instrument with the id `Instrument ID`."""
    text = samples.guangdong_csv(2).decode("gb18030")
    header, rows = text.split("\n", 1)
    english = ",".join("" if column in ("主要功能", "服务内容", "收费标准") else ENGLISH[column] for column in COLUMNS)
    body = f"{header}\n{english}\n{rows}".encode("utf-8")
    r = client.post("/api/v1/networks/440000/batches?mode=upsert", data=body, headers={"Content-Type": "text/csv", **auth(tokens["gd"])})
    report = r.get_json()
    assert (report["counts"]["fetched"], report["counts"]["rejected"]) == (2, 0), (report["counts"], report["rejected"])
    assert report["repeated_headers"] == ["line 2"], report
