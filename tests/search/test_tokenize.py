import pytest

from hub.search.parse import parse_query
from hub.search.synonyms import Synonyms, default_synonyms
from hub.search.tokenize import index_tokens, query_terms


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("液相色谱", ["液相", "相色", "色谱", "液", "相", "色", "谱"], id="CJK bigrams plus unigrams"),
        pytest.param("镜", ["镜"], id="single CJK character"),
        pytest.param("SU8010", ["su8010"], id="model number lower-cased"),
        pytest.param("7890A-5975C", ["7890a", "5975c", "7890a5975c"], id="hyphenated model: parts and joined"),
        pytest.param("ＳＵ８０１０", ["su8010"], id="full-width folded by NFKC"),
        pytest.param("D8 ADVANCE", ["d8", "advance"], id="short model"),
        pytest.param("X射线", ["x", "射线", "射", "线"], id="Latin then CJK run"),
        pytest.param("Café\x00\x07", ["cafe"], id="accents folded, control characters dropped"),
        pytest.param("", [], id="empty"),
        pytest.param(None, [], id="null"),
    ],
)
def test_index_tokens(text, expected):
    tokens = index_tokens(text)
    assert set(tokens) == set(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("液相色谱", [["液相", "相色", "色谱"]], id="bigrams only at query time"),
        pytest.param("GC/MS", [["gcms"]], id="compound queried joined"),
        pytest.param('"* NEAR( AND -', [["near"], ["and"]], id="FTS syntax is just words"),
    ],
)
def test_query_terms(text, expected):
    assert [t for w in text.split() for t in query_terms(w)] == expected


@pytest.mark.parametrize(
    "q, must_contain",
    [
        pytest.param("电镜", ("电子", "子显", "显微", "微镜"), id="电镜 → 电子显微镜"),
        pytest.param("HPLC", ("高效", "效液", "液相", "相色", "色谱"), id="HPLC → 高效液相色谱"),
        pytest.param("hplc", ("高效", "效液", "液相", "相色", "色谱"), id="case folded"),
        pytest.param("核磁", ("核磁", "磁共", "共振"), id="核磁 → 核磁共振"),
        pytest.param("GC-MS", ("气相", "相色", "色谱", "质谱", "联用"), id="GC-MS → 气相色谱质谱联用"),
        pytest.param("扫描电镜", ("扫描", "描电", "电子", "子显", "显微", "微镜"), id="key inside a word"),
    ],
)
def test_synonyms_expand_at_query_time(q, must_contain):
    (clause,) = parse_query(q, default_synonyms())
    assert any(set(must_contain) <= set(alt) for alt in clause.alternatives)
    assert clause.alternatives[0]  # the word itself stays the first alternative


@pytest.mark.parametrize(
    "q, must_contain",
    [
        pytest.param("electron microscope", ("电子", "子显", "显微", "微镜"), id="a phrase → its Chinese name"),
        pytest.param("Electron Microscopy", ("电子", "子显", "显微", "微镜"), id="in another word form and case"),
        pytest.param("scanning electron microscopes", ("扫描", "描电", "电子", "显微", "微镜"), id="the longest phrase"),
        pytest.param("centrifuges", ("离心", "心机"), id="a word in another number"),
    ],
)
def test_english_finds_the_chinese_name(q, must_contain):
    (clause,) = parse_query(q, default_synonyms())
    assert any(set(must_contain) <= set(alt) for alt in clause.alternatives)
    assert clause.alternatives[0] == tuple(q.lower().split())  # an English name still matches itself first


def test_a_phrase_is_one_clause_beside_the_other_words():
    clauses = parse_query("Hitachi scanning electron microscope SU8010", default_synonyms())
    assert [c.word for c in clauses] == ["Hitachi", "scanning electron microscope", "SU8010"]
    # its words are searched as themselves, not each through its own synonyms ("microscope" alone → 显微镜)
    assert "scanning electron 显微镜" not in clauses[1].variants
    assert "扫描电子显微镜" in clauses[1].variants


def test_a_category_name_as_long_as_a_phrase_is_the_category():
    synonyms = Synonyms({"mass spectrometers": ["质谱仪"]})
    (clause,) = parse_query("Mass spectrometers", synonyms)
    assert any(a[0].startswith("§c") for a in clause.alternatives)  # the category 010200's tag


def test_a_phrase_key_of_too_many_words_is_refused():
    from hub.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        Synonyms({"one two three four five six seven": ["七"]}, "synonyms.yaml")
    assert "one two three" in str(info.value)


def test_long_form_is_not_expanded_again():
    (clause,) = parse_query("液相色谱", default_synonyms())
    assert clause.alternatives == (("液相", "相色", "色谱"),)


def test_an_alternative_holding_another_is_not_asked_of_the_index():
    (clause,) = parse_query("HPLC", default_synonyms())
    essential = {frozenset(a) for a in clause.essential}
    assert frozenset(("液相", "相色", "色谱")) in essential
    # 高效液相色谱 matches only where 液相色谱 does: asking for both cost the index twice the work
    assert not any({"高效", "液相", "相色", "色谱"} <= a for a in essential)
    # every alternative is still matched by one the index is asked for
    assert all(any(e <= set(a) for e in essential) for a in clause.alternatives)


def test_bad_synonym_file_names_file_and_key(tmp_path):
    from hub.errors import ConfigError

    path = tmp_path / "synonyms.yaml"
    path.write_text("synonyms:\n  电镜: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Synonyms.load(path)
    assert "synonyms.yaml" in str(info.value) and "电镜" in str(info.value)


def test_hostile_query_is_bounded():
    clauses = parse_query(" ".join(["词"] * 500) + " " + "长" * 10_000, default_synonyms())
    assert len(clauses) <= 12
    assert all(len(alt) <= 24 for c in clauses for alt in c.alternatives)
