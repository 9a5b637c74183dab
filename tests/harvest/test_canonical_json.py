"""The canonical payload text: hashed to recognise unchanged records, kept for `hub remap`."""

import json

import pytest

from hub.harvest.writer import canonical_json

PAYLOADS = [
    pytest.param(
        {"仪器名称": "气相色谱质谱联用仪", "原值": "68.5万元", "b": [1, 2.5, 685000.0, -3, True, None], "a": {"z": 1, "y": {}}},
        id="typical",
    ),
    pytest.param({"s": 'quote " backslash \\ newline \n tab \t bell \x07 del \x7f line-sep \u2028 emoji 😀'}, id="escapes"),
    pytest.param({"big": 2**70, "n": 1}, id="integer beyond 64 bits"),
    pytest.param({"v": 123456789.125, "w": 1e16}, id="floats"),
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_text_is_what_the_standard_library_writes(payload):
    # Stores written before orjson hashed json.dumps' text: the same text means no spurious "updated".
    assert canonical_json(payload) == json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_a_lone_surrogate_is_written_as_an_escape_that_reads_back_the_same():
    payload = {"名称": "bad \ud800 text"}
    text = canonical_json(payload)
    text.encode("utf-8")  # storable
    assert json.loads(text) == payload
