"""Money typed into the value filter: 万元 by default, units understood, a yuan figure recognised."""

import pytest

from hub.web.ui.amounts import AmountError, to_yuan


@pytest.mark.parametrize(
    "typed, yuan",
    [
        pytest.param("50", "500000.00", id="bare number is 万元"),
        pytest.param("50万", "500000.00", id="万"),
        pytest.param("80万元", "800000.00", id="万元"),
        pytest.param("0.5亿", "50000000.00", id="亿"),
        pytest.param("500,000", "500000.00", id="a yuan figure with commas"),
        pytest.param("１２０万", "1200000.00", id="full-width digits"),
        pytest.param("4999999.99", "4999999.99", id="a facet band's bound is yuan"),
        pytest.param("0.5m", "500000.00", id="English m"),
    ],
)
def test_amounts(typed, yuan):
    assert str(to_yuan(typed)) == yuan


@pytest.mark.parametrize(
    "typed",
    [
        "lots",
        "50万美元",
        "",
        "1.2.3",
        "-5",
        # more digits than decimal arithmetic carries (28): rounding to fen failed with a 500
        pytest.param("9" * 35, id="35 digits"),
        pytest.param("9" * 30 + "亿", id="30 digits of 亿"),
        # the API's grammar of a number (hub/search/numbers.py), under the unit
        pytest.param("1e-400", id="exponent"),
        pytest.param("1_000万", id="underscore"),
        pytest.param("١٠٠万", id="Arabic-Indic digits"),
    ],
)
def test_not_amounts(typed):
    with pytest.raises(AmountError):
        to_yuan(typed)
