"""What a query word that reads as a model number also asks for (hub.search.model_numbers)."""

import pytest

from hub.search.model_numbers import capitalised_parts, family, model_parts, part, written_together
from hub.search.tokenize import index_tokens


@pytest.mark.parametrize(
    "token, expected",
    [
        pytest.param("7890", "7890*", id="a number of four digits"),
        pytest.param("su80", "su80*", id="letters and digits"),
        pytest.param("e5071", "e5071*", id="a letter and digits"),
        pytest.param("7890a5975c", "7890a5975c*", id="a compound, joined"),
        pytest.param("500", None, id="three digits alone: 500 mL, 500 MHz"),
        pytest.param("k3", None, id="two characters"),
        pytest.param("agilent", None, id="no digit: a word, not a model"),
        pytest.param("色谱", None, id="CJK"),
    ],
)
def test_family(token, expected):
    assert family(token) == expected


@pytest.mark.parametrize(
    "q, at, expected",
    [
        pytest.param("SU 8010", 0, ["SU8010"], id="letters, then the number: first half"),
        pytest.param("SU 8010", 1, ["SU8010"], id="letters, then the number: second half"),
        pytest.param("Q Exactive", 1, ["QExactive"], id="a single letter before a word"),
        pytest.param("Thermo Q Exactive", 1, ["QExactive"], id="maker, then a spaced model"),
        pytest.param("Agilent 7890", 1, ["Agilent7890"], id="maker and family: harmless"),
        pytest.param("mass spectrometer", 0, [], id="two words"),
        pytest.param("7890 GC", 0, [], id="number first"),
        pytest.param("X 射线", 0, [], id="a letter before CJK"),
    ],
)
def test_written_together(q, at, expected):
    assert written_together(q.split(), at) == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        pytest.param("QExactive", "Q Exactive", id="a capital letter before a word"),
        pytest.param("SmartLab", "Smart Lab", id="two words"),
        pytest.param("LabRAM", "Lab RAM", id="a word and an abbreviation"),
        pytest.param("HPLC", None, id="an abbreviation"),
        pytest.param("Agilent", None, id="a capital at the start only"),
        pytest.param("SU8010", None, id="digits split no word"),
        pytest.param("mRNA", None, id="a term, not a name"),
        pytest.param("pH", None, id="a unit"),
    ],
)
def test_capitalised_parts(word, expected):
    assert capitalised_parts(word) == expected


@pytest.mark.parametrize(
    "model, expected",
    [
        pytest.param("e2695", ["§m2695"], id="a letter, then the number"),
        pytest.param("SU8010", ["§m8010"], id="letters too short, the number kept"),
        pytest.param("5977B", ["§m5977"], id="the number, then a letter"),
        pytest.param("CFX96", ["§mcfx"], id="letters kept, two digits too short"),
        pytest.param("Autolab PGSTAT302N", ["§mpgstat"], id="a word, then letters and digits"),
        pytest.param("7890A-5975C", ["§m7890", "§m5975"], id="a compound: each number once"),
        pytest.param("SU-8010", [], id="the number already a token of its own"),
        pytest.param("AA-7000", [], id="the number already a token of its own, after letters"),
        pytest.param("L-100XP", [], id="three digits and two letters: too short"),
        pytest.param("Spectrum 100", [], id="words and numbers apart: nothing inside"),
        pytest.param("QExactive", ["§mexactive"], id="letters alone: the parts its capitals mark"),
        pytest.param("Q Exactive", [], id="the part already a token of its own"),
        pytest.param("TripleTOF 5600", ["§mtriple", "§mtof"], id="a word of capitals after one"),
        pytest.param("SmartLab SE", ["§msmart", "§mlab"], id="two capitalised words as one"),
        pytest.param("pH meter", [], id="a unit's capital marks no part"),
        pytest.param("扫描电镜SU8010", ["§m8010"], id="after CJK"),
    ],
)
def test_model_parts(model, expected):
    assert model_parts(list(index_tokens(model)), [model]) == expected


@pytest.mark.parametrize(
    "token, expected",
    [
        pytest.param("2695", "§m2695", id="four digits"),
        pytest.param("cfx", "§mcfx", id="three letters"),
        pytest.param("100", None, id="three digits: 100 mL"),
        pytest.param("su", None, id="two letters"),
        pytest.param("e2695", None, id="a model: asked whole, and as a family"),
        pytest.param("色谱", None, id="CJK"),
    ],
)
def test_part(token, expected):
    assert part(token) == expected
