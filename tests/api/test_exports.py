"""Exports through the API and the CLI: formats, filters, formula injection."""

import csv
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from tests.factories import make_corpus, make_instruments

from hub.exports.formats import neutralise
from hub.web import create_app


@pytest.fixture
def client(store):
    make_corpus(store)
    make_instruments(
        store,
        [
            {
                "source_id": "EVIL1",
                "name": '=HYPERLINK("http://x","点击")',
                "model": "+1-2",
                "functions": "@SUM(A1)",
                "contact_phone": "-0531",
            }
        ],
    )
    return create_app({"STORE": store, "TESTING": True}).test_client()


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("=1+1", "'=1+1", id="equals"),
        pytest.param("+86 531", "'+86 531", id="plus"),
        pytest.param("-5", "'-5", id="minus"),
        pytest.param("@cmd", "'@cmd", id="at"),
        pytest.param("\tx", "'\tx", id="tab"),
        pytest.param("\rx", "'\rx", id="carriage return"),
        pytest.param("液相色谱", "液相色谱", id="plain text"),
        pytest.param(None, None, id="null"),
        pytest.param(5, 5, id="number"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_has_bom_chinese_and_neutralised_cells(client):
    r = client.get("/api/v1/instruments/export", query_string={"format": "csv", "network": "370000"})
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert len(rows) == 8 and {row["network"] for row in rows} == {"370000"}
    evil = next(row for row in rows if row["source_id"] == "EVIL1")
    assert (
        evil["name"].startswith("'=")
        and evil["model"] == "'+1-2"
        and evil["functions"] == "'@SUM(A1)"
        and evil["contact_phone"] == "'-0531"
    )
    assert any(row["name"] == "高效液相色谱仪" for row in rows)


def test_jsonl_is_the_search_in_the_common_schema(client):
    r = client.get("/api/v1/instruments/export", query_string={"format": "jsonl", "q": "液相色谱"})
    lines = [json.loads(line) for line in r.data.decode().splitlines()]
    search = client.get("/api/v1/instruments", query_string={"q": "液相色谱", "page_size": 100}).json
    assert [x["id"] for x in lines] == [x["id"] for x in search["items"]]
    assert lines[0]["provenance"]["first_seen"] and "owner" in lines[0] and "region" in lines[0]
    assert not any(x["name"].startswith("'") for x in lines)


def test_xlsx_is_a_workbook_with_every_row(client):
    r = client.get("/api/v1/instruments/export", query_string={"format": "xlsx"})
    assert r.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(r.data))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<row ") == 17 + 1
    strings = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else sheet
    assert "=HYPERLINK" not in strings.replace("'=HYPERLINK", "")
    assert "<f>" not in sheet  # no formulas at all


def test_export_refuses_bad_parameters(client):
    r = client.get("/api/v1/instruments/export", query_string={"format": "csv", "bogus": "1"})
    assert r.status_code == 400 and r.json["errors"][0]["parameter"] == "bogus"


@pytest.mark.slow
def test_cli_export_jsonl(sqlite_store, tmp_path):
    """Run as a user does, in its own process (slow: the CLI imports every command module)."""
    store = sqlite_store
    make_corpus(store)
    env = {**os.environ, "HUB_DATABASE_URL": store.url}
    hub = [sys.executable, "-c", "from hub.cli import main; main()", "export"]
    out = tmp_path / "hb.jsonl"
    done = subprocess.run(
        [*hub, "--format", "jsonl", "--network", "420000", "--out", str(out)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "exported 5 instruments" in done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5 and {r["network"] for r in records} == {"420000"}
    assert all(r["provenance"]["last_seen"] for r in records)
    done = subprocess.run([*hub, "--network", "42"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "network" in done.stderr
