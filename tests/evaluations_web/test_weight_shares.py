"""The weights a page shows are the weights the index applied.

Reproduced with networks-2013.yaml whose dimension weights were 0.35, 0.25, 0.3, 0.3 (they sum to
1.2): the index divides by the sum, so performance counted for 29.2 % — but the method table of
the page and of report.html said "0.35", and nothing on either said the weights had been rescaled.
"""

from __future__ import annotations

import pytest

from tests.evaluations_web.conftest import PROVINCES
from tests.evaluations_web.test_pages import page, text


@pytest.fixture
def published(frameworks, created):
    # mechanism 0.6 and experience 0.6: each counts for half of the index
    (frameworks / "heavy.yaml").write_text(PROVINCES.replace("weight: 0.4,", "weight: 0.6,"), encoding="utf-8")
    return created({"framework": "heavy", "runs": 0, "seed": 3, "publish": True})["id"]


@pytest.mark.parametrize("lang, header", [("zh", "占上级的比重"), ("en", "Share of its parent")])
def test_the_weights_table_shows_each_dimensions_share_of_the_index(client, published, lang, header):
    _, doc = page(client, f"/evaluations/{published}", lang=lang)
    assert [text(th) for th in doc.xpath('//*[@id="weights"]/thead/tr/th')][1:3] == [
        {"zh": "权重", "en": "Weight"}[lang],
        header,
    ]
    rows = [[text(c) for c in tr.xpath("th|td")][1:3] for tr in doc.xpath('//*[@id="weights"]/tbody/tr')]
    assert rows == [["0.60", "50.0 %"], ["0.60", "50.0 %"]]


def test_report_html_shows_the_share_within_the_parent(client, published):
    from hub.evaluation.html import to_html_bytes

    report = client.get(f"/api/v1/evaluations/{published}").get_json()
    html = to_html_bytes(report, "en").decode("utf-8")
    assert "<th>Share of its parent</th>" in html
    assert "<td>0.60</td><td>50.0 %</td>" in html
