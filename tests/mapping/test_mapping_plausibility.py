"""A value typed in the wrong unit is valid to the schema but no real instrument's: the mapping
drops it with a warning naming the province's field, and keeps the instrument."""

from decimal import Decimal

import pytest

from connectors.base import RawRecord
from hub.config import mappings_dir
from hub.mapping import Mapping
from hub.mapping.plausibility import original_value_in_range
from tests.mapping.test_mapping_records import SDYQ


def sdyq(**changes):
    return RawRecord(source_id=SDYQ["YQBH"], payload={**SDYQ, **changes})


@pytest.mark.parametrize(
    "yz, kept",
    [
        pytest.param("45.80", Decimal("458000.00"), id="万元 as the field says"),
        pytest.param("1", Decimal("10000.00"), id="1 万元: the lowest plausible value"),
        pytest.param("50000", Decimal("500000000.00"), id="5 亿: the highest plausible value"),
        pytest.param("458000", None, id="yuan typed in the 万元 field"),
        pytest.param("0.5", None, id="5,000 yuan: not a large instrument"),
    ],
)
def test_a_value_off_by_ten_thousand_is_dropped_with_a_warning(yz, kept):
    result = Mapping.load(mappings_dir() / "370000.yaml").map_record(sdyq(YZ=yz))
    assert result.record["original_value"] == kept
    assert result.record["name"] == SDYQ["YQMC"]  # the instrument itself is kept
    if kept is None:
        [(field, message)] = result.warnings
        assert field == "YZ" and "implausible" in message and "dropped" in message
    else:
        assert result.warnings == []


@pytest.mark.parametrize(
    "value, says",
    [
        pytest.param(Decimal("9999.99"), "万元 entered where yuan", id="too small"),
        pytest.param(Decimal("500000000.01"), "yuan entered where 万元", id="too large"),
        pytest.param(Decimal("100000"), None, id="100,000 yuan"),
    ],
)
def test_the_check_names_the_likely_slip(value, says):
    message = original_value_in_range(value)
    assert (message is None) if says is None else says in message
