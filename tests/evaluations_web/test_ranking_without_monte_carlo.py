"""A ranking published without its uncertainty analysis (`runs: 0`) still has its page.

Reproduced on `hub serve`: POST /api/v1/evaluations {"framework": "networks-2013", "runs": 0,
"publish": true} succeeded, and /evaluations/{id} answered 500 in both languages
(UndefinedError: 'dict object' has no attribute 'median_rank').
"""

from __future__ import annotations

import pytest

from tests.evaluations_web.test_pages import page, text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_shows_the_ranking_with_no_rank_interval(client, created, lang):
    eid = created({"framework": "provinces", "runs": 0, "seed": 1, "publish": True})["id"]
    _, doc = page(client, f"/evaluations/{eid}", lang=lang)
    first = [text(c) for c in doc.xpath('//*[@id="ranking"]/tbody/tr[1]/*')]
    assert first[0] == "1" and first[3:5] == ["–", "–"]  # median rank and 5–95 % interval: none computed
