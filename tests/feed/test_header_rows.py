"""A header row met again inside a pushed table (two exports joined into one file, a workbook whose
sheet repeats its header): reported as a repeated header, not a rejected record, in CSV and XLSX alike."""

import io

import pytest

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
