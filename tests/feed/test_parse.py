"""Body parsing as pure functions: formats, encodings, payload shapes."""

import pytest

from hub.feed import parse


@pytest.mark.parametrize(
    "content_type, body, fmt",
    [
        pytest.param("application/json; charset=utf-8", b"[]", "json", id="json type"),
        pytest.param("text/csv", b"[a,b", "csv", id="csv type wins over content"),
        pytest.param("application/vnd.nrii+xml", b"", "xml", id="+xml"),
        pytest.param(None, b"\xef\xbb\xbf  [", "json", id="sniffed json after BOM"),
        pytest.param("application/octet-stream", b"<r/>", "xml", id="sniffed xml"),
        pytest.param(None, "编号,名称".encode("gb18030"), "csv", id="sniffed csv"),
    ],
)
def test_detect_format(content_type, body, fmt):
    assert parse.detect_format(content_type, body) == fmt


def _read(body, fmt, **kw):
    scanned = parse.scan(body, fmt, **kw)
    return scanned, list(parse.items(body, scanned))


def test_json_records_keep_their_line():
    scanned, items = _read('[\n {"innerId": "A"},\n\n {"innerId": "北"}\n]'.encode(), "json")
    assert scanned.records == 2 and [(i.payload["innerId"], i.line) for i in items] == [("A", 2), ("北", 4)]


def test_csv_row_with_extra_cells_is_a_record_problem_not_a_body_error():
    body = "编号,名称\nA,电镜\nB,电镜,多余\n".encode("gb18030")
    scanned, items = _read(body, "csv")
    assert scanned.encoding == "gb18030" and scanned.records == 2
    assert items[0].problem is None and "3 cells" in items[1].problem and items[1].payload["编号"] == "B"


def test_a_declared_charset_is_honoured():
    body = "编号\nA\n".encode("gb18030")
    assert parse.scan(body, "csv", content_type="text/csv; charset=GBK").encoding == "gb18030"


def test_a_comma_at_the_end_of_every_line_is_no_column():
    """Excel and many vendors' exports end each line with a comma: the whole batch was refused,
    "header cell 3 is empty; every column needs a name" (a steward's probe)."""
    body = "编号,名称,\r\nA,电镜,\r\nB,质谱,多余\r\nC,色谱\r\n".encode("gb18030")
    scanned, items = _read(body, "csv")
    assert scanned.columns == ("编号", "名称") and scanned.records == 3
    assert [(i.payload, i.problem) for i in items[:1]] == [({"编号": "A", "名称": "电镜"}, None)]
    # a cell with something in the unnamed column is still the row's problem; a row without the comma is fine
    assert "3 cells" in items[1].problem and items[2].problem is None


@pytest.mark.parametrize(
    "body, problem",
    [
        pytest.param(b"  \n", "empty", id="empty"),
        pytest.param(b",a\n1,2\n", "header cell 1 is empty", id="unnamed column"),
        pytest.param(b"a,a\n1,2\n", "appears twice", id="duplicate column"),
    ],
)
def test_csv_header_problems(body, problem):
    with pytest.raises(parse.BodyError, match=problem):
        parse.scan(body, "csv")


@pytest.mark.parametrize(
    "body, encoding",
    [
        pytest.param('<?xml version="1.0" encoding="GBK"?><l><r><a>北京</a></r></l>'.encode("gbk"), "gbk", id="declared GBK"),
        pytest.param("<l><r><a>北京</a></r></l>".encode(), "utf-8", id="no declaration: UTF-8"),
        pytest.param(b"\xff\xfe" + "<l><r><a>北京</a></r></l>".encode("utf-16-le"), "utf-16-le", id="UTF-16 by its byte-order mark"),
    ],
)
def test_an_xml_batch_says_the_encoding_it_was_read_in(body, encoding):
    """An XML batch's report said `"encoding": null` whatever its declaration: a province sending
    GBK could not see that the hub had read it as GBK."""
    scanned, items = _read(body, "xml")
    assert scanned.encoding == encoding and items[0].payload == {"a": "北京"}


def test_nrii_xml_payload_shape():
    body = (
        '<x:instruments xmlns:x="http://nrii.example.cn/schema/instrument/1.0"><x:instrument>'
        '<x:innerId>A</x:innerId><x:orgName creditCode="C" level="central">北京大学</x:orgName>'
        '<x:subject>140</x:subject><x:subject>150</x:subject><x:contact name="王" phone="1"/></x:instrument>'
        '<x:service innerId="A" year="2012" effectiveHours="10"/></x:instruments>'
    ).encode()
    scanned, items = _read(body, "xml")
    assert scanned.records == 2
    assert items[0].payload == {
        "innerId": "A",
        "orgName": "北京大学",
        "orgName@creditCode": "C",
        "orgName@level": "central",
        "subject": ["140", "150"],
        "contact": "",
        "contact@name": "王",
        "contact@phone": "1",
    }
    assert items[1].payload == {"innerId": "A", "year": "2012", "effectiveHours": "10"}


def test_billion_laughs_is_refused_before_parsing_and_fast():
    import time

    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10) for i in range(1, 30))
        + b"]><r>&a29;</r>"
    )
    started = time.perf_counter()
    with pytest.raises(parse.BodyError, match="DOCTYPE"):
        parse.scan(bomb, "xml")
    # Expanding it would never finish; refusing it takes microseconds. The bound only has to tell the
    # two apart, with room for a loaded machine's stalls.
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "body, line, column, closing",
    [
        pytest.param(b'[\n {"innerId": "A"},\n {"innerId": "B"},\n]\n', 3, 18, "]", id="after the last record"),
        pytest.param(b'[\n {"innerId": "A",\n  "name": "x",\n }\n]', 3, 14, "}", id="after a record's last field"),
    ],
)
def test_a_trailing_comma_is_named_where_it_is(body, line, column, closing):
    """It was "Expecting value" at the line after it (a steward's probe), which says neither what is
    wrong nor where."""
    with pytest.raises(parse.BodyError) as info:
        parse.scan(body, "json")
    assert (info.value.line, info.value.column) == (line, column)
    assert "trailing comma" in info.value.message and f"'{closing}'" in info.value.message
