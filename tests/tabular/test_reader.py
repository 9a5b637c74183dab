"""`hub.tabular`: the one spreadsheet reader (tabular family, push, mapping check) on real files."""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from hub.decoding import decode
from hub.feed import parse
from hub.tabular import TableError, TableFile, read_table

ROWS = [("Name", "Contact Name"), ("µ-CT scanner", "Zoë Brontë"), ("HPLC/MS", "José Núñez")]


def _csv(rows, encoding="utf-8", newline="\r\n") -> bytes:
    return newline.join(",".join(r) for r in rows).encode(encoding) + newline.encode()


def _xlsx(sheets: dict) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    book.close()
    return out.getvalue()


def _read(tmp_path, data: bytes, fmt="csv", **kw):
    path = tmp_path / f"sample.{fmt}"
    path.write_bytes(data)
    info = TableFile(fmt)
    return [r.cells for r in read_table(path, fmt, info, **kw)], info


@pytest.mark.parametrize(
    "encoding, override, expected, noted",
    [
        pytest.param("mac_roman", "mac_roman", "mac-roman", False, id="Mac Roman file, Mac Roman override"),
        pytest.param("utf-8", "mac_roman", "utf-8", True, id="UTF-8 file, Mac Roman override: set aside, warned"),
        pytest.param("utf-8", "latin-1", "utf-8", True, id="UTF-8 file, Latin-1 override: set aside, warned"),
        pytest.param("cp1252", "cp1252", "cp1252", False, id="cp1252 file, cp1252 override"),
        pytest.param("utf-8", None, "utf-8", False, id="UTF-8 file, no override"),
    ],
)
def test_a_single_byte_override_never_garbles_a_utf8_file(tmp_path, encoding, override, expected, noted):
    rows, info = _read(
        tmp_path, _csv(ROWS if encoding != "cp1252" else [("Name", "Contact Name"), ("HPLC/MS", "José Núñez")], encoding), override=override
    )
    assert info.encoding == expected
    assert rows[-1] == {"Name": "HPLC/MS", "Contact Name": "José Núñez"}
    assert bool(info.notes) is noted
    if noted:
        assert f"override {override} was set aside" in info.notes[0]


def test_an_ascii_file_takes_the_override_as_given(tmp_path):
    rows, info = _read(tmp_path, _csv([("a", "b"), ("1", "2")]), override="mac_roman")
    assert (info.encoding, info.notes, rows) == ("mac-roman", [], [{"a": "1", "b": "2"}])


def test_the_push_decoder_sets_a_single_byte_override_aside_with_a_note():
    notes = []
    text, enc = decode("Zoë".encode("utf-8"), None, "mac_roman", notes)
    assert (text, enc) == ("Zoë", "utf-8") and "set aside" in notes[0]
    assert decode("Zoë".encode("mac_roman"), None, "mac_roman") == ("Zoë", "mac-roman")


def test_a_csv_that_ends_inside_a_quoted_field_is_not_complete_and_its_last_row_is_marked(tmp_path):
    data = b'Name,Notes\r\nA,"fine"\r\nB,"cut off in the mid'
    path = tmp_path / "cut.csv"
    path.write_bytes(data)
    info = TableFile("csv")
    rows = list(read_table(path, "csv", info))
    assert not info.complete and "ends inside a quoted field" in info.incomplete
    assert rows[0].problem is None and "cut" in rows[1].problem


def test_a_quote_inside_a_value_is_no_truncation(tmp_path):
    rows, info = _read(tmp_path, b'Name,Size\r\nMonitor,5" screen\r\n')
    assert info.complete and rows == [{"Name": "Monitor", "Size": '5" screen'}]


def test_a_truncated_xlsx_is_refused_as_incomplete(tmp_path):
    data = _xlsx({"S": ROWS})
    with pytest.raises(TableError, match="not whole"):
        _read(tmp_path, data[: len(data) * 2 // 3], "xlsx")


def test_header_row_and_sheet_come_from_configuration(tmp_path):
    data = _xlsx({"Notes": [("nothing here",)], "Register": [("Equipment register 2024",), ("",), *ROWS]})
    rows, info = _read(tmp_path, data, "xlsx", sheet="Register", header_row=3)
    assert info.header == ["Name", "Contact Name"] and rows[0] == {"Name": "µ-CT scanner", "Contact Name": "Zoë Brontë"}
    by_number, _ = _read(tmp_path, data, "xlsx", sheet=2, header_row=3)
    assert by_number == rows
    with pytest.raises(TableError, match="no sheet named 'Missing'"):
        _read(tmp_path, data, "xlsx", sheet="Missing")


def test_xlsx_cells_read_as_a_csv_export_would_hold_them(tmp_path):
    import datetime as dt

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet()
    ws.write_row(0, 0, ["id", "worth", "since", "n"])
    ws.write_row(1, 0, ["A-1", 45.8, "", 12.0])
    ws.write_datetime(1, 2, dt.datetime(2011, 6, 15), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    rows, _ = _read(tmp_path, out.getvalue(), "xlsx")
    assert rows == [{"id": "A-1", "worth": "45.8", "since": "2011-06-15", "n": "12"}]


def test_push_takes_xlsx_through_the_same_reader():
    body = _xlsx({"S": ROWS})
    assert parse.detect_format(None, body) == "xlsx"
    scanned = parse.scan(body, "xlsx")
    assert scanned.records == 2
    assert [i.payload for i in parse.items(body, scanned)][1] == {"Name": "HPLC/MS", "Contact Name": "José Núñez"}
    with pytest.raises(parse.BodyError, match="not whole"):
        parse.scan(body[:-200], "xlsx")
