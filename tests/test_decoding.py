"""`hub.decoding.decode`, which every harvest and every push uses: a byte-order mark followed by bytes
it does not allow is a `DecodingError` saying where, never an escaping UnicodeDecodeError (a 500)."""

import pytest

from hub.decoding import DecodingError, decode, utf8_inside_gb18030
from tests.hostile.corpus import BOM_THEN_GARBAGE


@pytest.mark.parametrize("name", sorted(BOM_THEN_GARBAGE))
def test_a_bom_followed_by_invalid_bytes_is_a_decoding_error_naming_the_byte(name):
    data = BOM_THEN_GARBAGE[name]
    with pytest.raises(DecodingError) as exc:
        decode(data)
    assert "byte-order mark" in str(exc.value) and f"byte {exc.value.position}" in str(exc.value)
    assert 2 <= exc.value.position < len(data)


@pytest.mark.parametrize(
    "data, text, encoding",
    [
        pytest.param(b"\xef\xbb\xbf\xe4\xbb\xaa\xe5\x99\xa8", "仪器", "utf-8", id="UTF-8 BOM"),
        pytest.param("\ufeff仪器".encode("utf-16-le"), "仪器", "utf-16-le", id="UTF-16 LE BOM"),
        pytest.param("仪器".encode("gb18030"), "仪器", "gb18030", id="no BOM, GB18030"),
    ],
)
def test_good_bytes_still_decode(data, text, encoding):
    assert decode(data) == (text, encoding)


@pytest.mark.parametrize(
    "read_as_gb18030, expected",
    [
        ("物理性能测试仪器 / 声学振动仪器".encode().decode("gb18030"), "物理性能测试仪器 / 声学振动仪器"),
        ("状态", None),  # GBK D7B4 CCAC is valid UTF-8 too (U+05F4 U+032C): not catalogue text
        ("气相色谱质谱联用仪", None),
        ("SU8010", None),
    ],
    ids=["utf-8 bytes in a gbk page", "gbk that is utf-8 by chance", "gbk", "ascii"],
)
def test_utf8_inside_gb18030(read_as_gb18030, expected):
    assert utf8_inside_gb18030(read_as_gb18030) == expected
