"""Each reason a record is refused or warned for is registered once (hub/reasons.py) and read back from
its stored English, so that a page says it in the reader's language (hub.web.ui.formatting.reason)."""

from __future__ import annotations

import re
import string

import pytest

from hub import reasons
from hub.mapping import transforms
from hub.errors import TransformError
from hub.web import catalogues
from hub.web.ui.formatting import reason as said


def _sample(english: str) -> dict:
    names = [name for _, name, _, _ in string.Formatter().parse(english) if name]
    return {name: "list" if name == "type" else f"«{name} 1,2 (x)»" for name in names}


@pytest.mark.parametrize("code", sorted(reasons.REASONS))
def test_a_reasons_english_is_read_back_with_its_values(code):
    registered = reasons.REASONS[code]
    values = _sample(registered.english)
    found, read = reasons.read(registered(**values))
    assert found is registered
    assert read == values


@pytest.mark.parametrize("code", sorted(reasons.REASONS))
def test_the_english_catalogue_says_what_is_stored(code):
    """The English page shows the stored text; the catalogue's English must not say otherwise."""
    english = reasons.REASONS[code].english
    entry = catalogues.read("en")[code].string
    assert entry == re.sub(r"\{(\w+)(?::[^}]*)?\}", r"%(\1)s", english.replace("%", "%%"))


def test_a_longer_reason_wins_over_a_general_one():
    """ "expected {what}, got {value}" would also read a negative value's or a region's sentence."""
    found, values = reasons.read(reasons.NEGATIVE(what=reasons.WHAT_NUMBER(), value="'-3'"))
    assert found is reasons.NEGATIVE
    assert values["what"][0] is reasons.WHAT_NUMBER  # read again: a sentence of its own


@pytest.mark.parametrize(
    "call, chinese",
    [
        pytest.param(lambda: transforms.money("abc"), "应为金额，如 68.5万元 或 685000元，收到的是 'abc'", id="money"),
        pytest.param(lambda: transforms.category("99"), "分类代码 '99' 不在国家分类表中", id="category"),
        pytest.param(
            lambda: transforms.credit_code("91370000MA3C5XXXX1"),
            "统一社会信用代码 '91370000MA3C5XXXX1' 无效：校验位不正确。",
            id="credit code, with python-stdnum's own words",
        ),
        pytest.param(lambda: transforms.number("x"), "应为非负数，收到的 'x' 无法识别", id="the kind of value expected"),
    ],
)
def test_a_transforms_reason_in_chinese(call, chinese):
    with pytest.raises(TransformError) as info:
        call()
    assert said(str(info.value), "zh") == chinese
    assert said(str(info.value), "en") == str(info.value)


def test_a_message_no_reason_says_is_shown_as_stored():
    assert said("the province's server said 'no'", "zh") == "the province's server said 'no'"
    assert said(None, "zh") == ""


def test_a_common_fields_name_is_said_as_the_instrument_page_labels_it():
    """ "缺少必填值（统一字段 owner.name）" showed the hub's internal name to a province's steward."""
    assert said("missing required value (common field owner.name)", "zh") == "缺少必填值（统一字段 所属单位）"
    # the province's own column names stay as the province wrote them
    assert "仪器编号" in said("the record id (仪器编号) is missing; the record cannot be stored or reported by id", "zh")
