"""The audit's flags as sentences say what the correlation shows, and no more.

Reproduced on `hub demo` (/evaluations/1): "强制入网 … correlates weakly with Overall (r = 0.17): the
indicator hardly moves what it belongs to." — but it belongs to 机制建设 Mechanism, with which it
correlates at r = 0.62; the flag was about the index. And a dimension was called "the indicator".
"""

from __future__ import annotations

import pytest

from hub.evaluation import wording
from hub.web.ui.i18n import translate

NAMES = {"mandatory": "Mandatory joining", "overall": "Overall", "environment": "Network environment"}


@pytest.mark.parametrize(
    "lang, flag, sentence",
    [
        pytest.param(
            "en",
            {"kind": "weak", "nodes": ["mandatory", "overall"], "r": 0.17},
            "Mandatory joining correlates weakly with Overall (r = 0.17): it hardly moves Overall.",
            id="weak with the index, in English",
        ),
        pytest.param(
            "en",
            {"kind": "negative", "nodes": ["environment", "overall"], "r": -0.14},
            "Network environment correlates negatively with Overall (r = -0.14): it pulls Overall the other way.",
            id="a dimension against the index, in English",
        ),
        pytest.param(
            "zh",
            {"kind": "weak", "nodes": ["mandatory", "overall"], "r": 0.17},
            "Mandatory joining 与 Overall 相关较弱（r = 0.17）：它对 Overall 几乎没有影响。",
            id="weak with the index, in Chinese",
        ),
        pytest.param(
            "zh",
            {"kind": "negative", "nodes": ["environment", "overall"], "r": -0.14},
            "Network environment 与 Overall 负相关（r = -0.14）：它使 Overall 向相反方向变动。",
            id="a dimension against the index, in Chinese",
        ),
    ],
)
def test_a_flag_names_what_it_was_measured_against(lang, flag, sentence):
    def _(key, **values):
        return translate(lang, key, **values)

    assert wording.flag_sentence(flag, NAMES, _) == sentence
