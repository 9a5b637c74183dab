"""A mapping's `source_id`: a path, a composition, a digest; encoded, never refused; and `hub mapping
check` on the spreadsheets the tabular family reads."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
import yaml
from click.testing import CliRunner

from hub.cli import cli
from hub.errors import ConfigError
from hub.mapping import Mapping
from hub.mapping.ids import encode_id

BASE = {"network": "FGBUK1", "family": "tabular", "fields": {"name": "Name"}}


def _mapping(tmp_path, source_id) -> Mapping:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(dict(BASE, source_id=source_id), allow_unicode=True), encoding="utf-8")
    return Mapping.load(path)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("HPLC/MS", "HPLC%2FMS", id="slash"),
        pytest.param("  A 1 ", "A 1", id="surrounding spaces trimmed, inner space kept"),
        pytest.param("50%/day", "50%25%2Fday", id="percent first, so the encoding reads back"),
        pytest.param("a\tb\nc", "a%09b%0Ac", id="tabs and newlines"),
    ],
)
def test_encode_id(text, expected):
    assert encode_id(text) == expected


@pytest.mark.parametrize(
    "spec, payload, expected",
    [
        pytest.param("ID", {"ID": "7"}, "7", id="a path"),
        pytest.param("ID", {"ID": 7.0}, "7", id="a whole float"),
        pytest.param("Name", {"Name": "HPLC/MS"}, "HPLC%2FMS", id="a path whose value has a slash"),
        pytest.param(
            {"from": ["Department", "Name"], "join": " | "},
            {"Department": "Chemistry", "Name": "NMR/EPR  600"},
            "Chemistry | NMR%2FEPR 600",
            id="composed",
        ),
        pytest.param(
            {"from": ["Department", "Name"], "transform": [{"trim": {}}, "upper"]},
            {"Department": "chem", "Name": "nmr"},
            "CHEM-NMR",
            id="composed with transforms",
        ),
    ],
)
def test_ids_are_read_composed_and_encoded(tmp_path, spec, payload, expected):
    assert _mapping(tmp_path, spec).identify(payload) == (expected, None)


def test_a_digest_is_stable_and_ignores_spacing_but_not_content(tmp_path):
    m = _mapping(tmp_path, {"hash": ["Name", "Building"]})
    a, _ = m.identify({"Name": "NMR 600", "Building": "Dalton", "Other": "x"})
    assert a.startswith("h") and len(a) == 21
    assert m.identify({"Name": " NMR  600 ", "Building": "Dalton", "Other": "y"})[0] == a
    assert m.identify({"Name": "NMR 700", "Building": "Dalton"})[0] != a
    assert m.identify({"Other": "x"}) == (None, "every field the id is made from is empty (Name, Building)")


def test_a_composed_id_missing_a_part_names_it(tmp_path):
    m = _mapping(tmp_path, {"from": ["Department", "Name"]})
    assert m.identify({"Name": "NMR"}) == (None, "the record id (Department-Name) is missing its part Department")


@pytest.mark.parametrize(
    "spec, key",
    [
        pytest.param({"from": ["a"], "hash": ["b"]}, "source_id", id="both"),
        pytest.param({"hash": []}, "source_id.hash", id="empty hash"),
        pytest.param({"hash": ["a"], "join": "-"}, "source_id", id="hash with join"),
        pytest.param({"from": ["a"], "transform": "nonsense"}, "source_id.transform", id="unknown transform"),
        pytest.param({"form": ["a"]}, "source_id.form", id="typo"),
        pytest.param(3, "source_id", id="not a path"),
    ],
)
def test_a_bad_source_id_fails_at_load_naming_the_key(tmp_path, spec, key):
    with pytest.raises(ConfigError) as err:
        _mapping(tmp_path, spec)
    assert err.value.key == key


UK = [
    ("Name", "Department", "Building", "Contact Name"),
    ("NMR/EPR 600", "Chemistry", "Dalton", "Zoë Brontë"),
    ("Confocal", "Biology", "B Block", "José Núñez"),
    ("NMR/EPR 600", "Chemistry", "Dalton", "Zoë Brontë"),
    ("", "Physics", "", "Ian Smith"),
]


def _check(*args):
    return CliRunner().invoke(cli, ["mapping", "check", "FGBUK1", *args])


def test_mapping_check_reads_a_mac_roman_csv_sample(tmp_path):
    sample = tmp_path / "register.csv"
    sample.write_bytes("\r\n".join(",".join(r) for r in UK).encode("mac_roman"))
    result = _check(str(sample), "--encoding", "mac_roman")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2 of 4 records accepted, 1 errors, 0 warnings, 1 repeated ids" in out
    assert "record Chemistry | NMR%2FEPR 600 | Dalton at line 4 repeats line 2" in out
    assert (
        "record (line 5), field Department | Name | Building: the record id (Department | Name | Building) is missing its parts "
        "Name, Building" in out
    )
    assert "fill rates:" in out and "contact.name" in out and "100.0%" in out
    assert "Zoë Brontë" in out
    strict = CliRunner().invoke(
        cli, ["mapping", "check", "FGBUK1", str(sample), "--encoding", "mac_roman", "--strict"], standalone_mode=False
    )
    assert strict.return_value == 1


def test_mapping_check_reads_an_xlsx_sample(tmp_path):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet("Equipment")
    ws.write_row(0, 0, ["Register of equipment"])
    for r, row in enumerate(UK, start=2):
        ws.write_row(r, 0, row)
    book.close()
    sample = tmp_path / "register.xlsx"
    sample.write_bytes(out.getvalue())
    result = _check(str(sample), "--sheet", "Equipment", "--header-row", "3")
    assert result.exit_code == 0, result.output
    assert "2 of 4 records accepted, 1 errors, 0 warnings, 1 repeated ids" in result.output
    assert "at row 6 repeats row 4" in result.output and "fill rates:" in result.output


def test_mapping_check_warns_when_a_single_byte_encoding_would_garble_utf8(tmp_path):
    sample = tmp_path / "register.csv"
    sample.write_bytes("\r\n".join(",".join(r) for r in UK).encode("utf-8"))
    result = _check(str(sample), "--encoding", "mac_roman")
    assert "note: the encoding override mac_roman was set aside" in result.output and "Zoë Brontë" in result.output


@pytest.mark.parametrize(
    "suffix, body, code",
    [
        pytest.param(
            ".xml",
            "<?xml version='1.0' encoding='UTF-8'?>"
            "<SDYQExport><Instrument><YQBH>SD-1</YQBH><YQMC>液相色谱仪</YQMC></Instrument></SDYQExport>",
            "370000",
            id="xml",
        ),
        pytest.param(
            ".html",
            "<html><head><meta charset='gbk'></head><body>"
            "<table class='yq-detail'><tr><th>仪器编号</th><td>HE-1</td></tr>"
            "<tr><th>仪器名称：</th><td>气相色谱仪</td></tr></table></body></html>",
            "130000",
            id="html",
        ),
    ],
)
def test_mapping_check_reads_xml_and_html_samples(tmp_path, suffix, body, code):
    sample = tmp_path / f"sample{suffix}"
    sample.write_bytes(body.encode("gb18030" if suffix == ".html" else "utf-8"))
    result = CliRunner().invoke(cli, ["mapping", "check", code, str(sample), "--json"])
    assert result.exit_code == 0, result.output
    assert '"total": 1' in result.output and "fill_rates" in result.output
