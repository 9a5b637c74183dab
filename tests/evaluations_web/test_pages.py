"""/evaluations and /evaluations/<id>: published rankings only, the 30 networks with their score, rank
and 5–95 % rank interval, the charts, the method; Chinese by default, English on the switch; no
JavaScript and nothing from elsewhere."""

from __future__ import annotations

import json
import re

import lxml.html
import pytest

from tests.evaluations_web.conftest import auth


@pytest.fixture
def ranking(created):
    """(published id, draft id, the published report) for the 30-network test framework."""
    published = created({"framework": "provinces", "runs": 60, "seed": 2, "title": "三十个网络 2013", "publish": True})["id"]
    draft = created({"framework": "provinces", "runs": 0, "title": "草稿 draft"})["id"]
    return published, draft


def page(client, path, **params):
    r = client.get(path, query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r, lxml.html.fromstring(r.data)


def text(node) -> str:
    return " ".join(node.text_content().split())


def test_list_shows_published_evaluations_only(client, ranking):
    published, _ = ranking
    r, doc = page(client, "/evaluations")
    rows = doc.xpath('//*[@id="evaluations"]/tbody/tr')
    assert [text(row.xpath("th")[0]) for row in rows] == ["三十个网络 2013"]
    assert rows[0].xpath(".//a")[0].get("href") == f"/evaluations/{published}"
    assert text(doc.xpath("//h1")[0]) == "第三方评估排名" and doc.get("lang") == "zh-CN"
    nav = doc.xpath('//header//nav//a[@aria-current="page"]')
    assert [text(a) for a in nav] == ["排名"]


def test_list_without_evaluations_says_so(client):
    _, doc = page(client, "/evaluations", lang="en")
    assert "No evaluation has been published yet." in text(doc)


def test_nav_links_to_rankings_from_every_page(client):
    _, doc = page(client, "/")
    assert any(a.get("href") == "/evaluations" and text(a) == "排名" for a in doc.xpath("//header//nav//a"))


def test_ranking_page_shows_30_networks_with_rank_intervals(client, ranking, tokens):
    published, _ = ranking
    report = json.loads(client.get(f"/api/v1/evaluations/{published}").data)
    r, doc = page(client, f"/evaluations/{published}")
    rows = doc.xpath('//*[@id="ranking"]/tbody/tr')
    assert len(rows) == 30
    dims = [n["name"] for n in report["nodes"] if n["parent"] == "overall"]
    # rank, unit, score, median, interval, the dimensions, then the sentence in words
    assert [text(th) for th in doc.xpath('//*[@id="ranking"]/thead/tr/th')][5:-1] == dims
    for row, unit in zip(rows, report["units"]):
        cells = [text(c) for c in row.xpath("td|th")]
        unc = unit["uncertainty"]
        assert cells[0] == str(unit["rank"])
        assert cells[1].startswith(unit["label"]) and unit["id"] in cells[1]  # 北京市 110000
        assert cells[2] == f"{unit['score']:.2f}"
        assert cells[3] == f"{unc['median_rank']:.0f}"  # an observed rank, a whole number
        assert cells[4] == f"{unc['rank_p05']:.0f}–{unc['rank_p95']:.0f}"
        assert re.fullmatch(r"\d+–\d+", cells[4])
    assert text(rows[0].xpath("th")[0]).startswith(report["units"][0]["label"])

    # the method: framework and checksums, seed, runs, Sobol indices; the files
    method = text(doc.xpath('//*[@id="method"]')[0])
    assert report["framework"]["sha256"] in method and report["inputs"][0]["sha256"] in method
    assert client.get(f"/api/v1/evaluations/{published}").headers["ETag"].strip('"') in method
    assert re.search(r"随机种子\s*2 ", method)
    factor = {"weights": "权重", "normalisation": "标准化方法", "aggregation": "加总方法"}
    assert [text(tr.xpath("th")[0]) for tr in doc.xpath('//*[@id="sobol"]/tbody/tr')] == [
        factor[f] for f in sorted(report["uncertainty"]["sobol"])
    ]
    assert "60 次蒙特卡洛模拟" in text(doc)
    links = {a.text: a.get("href") for a in doc.xpath('//*[@id="downloads"]/a')}
    assert links == {
        "report.json": f"/api/v1/evaluations/{published}",
        "report.csv": f"/api/v1/evaluations/{published}/report.csv",
        "report.html": f"/api/v1/evaluations/{published}/report.html",
    }
    assert len(doc.xpath('//details[starts-with(@id, "unit-")]')) == 30

    # no scripts, nothing from elsewhere
    assert not doc.xpath("//script")
    for el in doc.xpath("//*[@src] | //link[@href]"):
        assert not re.match(r"(https?:)?//", el.get("src") or el.get("href")), lxml.html.tostring(el)


def test_charts_are_svg_drawn_by_the_report_functions(client, ranking):
    published, _ = ranking
    _, doc = page(client, f"/evaluations/{published}")
    score = doc.xpath('//*[@id="score-chart"]')[0]
    assert score.get("alt")
    r = client.get(score.get("src"))
    assert r.status_code == 200 and r.content_type == "image/svg+xml" and r.data.startswith(b"<svg")
    assert "北京市" in r.get_data(as_text=True)  # units named on the chart (text stays text)
    assert client.get(score.get("src"), headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    first_unit = doc.xpath('//details[starts-with(@id, "unit-")]//img')[0]
    r = client.get(first_unit.get("src"))
    assert r.status_code == 200 and b"<svg" in r.data and "机制建设" in r.get_data(as_text=True)
    assert client.get(f"/evaluations/{published}/charts/unit-99.svg").status_code == 404


def test_a_phone_is_sent_a_score_chart_drawn_for_its_width(client, ranking):
    """At 375 px the ranking's chart, 909 px wide and scrolled in its box, showed thirty bars of one
    length and no rank intervals (found reading the pages on a phone)."""
    published, _ = ranking
    _, doc = page(client, f"/evaluations/{published}")
    [source] = doc.xpath('//picture[.//img[@id="score-chart"]]//source')
    assert source.get("media") == "(max-width: 760px)"
    wide, narrow = (client.get(doc.xpath('//*[@id="score-chart"]')[0].get("src")), client.get(source.get("srcset")))
    assert narrow.status_code == 200 and narrow.content_type == "image/svg+xml"

    def width_pt(svg: bytes) -> float:
        return float(re.search(rb'<svg[^>]*\bwidth="([0-9.]+)pt"', svg).group(1))

    assert width_pt(narrow.data) * 96 / 72 <= 320 < width_pt(wide.data) * 96 / 72
    assert narrow.headers["ETag"] != wide.headers["ETag"]
    assert client.get(f"/evaluations/{published}/charts/score.svg?size=poster").status_code == 404


def test_an_english_chart_names_the_units_as_the_english_table_does(client, ranking):
    """The English charts named units in Chinese beside an English table, and a phone's chart cut
    names short ("上海研发公共服…") or named a network by its own name, not its province (an
    evaluator's probe)."""
    published, _ = ranking
    en = client.get(f"/evaluations/{published}/charts/score.svg?lang=en").get_data(as_text=True)
    assert "Beijing" in en and "北京市" not in en
    phone = client.get(f"/evaluations/{published}/charts/score.svg?lang=zh&size=phone").get_data(as_text=True)
    assert "北京市" in phone and "…" not in phone


def test_english_switch(client, ranking):
    published, _ = ranking
    _, doc = page(client, f"/evaluations/{published}", lang="en")
    assert doc.get("lang") == "en"
    assert [text(th) for th in doc.xpath('//*[@id="ranking"]/thead/tr/th')][:5] == ["Rank", "Unit", "Score", "Median rank", "5–95 % rank"]
    assert "60 Monte Carlo runs" in text(doc)


def test_unpublished_and_unknown_evaluations_are_not_shown(client, ranking, tokens):
    _, draft = ranking
    for path in (f"/evaluations/{draft}", f"/evaluations/{draft}/charts/score.svg", "/evaluations/999"):
        r = client.get(path, headers=auth(tokens["evaluator"]))  # the pages are public: no drafts, whoever asks
        assert r.status_code == 404 and r.content_type.startswith("text/html")


def test_neighbours_of_different_ranks_never_show_the_same_score():
    """安徽 53.79 was ranked 10th and 重庆 53.79 11th (53.7909 and 53.7877), with no word why (found
    reading a ranking as an evaluator): the two are shown to the decimal that tells them apart; a
    true tie, and every other score, keeps two decimals."""
    from hub.web.evaluation_pages import score_digits

    ranked = [
        {"id": "A", "rank": 9, "score": 60.0},
        {"id": "B", "rank": 10, "score": 53.7909},
        {"id": "C", "rank": 11, "score": 53.7877},
        {"id": "D", "rank": 12, "score": 50.0},
        {"id": "E", "rank": 12, "score": 50.0},
    ]
    assert score_digits(ranked) == {"A": 2, "B": 3, "C": 3, "D": 2, "E": 2}


@pytest.mark.parametrize(
    "value, metric, lang, shown",
    [
        (0.2805, "external_hours_share", "en", "28.1 %"),
        (9_322_678_000, "total_value", "zh", "93.23 亿元"),
        (9_322_678_000, "total_value", "en", "¥9.32 bn"),
        (9800.0, "instruments", "en", "9,800"),
        (1440.5, "hours_per_instrument", "en", "1,440.50"),
        (3.5, None, "en", "3.50"),
    ],
)
def test_a_units_raw_value_reads_in_its_unit(app, value, metric, lang, shown):
    """A breakdown read "External share of hours 0.28", "Instruments listed 9,800.00" and "Total
    original value 9,322,678,000.00" (an evaluator's probe): shares as percentages, yuan as money."""
    from hub.web.evaluation_pages import raw_value

    with app.test_request_context(f"/evaluations/1?lang={lang}"):
        app.preprocess_request()
        assert raw_value(value, {"metric": metric} if metric else {"column": "x"}) == shown
