"""Docs are tested; the `hub mapping check` command works on real files."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.mapping import registry
from hub.mapping.validate import CompiledSchema
from hub.schema import InstrumentSchema

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def test_every_transform_and_option_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name in registry.names():
        assert re.search(rf"\| `{name}` \|", text), f"transform {name} missing from docs/mapping.md"
        for option in registry.get(name).options:
            assert f"`{option}`" in text, f"option {name}.{option} missing from docs/mapping.md"


def test_every_vocabulary_table_is_documented():
    from hub.mapping import codes

    text = DOCS.read_text(encoding="utf-8")
    for table in codes.tables().vocabularies:
        assert f"`{table}`" in text


SAMPLE = [
    {"YQBH": "A1", "YQMC": "液相色谱仪", "YZ": "45.8", "SSDW": "山东大学", "YXZT": "正常"},
    {"YQBH": "A2", "YQMC": "质谱仪", "YZ": "abc"},
    {"YQBH": "A3", "YQMC": "显微镜", "FLDM": "999999"},
]


def test_check_reports_records_errors_and_fill_rates(tmp_path):
    sample = tmp_path / "s.jsonl"
    sample.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in SAMPLE), encoding="utf-8")
    result = CliRunner().invoke(cli, ["mapping", "check", "370000", str(sample), "--json"], standalone_mode=False)
    assert result.exception is None and result.return_value == 0
    out = json.loads(result.output)
    assert out["total"] == 3 and out["accepted"] == 2
    assert out["errors"] == [{"record": "A2", "field": "YZ", "message": "expected an amount such as 68.5万元 or 685000元, got 'abc'"}]
    assert out["warnings"][0]["field"] == "FLDM"
    assert out["fill_rates"]["name"] == 1.0 and out["fill_rates"]["status"] == 0.5
    assert out["records"][0]["original_value"] == "458000.00"


def test_check_text_output_and_strict_exit(tmp_path):
    sample = tmp_path / "s.json"
    sample.write_text(json.dumps(SAMPLE, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["mapping", "check", "370000", str(sample), "--strict"], standalone_mode=False)
    assert result.return_value == 1
    assert "record A2, field YZ:" in result.output and "fill rates:" in result.output


def test_check_leaves_out_a_table_header_met_again(tmp_path):
    """Two exports joined into one CSV repeat the header: the push feed and the tabular harvest leave
    that row out, uncounted; `hub mapping check` mapped it as a record named after the column."""
    from hub.feed.samples import guangdong_rows, to_csv

    first, second = to_csv(guangdong_rows(3)), to_csv(guangdong_rows(2, start=3))
    sample = tmp_path / "joined.csv"
    sample.write_bytes(first + second)  # the second export's header is line 5
    result = CliRunner().invoke(cli, ["mapping", "check", "440000", str(sample), "--json", "--encoding", "gb18030"], standalone_mode=False)
    assert result.exception is None, result.output
    out = json.loads(result.output)
    assert (out["total"], out["accepted"], out["errors"]) == (5, 5, []), out
    assert out["repeated_headers"] == ["line 5"]
    assert any("1 row repeats the header" in note and "line 5" in note for note in out["notes"]), out["notes"]


def test_check_exits_2_on_an_invalid_mapping(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'network: "370000"\nfamily: sdyq-xml\nsource_id: YQBH\nfields:\n  name: {from: YQMC, transform: trimm}\n', encoding="utf-8"
    )
    sample = tmp_path / "s.json"
    sample.write_text("[]", encoding="utf-8")
    result = CliRunner().invoke(cli, ["mapping", "check", str(bad), str(sample)], standalone_mode=False)
    assert result.return_value == 2
    # click ≥ 8.2 keeps stderr apart from stdout in the result
    assert "fields.name.transform: unknown transform 'trimm'" in result.stderr


GOOD = {
    "network": "370000",
    "source_id": "A1",
    "name": "x",
    "original_value": Decimal("1.00"),
    "owner": {"name": "y"},
    "certifications": ["CMA"],
}


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(GOOD, id="good"),
        pytest.param(GOOD | {"name": "n" * 201}, id="name too long"),
        pytest.param(GOOD | {"status": "broken"}, id="status off the list"),
        pytest.param(GOOD | {"owner": {"type": "university"}}, id="owner without name"),
        pytest.param(GOOD | {"certifications": ["ISO"]}, id="unknown certification"),
        pytest.param(GOOD | {"colour": "red"}, id="unknown field"),
        pytest.param(GOOD | {"source_id": "a/b"}, id="schema-level validator"),
        pytest.param(GOOD | {"original_value": Decimal("-1")}, id="negative value"),
        pytest.param(GOOD | {"region": {"province": "37"}}, id="short division code"),
        pytest.param({k: v for k, v in GOOD.items() if k != "name"}, id="missing name"),
    ],
)
def test_compiled_validation_agrees_with_the_schema(record):
    from marshmallow import ValidationError

    loaded, problems = CompiledSchema(InstrumentSchema).check(record)
    try:
        expected = InstrumentSchema().load(record)
    except ValidationError:
        assert problems
    else:
        assert not problems and loaded == expected
