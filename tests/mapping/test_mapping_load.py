"""A mapping file with a mistake fails at load, naming the file, the key and what was expected."""

import textwrap
from pathlib import Path

import pytest

from hub.config import mappings_dir
from hub.errors import ConfigError
from hub.mapping import Mapping

BASE = """\
network: "370000"
family: sdyq-xml
source_id: YQBH
fields:
  name: YQMC
"""


def write(tmp_path, text) -> Path:
    path = tmp_path / "370000.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "extra, key, expected",
    [
        pytest.param("  colour: YS\n", "fields.colour", "unknown common-schema field 'colour'", id="unknown field"),
        pytest.param("  owner.colour: SSDW@ys\n", "fields.owner.colour", "unknown common-schema field", id="unknown nested field"),
        pytest.param(
            "  status: {from: YXZT, transform: statuz}\n",
            "fields.status.transform",
            "unknown transform 'statuz'; expected one of:",
            id="unknown transform",
        ),
        pytest.param(
            "  original_value: {from: YZ, transform: {money: {unit: wanyuan}}}\n",
            "fields.original_value.transform.money.unit",
            "unknown option of transform 'money' (its options: bare_unit)",
            id="unknown option",
        ),
        pytest.param(
            "  original_value: {from: YZ, transform: {money: {bare_unit: 10000}}}\n",
            "fields.original_value.transform.money.bare_unit",
            "expected str, got int 10000",
            id="ill-typed option",
        ),
        pytest.param(
            "  original_value: {from: YZ, transform: {money: {bare_unit: jin}}}\n",
            "fields.original_value.transform.money.bare_unit",
            "expected one of ['yuan', 'wanyuan']",
            id="option not a choice",
        ),
        pytest.param(
            "  status: {from: YXZT, transform: vocab}\n",
            "fields.status.transform.vocab.table",
            "requires option 'table'",
            id="missing required option",
        ),
        pytest.param(
            "  status: {from: YXZT, transform: {vocab: {table: statuses}}}\n",
            "fields.status.transform.vocab.table",
            "no vocabulary 'statuses'",
            id="unknown vocabulary",
        ),
        pytest.param(
            "  region: {from: SZDQ, transform: {region: {default_province: '130100'}}}\n",
            "fields.region.transform.region.default_province",
            "province code",
            id="default province not a province",
        ),
        pytest.param("  status: {transform: trim}\n", "fields.status", "missing required `from`", id="missing from"),
        pytest.param(
            "  status: {from: YXZT, form: x}\n", "fields.status.form", "unknown key; expected one of: from", id="unknown field key"
        ),
        pytest.param(
            "  status: {from: YXZT, on_error: ignore}\n", "fields.status.on_error", "expected one of ['reject', 'drop']", id="bad on_error"
        ),
        pytest.param("  status: {from: $updated}\n", "fields.status.from", "unknown record path", id="unknown record path"),
        pytest.param("  region: SZDQ\n  region.city: SZDQ\n", "fields.region.city", "mapped whole", id="object and its part"),
        pytest.param(
            "  status: {from: YXZT, transform: [trim, {vocab: {table: status}, x: 1}]}\n",
            "fields.status.transform[1]",
            "expected a transform name",
            id="malformed step",
        ),
    ],
)
def test_field_mistakes_fail_at_load(tmp_path, extra, key, expected):
    path = write(tmp_path, BASE + extra)
    with pytest.raises(ConfigError) as exc:
        Mapping.load(path)
    assert exc.value.source == str(path)
    assert exc.value.key == key
    assert expected in exc.value.problem
    assert str(path) in str(exc.value) and key in str(exc.value)


@pytest.mark.parametrize(
    "text, key, expected",
    [
        pytest.param(BASE.replace('"370000"', "370000"), "network", "6-digit GB/T 2260 code as a quoted string", id="network not quoted"),
        pytest.param(BASE.replace("sdyq-xml", "sdyq"), "family", "expected one of", id="unknown family"),
        pytest.param(BASE + "colour: red\n", "colour", "unknown key; expected one of: network", id="unknown top-level key"),
        pytest.param(
            BASE.replace("  name: YQMC\n", "  model: GGXH\n"),
            "fields.name",
            "required common-schema field is not mapped",
            id="required field unmapped",
        ),
        pytest.param(
            BASE + "service:\n  fields:\n    hours: ZJS\n",
            "service.fields.hours",
            "unknown common-schema field 'hours'",
            id="unknown service field",
        ),
        pytest.param(BASE.replace("source_id: YQBH\n", ""), "source_id", "expected the payload path", id="missing source id"),
        pytest.param("network: [\n", None, "not valid YAML", id="broken YAML"),
        pytest.param(BASE + "header_labels: [YQBH]\n", "header_labels", "expected column name → label", id="header labels not a mapping"),
        pytest.param(
            BASE + "header_labels:\n  YQBH: {en: ID}\n",
            "header_labels.YQBH",
            "expected a label or a list of labels",
            id="header label not text",
        ),
    ],
)
def test_file_mistakes_fail_at_load(tmp_path, text, key, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        Mapping.load(path)
    assert exc.value.key == key and expected in exc.value.problem and str(path) in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="mapping file not found"):
        Mapping.load(tmp_path / "nope.yaml")


@pytest.mark.parametrize("code", ["370000", "420000", "130000", "320000", "110000"])
def test_shipped_mappings_load(code):
    mapping = Mapping.load(mappings_dir() / f"{code}.yaml")
    assert mapping.network == code and mapping.service_fields
    assert len(mapping.digest) == 64


def test_digest_changes_with_the_file_and_the_code_tables(tmp_path, monkeypatch):
    path = write(tmp_path, BASE)
    first = Mapping.load(path).digest
    assert Mapping.load(path).digest == first
    path.write_text(BASE + "  model: GGXH\n", encoding="utf-8")
    assert Mapping.load(path).digest != first
    # A deployment with its own code tables (HUB_HOME) gets a different digest for the same file.
    home = tmp_path / "home"
    (home / "mappings" / "codes").mkdir(parents=True)
    for name in ("classification.csv", "vocabularies.yaml", "countries.yaml"):
        (home / "mappings" / "codes" / name).write_bytes((mappings_dir() / "codes" / name).read_bytes())
    (home / "mappings" / "codes" / "vocabularies.yaml").write_text(
        (mappings_dir() / "codes" / "vocabularies.yaml").read_text(encoding="utf-8") + "\nextra:\n  a: b\n", encoding="utf-8"
    )
    path.write_text(BASE, encoding="utf-8")
    monkeypatch.setenv("HUB_HOME", str(home))
    assert Mapping.load(path).digest != first


@pytest.mark.parametrize(
    "row, is_header",
    [
        pytest.param({"YQBH": "YQBH", "YQMC": "YQMC", "YZ": "YZ"}, True, id="the header again"),
        pytest.param({"YQBH": "Instrument ID", "YQMC": "Name", "YZ": "Value"}, True, id="the English row"),
        pytest.param({"YQBH": "Instrument ID", "YQMC": "Name", "YZ": ""}, True, id="English row, a cell blank"),
        pytest.param({"YQBH": "Instrument ID", "YQMC": "", "YZ": ""}, False, id="mostly blank: not sure, a record"),
        pytest.param({"YQBH": "SD001", "YQMC": "Name", "YZ": "Value"}, False, id="a record with an id"),
        pytest.param({"YQBH": "Name", "YQMC": "Instrument ID", "YZ": "Value"}, False, id="labels of other columns"),
        pytest.param({"YQBH": "ID", "YQMC": "Name", "YZ": "Value"}, False, id="a label the mapping does not know"),
    ],
)
def test_a_header_row_is_told_from_a_record(tmp_path, row, is_header):
    path = write(tmp_path, BASE + "header_labels:\n  YQBH: Instrument ID\n  YQMC: [Name, 名称]\n  YZ: Value\n")
    assert Mapping.load(path).repeats_header(row) is is_header
