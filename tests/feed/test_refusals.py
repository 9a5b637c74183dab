"""Requests the feed refuses or reads specially: limits, malformed and hostile bodies, encodings.

These answers do not depend on the database backend, so they run on SQLite only.
"""

import io

import pytest
from sqlalchemy import func, select

from hub.feed import samples
from hub.feed.batches import BATCHES
from hub.harvest.writer import INSTRUMENTS
from tests.feed.conftest import auth


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


def _count(store, table, *where):
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_an_oversized_body_gets_413(app, push, store):
    app.config["FEED_LIMITS"] = {"max_body_bytes": 10_000}
    r = push("440000", samples.guangdong_csv(100))
    assert r.status_code == 413 and "10,000-byte" in r.get_json()["detail"]
    assert _count(store, BATCHES) == 0


def test_an_oversized_body_without_content_length_gets_413(app, client, tokens, store):
    app.config["FEED_LIMITS"] = {"max_body_bytes": 10_000}
    body = io.BytesIO(samples.guangdong_csv(100))
    r = client.post(
        "/api/v1/networks/440000/batches?mode=upsert",
        input_stream=body,
        headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked", **auth(tokens["gd"])},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert r.status_code == 413


@pytest.mark.parametrize(
    "fmt, body, line, column",
    [
        pytest.param("json", b'[{"innerId": "A", "cname": "x"},\n {"innerId": "B", "cname": "y",}]', 2, 31, id="JSON trailing comma"),
        pytest.param("json", b'[{"innerId": "A"}\n{"innerId": "B"}]', 2, 1, id="JSON missing comma"),
        pytest.param("json", b'[{"innerId": "A"},\n', 2, 1, id="JSON truncated"),
        # Python's reader takes NaN and Infinity; a record named "nan" was created from one.
        pytest.param("json", b'[{"innerId": "A", "cname": "x"},\n {"innerId": "B", "cname": NaN}]', 2, 28, id="JSON NaN"),
        pytest.param("json", b'[{"innerId": "A", "note": "NaN, Infinity", "n": -Infinity}]', 1, 49, id="JSON -Infinity after text"),
        pytest.param("csv", '仪器编号,仪器名称\nGD1,"液相色谱仪\nGD2,电镜\n'.encode("gb18030"), 2, 5, id="CSV quote never closed"),
        pytest.param("csv", '仪器编号,仪器名称\nGD1,电镜\nGD2,"液相"色谱\n'.encode("utf-8"), 3, 9, id="CSV text after a closing quote"),
        pytest.param("csv", b"\xd2\xba,\xff\xfe\n", 1, 4, id="CSV neither UTF-8 nor GB18030"),
        pytest.param(
            "csv",
            "仪器编号,仪器名称\nGD1,液相色谱仪\n".encode() + "GD2,电镜\n".encode("gbk"),
            3,
            5,
            id="CSV in UTF-8 with one GBK row: where UTF-8 breaks",
        ),
        pytest.param("xml", b"<r>\n<i><innerId>A</innerId></i>\n<i><innerId>B</inner></i>\n</r>", 3, 22, id="XML mismatched tag"),
        pytest.param("xml", b"<r>\n<i><innerId>A</innerId></i>\n", 3, 1, id="XML truncated"),
    ],
)
def test_a_malformed_body_gets_400_with_line_and_column(push, store, fmt, body, line, column):
    network, token = ("440000", "gd") if fmt == "csv" else ("110000", "bj")
    r = push(network, body, fmt=fmt, token=token, key="k")
    assert r.status_code == 400, r.get_data(as_text=True)
    problem = r.get_json()
    assert (problem["line"], problem["column"]) == (line, column), problem
    assert f"line {line}, column {column}" in problem["detail"]
    assert _count(store, BATCHES) == 0  # nothing kept: the fixed body may be sent under the same key


def test_a_number_beyond_a_float_is_kept_as_its_text(push, store):
    """1e999 is JSON; read as a float it became infinity, and an instrument was stored with the id
    "inf". Kept as sent, it is the record's own id (and a numeric field refuses it by name)."""
    r = push("110000", b'[{"innerId": 1e999, "cname": "\xe7\x94\xb5\xe9\x95\x9c"}]', fmt="json", token="bj", key="k")
    assert r.status_code in (200, 202), r.get_data(as_text=True)
    with store.read() as conn:
        ids = conn.execute(select(INSTRUMENTS.c.source_id).where(INSTRUMENTS.c.network == "110000")).scalars().all()
    assert "inf" not in ids and (ids == ["1e999"] or not ids)


XXE_TARGET = "top-secret-{}"


@pytest.mark.parametrize("kind", ["xxe", "billion laughs", "doctype after a long prolog"])
def test_hostile_xml_is_refused_unread(push, store, tmp_path, kind):
    secret_file = tmp_path / "secret.txt"
    secret = XXE_TARGET.format(kind)
    secret_file.write_text(secret)
    bodies = {
        "xxe": f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>\n<r><i><innerId>&x;</innerId><cname>&x;</cname></i></r>',
        "billion laughs": '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + "]>\n<r><i><innerId>&lol9;</innerId></i></r>",
        "doctype after a long prolog": '<?xml version="1.0"?>\n<!--'
        + "x" * 70000
        + f'-->\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>\n<r><i><innerId>&x;</innerId></i></r>',
    }
    r = push("110000", bodies[kind].encode(), fmt="xml", token="bj")
    assert r.status_code == 400
    assert "DOCTYPE" in r.get_json()["detail"]
    assert secret not in r.get_data(as_text=True)
    assert _count(store, BATCHES) == 0 and _count(store, INSTRUMENTS) == 0


@pytest.mark.parametrize("encoding, bom", [("gb18030", False), ("utf-8", False), ("utf-8", True)])
def test_guangdong_csv_in_either_encoding(push, store, encoding, bom):
    body = samples.to_csv(samples.guangdong_rows(3), encoding, bom=bom)
    report = push("440000", body).get_json()
    assert report["encoding"] in ("gb18030", "utf-8") and report["counts"]["created"] == 3
    with store.read() as conn:
        names = set(conn.execute(select(INSTRUMENTS.c.owner_id, INSTRUMENTS.c.name)).all())
    assert {n for _, n in names} <= {"液相色谱仪", "扫描电子显微镜", "X射线衍射仪"}


@pytest.mark.parametrize(
    "query, parameter, detail",
    [
        pytest.param({"mode": "replace"}, "mode", "Must be one of: upsert, delete, snapshot", id="unknown mode"),
        pytest.param({"mode": None}, "mode", "mode must be one of", id="no mode"),
        pytest.param({"mode": None, "kind": "service"}, "year", "year=YYYY", id="service without year"),
        pytest.param({"mode": "snapshot", "kind": "service", "year": 2012}, "mode", "mode=upsert", id="service snapshot"),
        pytest.param({"kind": "service", "year": "2O12"}, "year", "digits 0-9", id="year not a number"),
        # An unknown parameter was ignored and the batch applied (found probing the feed).
        pytest.param({"foo": "1"}, "foo", "Unknown field", id="unknown parameter"),
        pytest.param({"year": "2012"}, "year", "only for kind=service", id="a year for instruments"),
    ],
)
def test_bad_batch_parameters_get_400_naming_them(push, store, query, parameter, detail):
    r = push("440000", samples.guangdong_csv(1), **query)
    problem = r.get_json()
    assert r.status_code == 400 and detail in problem["detail"], problem
    assert [e["parameter"] for e in problem["errors"]] == [parameter]
    assert _count(store, INSTRUMENTS) == 0


def test_a_harvested_network_takes_no_push(push, tokens):
    assert push("370000", b"[]", fmt="json", token="admin").status_code == 409


@pytest.mark.parametrize(
    "content_type, body",
    [
        pytest.param("application/pdf", b"%PDF-1.4 \x00\x01\x02", id="a PDF"),
        pytest.param("application/pdf", samples.guangdong_csv(2), id="CSV sent as a PDF"),
        pytest.param("application/vnd.ms-excel", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", id="an old .xls"),
        pytest.param(None, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", id="an old .xls without a type"),
        pytest.param("image/png", b"\x89PNG\r\n", id="an image"),
    ],
)
def test_a_content_type_naming_another_format_gets_415(client, tokens, store, content_type, body):
    """Sniffed as CSV, a PDF was a batch of no records, answered `done`."""
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post("/api/v1/networks/440000/batches?mode=upsert", data=body, headers={**headers, **auth(tokens["gd"])})
    assert r.status_code == 415, r.get_data(as_text=True)
    named = "(.xls)" if body.startswith(b"\xd0\xcf") else content_type
    assert named in r.get_json()["detail"] and "text/csv" in r.get_json()["detail"]
    assert _count(store, BATCHES) == 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/octet-stream", "application/vnd.ms-excel", None]
)
def test_a_content_type_naming_no_format_lets_the_first_bytes_decide(client, tokens, store, content_type):
    """What HTTP clients send when not told (curl's --data sends a form type; Windows types a .csv as
    an Excel file) is no format: a province uploading with a bare curl gets its CSV read."""
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post("/api/v1/networks/440000/batches?mode=upsert", data=samples.guangdong_csv(2), headers={**headers, **auth(tokens["gd"])})
    assert r.status_code == 200 and r.get_json()["counts"]["created"] == 2, r.get_data(as_text=True)


@pytest.mark.parametrize(
    "content_type, body, detail",
    [
        pytest.param(
            "text/csv; charset=utf-16", samples.guangdong_csv(2, encoding="utf-8"), "read as utf-16", id="UTF-8 CSV declared utf-16"
        ),
        pytest.param("text/csv", "仪器编号,仪器名称\n".encode("gb18030"), "holds no records", id="CSV header without rows"),
        pytest.param("application/json", b"[]", "holds no records", id="empty JSON array"),
    ],
)
def test_a_body_without_records_gets_400(client, tokens, store, content_type, body, detail):
    """A body read in the wrong charset (declared utf-16, sent as UTF-8) came out as one header line
    and was answered `done` with 0 records: the province believed its batch taken."""
    network, token = ("110000", "bj") if "json" in content_type else ("440000", "gd")
    headers = {"Content-Type": content_type, **auth(tokens[token])}
    r = client.post(f"/api/v1/networks/{network}/batches?mode=upsert", data=body, headers=headers)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert detail in r.get_json()["detail"]
    assert _count(store, BATCHES) == 0


def _xlsx_with_a_title_row(rows) -> bytes:
    """A workbook as a vendor's export tool writes it: a merged title row above the header."""
    import openpyxl

    columns = list(rows[0])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["广东省大型科学仪器设备导出"] + [None] * (len(columns) - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.append(columns)
    for row in rows:
        ws.append([row[c] for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    "mode, content_type, body, named",
    [
        pytest.param(
            "upsert",
            "text/csv",
            samples.guangdong_csv(30).decode("gb18030").replace("仪器编号", "设备编号", 1).encode("gb18030"),
            "设备编号",
            id="CSV id column renamed",
        ),
        pytest.param(
            "snapshot", XLSX, _xlsx_with_a_title_row(samples.guangdong_rows(30)), "广东省大型科学仪器设备导出", id="XLSX title row"
        ),
    ],
)
def test_a_header_without_the_id_column_gets_400(client, tokens, store, mode, content_type, body, named):
    """A header lacking the id column was taken row by row: 30 rejections each saying the id of
    'record at line N' is missing — while the vendor saw 仪器编号 in its file — and as a snapshot a hold
    of the whole network's withdrawal that an operator could confirm."""
    headers = {"Content-Type": content_type, **auth(tokens["gd"])}
    r = client.post(f"/api/v1/networks/440000/batches?mode={mode}", data=body, headers=headers)
    assert r.status_code == 400, r.get_data(as_text=True)
    detail = r.get_json()["detail"]
    assert "仪器编号" in detail and named in detail, detail
    assert _count(store, BATCHES) == 0
