"""docs/evaluation.md "API and pages" names every route and every POST field."""

from __future__ import annotations

import re

import pytest

from hub import PROJECT_ROOT
from hub.web.api.evaluation_schemas import EvaluationIn

DOC = (PROJECT_ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8").split("## API and pages", 1)[-1]


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("evaluations.", "evaluation_pages.")) and "/charts/" not in rule.rule:
            path = re.sub(r"<(?:\w+:)?(\w+)>", "{id}", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield f"{method} {path}"


def test_every_route_is_documented(app):
    found = list(routes(app))
    assert len(found) == 11  # … the panel and the audit of an evaluation (issue 16), a queued request's state (issue 17)
    for route in found:
        assert f"`{route}`" in DOC, route


@pytest.mark.parametrize("field", sorted(EvaluationIn().fields))
def test_every_post_field_is_documented(field):
    assert f"| `{field}` |" in DOC
