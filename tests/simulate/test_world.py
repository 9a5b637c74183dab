"""The simulated world is as messy as real catalogues, deterministically: spellings from the
vocabularies with common ones dominating, per-network fill rates, wrong-level categories and values
typed in the wrong unit — with the truth (kind, value) kept beside every spelling."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from hub.errors import ConfigError
from hub.simulate import fill_rates as fill_module, vocabulary
from hub.simulate.fill_rates import fill_rates, fill_table
from hub.simulate.generator import NetworkData, kind_of
from hub.simulate.network_table import spec_for


def records(code, seed=1, scale=1.0):
    data = NetworkData(spec_for(code), seed, scale)
    return [data.record(i) for i in range(data.n)]


@pytest.fixture(scope="module")
def hubei():
    return records("420000")


def test_same_seed_same_world_other_seed_other_spellings():
    a, b, c = records("130000"), records("130000"), records("130000", seed=2)

    def fields(r):
        return (r.name, r.model, r.maker_name, r.fee, r.specs, r.category, r.value_given, r.value_slip, r.date_given)

    assert [fields(r) for r in a] == [fields(r) for r in b]
    assert [r.name for r in a] != [r.name for r in c]


def test_every_spelling_carries_its_kind_as_truth(hubei):
    assert all(kind_of("420000", r.index) == r.kind for r in hubei)
    assert all((r.maker, r.base_model) in r.kind.models for r in hubei)
    # the spellings of one kind are many; the canonical name is the commonest of them
    by_kind = {}
    for r in hubei:
        by_kind.setdefault(r.kind.name, Counter())[r.name] += 1
    common = [k for k, names in by_kind.items() if sum(names.values()) >= 50]
    assert common
    for kind in common:
        names = by_kind[kind]
        assert names.most_common(1)[0][0] == kind, names.most_common(3)
        assert len(names) >= 10, (kind, names)


def test_names_and_models_are_written_in_many_ways(hubei):
    names = Counter(r.name for r in hubei)
    models = {r.model for r in hubei if r.model}
    assert len(names) >= 1000 and len(models) >= 800
    # Zipf: a handful of spellings per kind carry most records, the long tail is rare
    assert sum(n for _, n in names.most_common(len(names) // 10)) >= 0.4 * len(hubei)
    assert sum(n == 1 for n in names.values()) >= 0.5 * len(names)
    text = " ".join(names)
    for sign in ("（", "(", "HPLC", "系统", "Agilent"):
        assert sign in text, sign
    assert any(name.isascii() for name in names)  # English-only names
    printed = {base for r in hubei for _, base in r.kind.models}
    assert any(r.model not in printed and r.model.replace("-", " ") in printed for r in hubei)  # 1260-Infinity
    assert any(r.model not in printed and r.model.upper() == r.model for r in hubei)  # LC-20AT, 1260 INFINITY


def test_kinds_cover_every_medium_code_of_the_classification():
    codes = {code for code, level in vocabulary.classification_codes().items() if level == "2"}
    assert {k.code for k in vocabulary.kinds()} == codes


@pytest.mark.parametrize("code", ["370000", "420000", "630000"])
def test_fields_are_given_at_the_network_rate(code):
    recs = records(code, scale=1.0 if code != "630000" else 3.0)
    rates = fill_rates(code)
    observed = {
        "model": sum(bool(r.model) for r in recs),
        "fee": sum(bool(r.fee) for r in recs),
        "contact": sum(bool(r.phone) for r in recs),
        "booking": sum(r.booking for r in recs),
        "specs": sum(bool(r.specs) for r in recs),
        "value": sum(r.value_given for r in recs),
        "date": sum(r.date_given for r in recs),
    }
    for field, n in observed.items():
        expected = getattr(rates, field)
        assert abs(n / len(recs) - expected) <= 0.05, (field, n / len(recs), expected)
    missing = sum(r.category is None for r in recs) / len(recs)
    wrong = sum(bool(r.category) and r.category.endswith("0000") for r in recs) / len(recs)
    assert abs(missing - rates.category_missing) <= 0.03 and abs(wrong - rates.category_wrong_level) <= 0.03


def test_a_slipped_value_is_the_right_number_in_the_wrong_unit():
    recs = records("640000", scale=5.0)  # the sparsest tier: about 1 % slipped
    slipped = [r for r in recs if r.value_slip]
    assert slipped and all(r.value_given for r in slipped)
    for r in slipped:
        assert r.written_value("wanyuan") == r.value_yuan and r.written_value("yuan") == r.value_yuan / 10000
    right = next(r for r in recs if r.value_given and not r.value_slip)
    assert right.written_value("wanyuan") == right.value_yuan / 10000
    absent = next(r for r in recs if not r.value_given)
    assert absent.written_value("yuan") is None


def test_sparse_networks_are_sparser_than_complete_ones():
    order = ["A", "B", "C", "D", "E"]
    table = fill_table()
    for field in ("fee", "booking", "specs", "contact", "date"):
        by_tier = {t: [getattr(r, field) for r in table.values() if r.tier == t] for t in order}
        means = [sum(v) / len(v) for v in by_tier.values()]
        assert means == sorted(means, reverse=True), field


@pytest.fixture
def vocab_copy(tmp_path, monkeypatch):
    target = tmp_path / "vocab"
    shutil.copytree(vocabulary.VOCAB, target)
    monkeypatch.setattr(vocabulary, "VOCAB", target)
    for fn in (vocabulary.kinds, vocabulary.makers, vocabulary.spelling):
        fn.cache_clear()
    yield target
    for fn in (vocabulary.kinds, vocabulary.makers, vocabulary.spelling):
        fn.cache_clear()


@pytest.mark.parametrize(
    "file, old, new, key, says",
    [
        pytest.param("kinds.yaml", 'code: "010500"', 'code: "010000"', "kinds[0].code", "中类 code", id="a 大类 code"),
        pytest.param("kinds.yaml", "band: [150000, 900000]", "band: [900000, 150000]", "kinds[0].band", "low < high", id="band reversed"),
        pytest.param(
            "kinds.yaml", '[agilent, "1260 Infinity"]', '[agilant, "1260 Infinity"]', "kinds[0].models[0]", "unknown maker", id="maker typo"
        ),
        pytest.param("spelling.yaml", "typo_share: 0.006", "typo_share: 6", "name.typo_share", "between 0 and 1", id="share as percent"),
        pytest.param("makers.yaml", "agilent: [", 'agilent: ["", ', "agilent", "expected", id="five columns"),
        pytest.param(
            "spelling.yaml", '- "{name}{note}"', '- "{name}{nots}"', "name.forms[2]", "unknown placeholder", id="placeholder typo"
        ),
    ],
)
def test_a_bad_vocabulary_fails_at_load_naming_file_and_key(vocab_copy, file, old, new, key, says):
    path = vocab_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        vocabulary.kinds()
        vocabulary.spelling()
    assert exc.value.source.endswith(file) and exc.value.key == key and says in exc.value.problem


def test_a_bad_fill_rate_fails_at_load_naming_the_cell(tmp_path):
    text = fill_module.TABLE.read_text(encoding="utf-8")
    bad = tmp_path / "fill_rates.csv"
    bad.write_text(text.replace("630000,E,0.55", "630000,E,55"), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        fill_table(bad)
    assert exc.value.key == "630000.model" and "between 0 and 1" in exc.value.problem
    bad.write_text("\n".join(line for line in text.splitlines() if not line.startswith("640000")), encoding="utf-8")
    with pytest.raises(ConfigError, match="no fill rates for networks"):
        fill_table(bad)
