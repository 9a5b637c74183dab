"""Issue 16 on the web: the ranking page speaks the reader's language (methods as sentences, headings
and axes translated, numbers for people), shows the movement between periods, the audit and the
sentence per unit; the API answers the panel and the audit."""

from __future__ import annotations

import re

import pytest

from tests.evaluation.evaluation_factories import populate
from tests.evaluation.test_periods import add_2011
from tests.evaluations_web.test_pages import page, text


@pytest.fixture
def two_periods(store, created):
    """The built-in framework over a store with 2011 and 2012 statistics, published with its panel."""
    populate(store)
    add_2011(store)
    body = created({"framework": "networks-2013", "periods": [2011, 2012], "runs": 40, "seed": 4, "publish": True})
    assert body["panel"]["periods"] == [2011, 2012]
    return body["id"]


def test_api_answers_the_panel_and_the_audit(client, two_periods):
    panel = client.get(f"/api/v1/evaluations/{two_periods}/panel").get_json()
    units = {u["id"]: u for u in panel["units"]}
    assert units["370000"]["rank_change"] == 1 and [s["period"] for s in units["370000"]["series"]] == [2011, 2012]
    audit = client.get(f"/api/v1/evaluations/{two_periods}/audit").get_json()
    assert audit["units"] == 3 and {"performance", "mechanism", "experience", "environment"} <= set(audit["dimensions"])


def test_english_page_has_sentences_movement_and_audit(client, two_periods):
    r, doc = page(client, f"/evaluations/{two_periods}", lang="en")
    html = r.get_data(as_text=True)
    # no Python on the page: no dicts, no numpy reprs, no raw Sobol estimates below zero
    assert "{'method'" not in html and "np.float64" not in html and "nan" not in text(doc).lower().split()
    weights = text(doc.xpath('//*[@id="weights"]')[0])
    assert "weighted arithmetic mean (full compensation)" in weights
    assert "min-max rescaled onto 0–100" in text(doc.xpath('//*[@id="method-sentences"]')[0])
    sobol = text(doc.xpath('//*[@id="sobol"]')[0])
    assert "Weights" in sobol and "each weight varied at random within ±25 %" in sobol
    assert not re.search(r"(?<![\d.])-\d", sobol)  # a negative index shows as ≈ 0, never −0.002
    # movement and the small time series, per unit
    rows = {tr.get("id"): tr for tr in doc.xpath('//*[@id="ranking"]/tbody/tr')}
    sd = rows["rank-370000"]
    assert "+1" in [text(td) for td in sd.xpath("td")]
    # the note says which indicators the two years differ in, by name
    note = text(doc.xpath('//*[@id="movement-note"]')[0])
    assert re.search(r"Only these indicators differ between the two years: .+; the other \d+ have the same values in both\.", note), note
    # networks by their English names on an English page, as every other page names them
    assert text(sd.xpath('.//th[@class="unit-name"]/a')[0]) == "Shandong instrument-sharing network"
    assert sd.xpath('.//svg[@class="spark"]/title')[0].text == "Ranks of Shandong instrument-sharing network by period: 2011: 2, 2012: 1"
    # the sentence per unit, from its own numbers
    words = text(sd.xpath('.//td[@class="in-words"]')[0])
    assert re.fullmatch(
        r"Ranks 1st; between \d+(st|nd|rd|th) and \d+(st|nd|rd|th) in 90 % of the alternatives\.|Ranks 1st, and keeps that rank in "
        r"at least 90 % of the alternatives\.",
        words,
    ), words
    # the audit: correlations, alpha, flags as sentences
    assert doc.xpath('//*[@id="audit-indicators"]/tbody/tr') and doc.xpath('//*[@id="audit-dimensions"]/tbody/tr')
    assert "Statistical audit" in text(doc)


def test_chinese_page_and_chart_axes_follow_the_language(client, two_periods):
    _, doc = page(client, f"/evaluations/{two_periods}")
    headings = [text(th) for th in doc.xpath('//*[@id="ranking"]/thead/tr/th')]
    assert {"排名变动", "得分变动", "历年排名", "不确定性说明"} <= set(headings)
    assert "统计审核" in text(doc)
    assert "不同的标准化方法使总指数处于不同的量纲" in text(
        doc.xpath('//*[@id="scores-not-summarised"]')[0]
    ) and "加权算术平均（完全补偿）" in text(doc.xpath('//*[@id="weights"]')[0])
    src = doc.xpath('//img[@id="score-chart"]')[0].get("src")
    zh = client.get(src).get_data(as_text=True)
    en = client.get(src.replace("lang=zh", "lang=en")).get_data(as_text=True)
    assert "综合得分" in zh and "排名（1 为最好）" in zh
    assert "index score" in en and "rank (1 = best)" in en and "综合得分" not in en
