"""Every method, metric, transform and command option of the evaluation is in docs/evaluation.md."""

from __future__ import annotations

import re

import pytest

from hub import PROJECT_ROOT
from hub.evaluation.aggregate import AGGREGATIONS
from hub.evaluation.impute import IMPUTATIONS
from hub.evaluation.metrics import METRICS
from hub.evaluation.normalise import NORMALISATIONS
from hub.evaluation.outliers import OUTLIERS
from hub.evaluation.transforms import TRANSFORMS

DOC = (PROJECT_ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
NAMES = [(reg.kind, name) for reg in (NORMALISATIONS, AGGREGATIONS, IMPUTATIONS, OUTLIERS, TRANSFORMS, METRICS) for name in reg]


@pytest.mark.parametrize("kind, name", NAMES, ids=[f"{k}:{n}" for k, n in NAMES])
def test_registered_name_is_documented(kind, name):
    assert f"| `{name}` |" in DOC, f"{kind} {name} missing from docs/evaluation.md"


def test_command_options_are_documented():
    source = (PROJECT_ROOT / "hub" / "cli" / "evaluate_cmd.py").read_text(encoding="utf-8")
    options = set(re.findall(r'"(--[a-z-]+)"', source))
    assert options and all(f"`{o}`" in DOC for o in options), options
