"""The framework's own words (title, description, dimension and indicator names, rationales) on the
ranking page, in the reader's language.

Reproduced on `hub demo`: the Chinese page of the built-in ranking showed the framework's
description and every rationale in English and every dimension and indicator as "绩效 Performance",
because a framework could give each text only once. A framework now gives a text per language; a
text the evaluator wrote in one language only is shown to the other reader marked as such.
"""

from __future__ import annotations

import pytest

from tests.evaluations_web.conftest import PROVINCES
from tests.evaluations_web.test_pages import page, text

#: The test framework with its texts per language, except one rationale written only in English.
PER_LANGUAGE = (
    PROVINCES.replace(
        "title: 省级网络机制与用户体验 (test framework)",
        "title: {zh: 省级网络机制与用户体验, en: Mechanism and user experience of the provincial networks}\n"
        "description: {zh: 两个维度的测试指标体系。, en: A test framework of two dimensions.}",
    )
    .replace("name: 综合 Overall", "name: {zh: 综合, en: Overall}")
    .replace("name: 机制建设 Mechanism", "name: {zh: 机制建设, en: Mechanism}")
    .replace("rationale: Policies and money come first.", "rationale: {en: Policies and money come first.}")
    .replace("name: 用户体验 Experience", "name: {zh: 用户体验, en: Experience}")
    .replace("name: 政策 Policies", "name: {zh: 政策, en: Policies}")
    .replace("name: 奖补 Incentive funds", "name: {zh: 奖补, en: Incentive funds}")
    .replace("name: 创新券 Voucher", "name: {zh: 创新券, en: Voucher}")
    .replace("name: 满意度 Survey", "name: {zh: 满意度, en: Survey}")
)


@pytest.fixture
def published(frameworks, created):
    (frameworks / "bilingual.yaml").write_text(PER_LANGUAGE, encoding="utf-8")
    return created({"framework": "bilingual", "runs": 30, "seed": 3, "publish": True})["id"]


def _dimension_rows(doc) -> dict[str, list[str]]:
    return {text(tr.xpath("th")[0]): [text(td) for td in tr.xpath("td")] for tr in doc.xpath('//*[@id="weights"]/tbody/tr')}


def test_chinese_page_shows_the_chinese_texts_and_marks_an_english_one(client, published):
    _, doc = page(client, f"/evaluations/{published}", lang="zh")
    assert text(doc.xpath("//h1")[0]) == "省级网络机制与用户体验"
    assert text(doc.xpath('//*[@id="framework-description"]')[0]) == "两个维度的测试指标体系。"
    headings = [text(th) for th in doc.xpath('//*[@id="ranking"]/thead/tr/th')]
    assert {"机制建设", "用户体验"} <= set(headings) and "Mechanism" not in " ".join(headings)
    rows = _dimension_rows(doc)
    assert set(rows) == {"机制建设", "用户体验"}
    # the rationale exists only in English: shown, tagged as English, and said to be so
    rationale = doc.xpath('//*[@id="weights"]/tbody/tr[1]/td[last()]')[0]
    assert rationale.xpath("span")[0].get("lang") == "en" and rationale.xpath("span")[0].text == "Policies and money come first."
    assert text(rationale.xpath("small")[0]) == "（指标体系只给出英文，暂无中文）"
    indicators = [text(th) for th in doc.xpath('//*[starts-with(@id, "unit-")]//tbody/tr/th')]
    assert indicators[:4] == ["政策", "奖补", "创新券", "满意度"]


def test_english_page_shows_the_english_texts(client, published):
    _, doc = page(client, f"/evaluations/{published}", lang="en")
    assert text(doc.xpath("//h1")[0]) == "Mechanism and user experience of the provincial networks"
    assert text(doc.xpath('//*[@id="framework-description"]')[0]) == "A test framework of two dimensions."
    rows = _dimension_rows(doc)
    assert set(rows) == {"Mechanism", "Experience"}
    assert rows["Mechanism"][-1] == "Policies and money come first."  # in the reader's language: no note
    assert "机制" not in text(doc.xpath('//*[@id="method"]/..')[0])


def test_unit_chart_names_the_dimensions_in_the_readers_language(client, published):
    _, doc = page(client, f"/evaluations/{published}", lang="en")
    src = doc.xpath('//*[starts-with(@id, "unit-")]//img')[0].get("src")
    en = client.get(src).get_data(as_text=True)
    zh = client.get(src.replace("lang=en", "lang=zh")).get_data(as_text=True)
    assert "Mechanism" in en and "机制建设" not in en
    assert "机制建设" in zh and "Mechanism" not in zh


def test_report_html_follows_the_language_too(client, published):
    from hub.evaluation.html import to_html_bytes

    report = client.get(f"/api/v1/evaluations/{published}").get_json()
    assert report["nodes"][1]["texts"]["name"] == {"zh": "机制建设", "en": "Mechanism"}
    english = to_html_bytes(report, "en").decode("utf-8")
    chinese = to_html_bytes(report, "zh").decode("utf-8")
    assert "<h1>Mechanism and user experience of the provincial networks</h1>" in english and "机制建设" not in english
    assert "<h1>省级网络机制与用户体验</h1>" in chinese and '<span lang="en">Policies and money come first.</span>' in chinese


@pytest.mark.parametrize(
    "lang, title",
    [("zh", "省级网络机制与用户体验"), ("en", "Mechanism and user experience of the provincial networks")],
)
def test_list_names_the_ranking_in_the_readers_language_unless_the_evaluator_titled_it(client, created, published, lang, title):
    titled = created({"framework": "bilingual", "runs": 0, "seed": 3, "publish": True, "title": "2013 评估 assessment"})["id"]
    _, doc = page(client, "/evaluations", lang=lang)
    shown = {a.get("href"): text(a) for a in doc.xpath('//*[@id="evaluations"]/tbody/tr/th/a')}
    assert shown == {f"/evaluations/{published}": title, f"/evaluations/{titled}": "2013 评估 assessment"}
