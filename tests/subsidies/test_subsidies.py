"""conf/subsidies.yaml is checked where it is loaded; the shipped file says Hubei pays 30 %."""

import pytest

from hub import subsidies
from hub.errors import ConfigError


def test_shipped_schemes_hubei_pays_30_percent_with_its_source():
    (scheme,) = subsidies.for_province("420000")
    assert scheme["rate"] == 0.30 and "30%" in scheme["source"]["quote"]
    assert subsidies.for_province("420100") == [scheme]  # a city's code finds its province
    assert subsidies.for_province("370000") == []


GOOD = """schemes:
  - province: "420000"
    rate: 0.3
    name: {zh: 补贴, en: Subsidy}
    beneficiaries: {zh: 中小企业, en: SMEs}
    conditions: {zh: 条件, en: Conditions}
    source: {title: {zh: 报道, en: Report}, document: d.txt, quote: Q, reported: "2013"}
"""


@pytest.mark.parametrize(
    "change, key",
    [
        pytest.param(("rate: 0.3", "rate: 30"), "rate", id="rate above 1"),
        pytest.param(('province: "420000"', 'province: "4200"'), "province", id="bad province"),
        pytest.param(
            ('    source: {title: {zh: 报道, en: Report}, document: d.txt, quote: Q, reported: "2013"}\n', ""), "source", id="no source"
        ),
        pytest.param(('reported: "2013"', 'reported: "last year"'), "reported", id="no year reported"),
        pytest.param(("title: {zh: 报道, en: Report}", "title: Report"), "title", id="a title in one language"),
        pytest.param(("name: {zh: 补贴, en: Subsidy}", "name: {zh: 补贴}"), "en", id="no English"),
        pytest.param(("    rate: 0.3\n", "    rate: 0.3\n    ratee: 1\n"), "ratee", id="unknown key"),
    ],
)
def test_bad_schemes_fail_at_load_naming_the_key(tmp_path, change, key):
    path = tmp_path / "subsidies.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        subsidies.load(path)
    assert key in str(exc.value) and "subsidies.yaml" in str(exc.value)
