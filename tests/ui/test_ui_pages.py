"""The pages through Flask's test client: status codes, the 400 page naming the parameter, the
tombstone's 410, the language cookie, statistics figures and their charts."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from hub.web.ui import charts
from tests.ui import catalogue_data as data

ACTIVE = len(data.records())


@pytest.mark.parametrize(
    "path, status",
    [
        pytest.param("/", 200, id="search"),
        pytest.param("/?q=%22NEAR(%20*", 200, id="FTS syntax is just words"),
        pytest.param("/?q=" + "液" * 10_000, 400, id="10,000 characters"),
        pytest.param("/?page=-1", 400, id="negative page"),
        pytest.param("/?page_size=1000000", 400, id="huge page size"),
        pytest.param("/?category=01%27%20OR%201=1", 400, id="SQL fragment"),
        pytest.param("/?q=%FF%FE", 400, id="bytes that are not UTF-8"),
        pytest.param("/?utm_source=x", 200, id="unknown arguments are the page's business"),
        pytest.param("/instruments/370000:UI0021", 200, id="instrument"),
        pytest.param("/instruments/420000:UI0900", 410, id="withdrawn: 410 with tombstone"),
        pytest.param("/instruments/370000:nope", 404, id="unknown instrument"),
        pytest.param("/networks", 200, id="networks"),
        pytest.param("/networks/370000", 200, id="network"),
        pytest.param("/networks/999999", 404, id="unknown network"),
        pytest.param("/stats", 200, id="statistics"),
        pytest.param("/stats/charts/nope.svg", 404, id="unknown chart"),
    ],
)
def test_status(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)


def test_a_refused_parameter_shows_the_form_again_with_the_search_and_a_message_in_the_page_language(client):
    response = client.get("/?q=SU8010&page_size=1000000&lang=en")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-parameter="page_size">The page size is out of range.' in body
    assert 'value="SU8010"' in body  # the search survives
    zh = client.get("/?q=SU8010&min_value=lots&lang=zh")
    assert zh.status_code == 400 and "“lots”不是金额" in zh.get_data(as_text=True)
    assert 'value="lots"' in zh.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, message",
    [
        pytest.param("min_value=abc", "“abc”不是金额", id="a value that is no amount"),
        pytest.param("page=abc", "页码须是从 1 起的整数", id="a page that is no number"),
        pytest.param("page=9999", "可翻页的范围", id="a page beyond the window"),
        pytest.param("sort=bogus", 'data-parameter="sort"', id="an unknown order"),
    ],
)
def test_a_refused_search_says_it_did_not_run_not_that_nothing_was_found(client, query, message):
    """Under the error, the page said "0 instruments" and "nothing found": false, the search never ran."""
    body = client.get(f"/?{query}&lang=zh").get_data(as_text=True)
    assert message in body
    assert "搜索没有执行" in body
    assert "没有找到符合条件的仪器" not in body and "共 0 台仪器" not in body


@pytest.mark.parametrize(
    "lang, shown, hidden",
    [
        pytest.param("zh", "没有找到这个页面", "The requested URL", id="Chinese: our heading, not werkzeug's English"),
        pytest.param("en", "The requested URL was not found", "没有", id="English: the detail too"),
    ],
)
def test_an_error_page_speaks_one_language(client, lang, shown, hidden):
    body = client.get(f"/no-such-page?lang={lang}").get_data(as_text=True)
    main = body[body.index("<main") : body.index("</main>")]
    assert shown in main and hidden not in main


@pytest.mark.parametrize(
    "lang, heading, reason",
    [("zh", "该仪器已从目录撤销", "所属网络已删除该记录"), ("en", "withdrawn", "deleted by its network")],
)
def test_tombstone_page_says_when_and_why_in_its_language(client, lang, heading, reason):
    """The reason is stored in English ("deleted at source", as the API returns it); the Chinese page
    printed it as stored."""
    body = client.get(f"/instruments/420000:UI0900?lang={lang}").get_data(as_text=True)
    assert heading in body and reason in body
    assert "deleted at source" not in body


def test_language_cookie_is_set_only_by_the_switch(client):
    assert "lang=" not in client.get("/").headers.get("Set-Cookie", "")
    cookie = client.get("/?lang=en").headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert '<html lang="en">' in client.get("/networks").get_data(as_text=True)
    client.get("/?lang=zh")
    assert '<html lang="zh-CN">' in client.get("/networks").get_data(as_text=True)


def test_an_answer_that_sets_the_language_cookie_is_not_for_shared_caches(client):
    """A chart is public for five minutes; asked with ?lang=en it also set the cookie, and a shared
    cache could have handed that cookie to every later reader (found probing the served catalogue)."""
    plain = client.get("/stats/charts/status.svg")
    assert plain.status_code == 200 and "Set-Cookie" not in plain.headers and plain.cache_control.public
    switched = client.get("/stats/charts/status.svg?lang=en")
    assert switched.headers["Set-Cookie"].startswith("lang=en;")
    assert switched.cache_control.private and not switched.cache_control.public


def test_search_page_offers_exports_of_the_same_query(client):
    body = client.get("/?q=SU8010&network=370000&page=1").get_data(as_text=True)
    for fmt in ("csv", "xlsx", "jsonl"):
        assert f'href="/api/v1/instruments/export?format={fmt}&amp;q=SU8010&amp;network=370000&amp;include_retired=false"' in body


def test_network_page_shows_its_instruments_and_value(client):
    body = client.get("/networks/370000").get_data(as_text=True)
    assert 'id="network-count">' + str(sum(r["network"] == "370000" for r in data.records())) + "<" in body
    assert "场发射扫描电子显微镜" in body


def test_statistics_totals_count_only_instruments_in_the_catalogue(client):
    body = client.get("/stats").get_data(as_text=True)
    figures = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", body)
    # The withdrawn one is not counted; the headline says whose count it is (an instrument listed by two
    # networks is in it twice, the de-duplicated figure below), where it said 仪器总数.
    assert ("各网络登记的仪器", str(ACTIVE)) in figures
    assert ("网络数", "3") in figures
    for name in ("network", "category", "owner_type", "value_band"):
        assert f'src="/stats/charts/{name}.svg"' in body


@pytest.mark.parametrize("name", ["network", "category", "owner_type", "value_band"])
def test_charts_are_self_contained_svg(client, name):
    response = client.get(f"/stats/charts/{name}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    # Nothing the browser would fetch: no external references, glyphs drawn as paths.
    assert not re.search(r'(?:href|src)="(?!#)', svg)
    assert "Cookie" in response.headers["Vary"]


def test_chart_labels_fall_back_when_no_cjk_font_is_installed():
    bars = [charts.Bar("色谱仪器", "Chromatographs", 5), charts.Bar("SEM", "SEM", 2)]
    assert charts.chart_labels(bars, font=None) == ["Chromatographs", "SEM"]
    assert charts.chart_labels(bars, font="Noto Sans CJK SC") == ["色谱仪器", "SEM"]


def test_rendered_charts_are_cached_by_content():
    bars = [charts.Bar("液相色谱仪", "LC", 3.0)]
    hits = charts.CACHE.hits
    first = charts.bar_chart_svg("", bars)
    assert charts.bar_chart_svg("", bars) is first
    assert charts.CACHE.hits == hits + 1
    assert charts.bar_chart_svg("", [charts.Bar("液相色谱仪", "LC", 4.0)]) != first


@pytest.mark.parametrize(
    "referer, back",
    [
        pytest.param("http://localhost/?q=%E7%94%B5%E9%95%9C&page=2", "/?q=%E7%94%B5%E9%95%9C&amp;page=2", id="from a search: back to it"),
        pytest.param("http://localhost/networks/370000", "/", id="from another page: the search page"),
        pytest.param("https://elsewhere.example/?q=x", "/", id="from another site: the search page"),
        pytest.param(None, "/", id="no referrer"),
    ],
)
def test_back_to_search_returns_to_the_search_the_record_was_opened_from(client, referer, back):
    """'返回搜索' led to / whatever the search was: the query, the filters and the page were lost."""
    headers = {"Referer": referer} if referer else {}
    body = client.get("/instruments/370000:UI0021", headers=headers).get_data(as_text=True)
    assert f'href="{back}" id="back-to-search"' in body


def test_a_search_of_nothing_names_its_network_and_city_filters(client):
    """With no result there is no facet to take a label from: the chips read "网络：370000 ×"."""
    record = next(r for r in data.records() if r["network"] == "370000")
    city, city_name = record["region"]["city"], record["region"]["city_name"]
    body = client.get(f"/?network=370000&city={city}&q=扫描隧道显微镜XYZ&lang=zh").get_data(as_text=True)
    chips = re.findall(r'<a class="chip"[^>]*>([^<]+)<', body)
    assert len(chips) == 2 and not any("370000" in c or city in c for c in chips), chips
    assert any(city_name in c for c in chips), chips


def test_the_search_page_headings_go_down_one_level_at_a_time(client):
    """Screen readers list a page by its headings: the facets' h3 came straight after the h1."""
    body = client.get("/?lang=zh").get_data(as_text=True)
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", body)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


@pytest.mark.parametrize(
    "lang, shown",
    [pytest.param("zh", "XML 导出文件（sdyq-xml）", id="zh"), pytest.param("en", "XML export files (sdyq-xml)", id="en")],
)
def test_a_network_page_says_how_the_network_is_collected_in_words(client, lang, shown):
    """采集方式 read "sdyq-xml": a vendor's code, which tells a province or the public nothing."""
    body = client.get(f"/networks/370000?lang={lang}").get_data(as_text=True)
    assert f"<dd>{shown}</dd>" in body


@pytest.mark.parametrize("path", ["/", "/networks", "/networks/370000", "/stats", "/instruments/370000:UI0021", "/evaluations", "/nope"])
def test_a_page_whose_language_is_the_cookie_s_tells_caches_so(client, path):
    """Pages answer in the language of the `lang` cookie but said `Vary` only for the device (or
    nothing): a shared cache could hand a Chinese reader the English page another reader had."""
    response = client.get(path)
    assert response.mimetype == "text/html"
    assert "Cookie" in response.headers.get("Vary", ""), (path, response.headers.get("Vary"))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", ["/", "/stats", "/networks", "/networks/370000", "/instruments/370000:UI0021"])
def test_public_pages_send_no_one_to_a_file_of_the_repository(client, path, lang):
    """The statistics page said 方法见 docs/duplicates.md: a path in the hub's source tree that
    no visitor can open."""
    text = re.sub(r"<[^>]+>", " ", client.get(f"{path}?lang={lang}").get_data(as_text=True))
    assert not re.search(r"\bdocs/\w+\.md", text), re.search(r".{40}docs/\w+\.md.{10}", text).group()


def test_switching_language_on_a_record_keeps_the_way_back_to_its_search(client):
    """The language link reloads the record's page, whose referrer is then the record itself, and
    '返回搜索' / 'Back to search' led to / : the search was lost. The link carries the search along."""
    from lxml import html

    came_from = "http://localhost/?q=%E7%94%B5%E9%95%9C&page=2&lang=zh"
    first = html.fromstring(client.get("/instruments/370000:UI0021", headers={"Referer": came_from}).data)
    switch = urljoin("http://localhost/instruments/370000:UI0021", first.get_element_by_id("lang-switch").get("href"))
    again = html.fromstring(client.get(switch, headers={"Referer": "http://localhost/instruments/370000:UI0021"}).data)
    assert again.get("lang") == "en"
    # Back to the same search, in the language now chosen (the search's own lang=zh is not carried).
    assert again.get_element_by_id("back-to-search").get("href") == "/?q=%E7%94%B5%E9%95%9C&page=2"
    # And a way back that is not the hub's search query cannot become a link elsewhere.
    for back in ("//evil.example/x", "https://evil.example/?q=x", "q=x&next=//evil.example"):
        odd = html.fromstring(client.get("/instruments/370000:UI0021", query_string={"back": back}).data)
        href = odd.get_element_by_id("back-to-search").get("href")
        assert href == "/" or (href.startswith("/?") and "evil.example/" not in href), (back, href)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/%5Cevil.example", id="backslash: a browser reads /\\ as //"),
        pytest.param("/%2F%2Fevil.example/x", id="two slashes"),
        pytest.param("/instruments/370000:UI0021?q=x", id="a page of the hub"),
    ],
)
def test_the_language_link_never_leaves_the_hub(client, path):
    """The 404 page of https://hub/%5Cevil.example offered its English version at
    href="/\\evil.example?lang=en", which a browser reads as //evil.example: a link to another site,
    shown on the hub's own page, for anyone to send around."""
    from lxml import html

    href = html.fromstring(client.get(path).data).get_element_by_id("lang-switch").get("href")
    # As a browser resolves it: against the page's address, a backslash read as a slash.
    target = urlsplit(urljoin(f"http://localhost{path}", href.replace("\\", "/")))
    assert target.netloc == "localhost", href
    assert "lang=en" in target.query


@pytest.mark.parametrize(
    "q, found",
    [
        pytest.param("UI0021", "/instruments/370000:UI0021", id="the network's own number"),
        pytest.param("370000:UI0021", "/instruments/370000:UI0021", id="the hub's id"),
        pytest.param("UI0900", "/instruments/420000:UI0900", id="a withdrawn one, said so"),
        pytest.param("ui0021", "/instruments/370000:UI0021", id="typed in lower case"),
        pytest.param("ＵＩ００２１", "/instruments/370000:UI0021", id="typed full-width"),
    ],
)
def test_an_instruments_number_typed_into_the_search_leads_to_it(client, q, found):
    """A steward or a visitor copying a number (原网络编号) from a portal or a report found nothing:
    ids are not indexed (a province steward's probe)."""
    from lxml import html as lhtml

    page = lhtml.fromstring(client.get("/", query_string={"q": q}).get_data(as_text=True))
    (item,) = page.xpath('//ul[@id="named-by-id"]/li')
    assert item.xpath(".//a/@href") == [found]
    assert ("已撤下" in item.text_content()) is (q == "UI0900")
    # the search's own answer (nothing in the text) does not say "nothing found" beside the link
    assert not page.xpath('//*[@id="none-hint"]')
    # nor does the count above it say there are none (it said "“UI0021”共 0 台仪器")
    heading = page.xpath('//h2[@id="results-heading"]')[0].text_content()
    assert " 0 " not in heading and "1" in heading, heading


def test_a_search_of_several_words_looks_up_no_id(client):
    assert 'id="named-by-id"' not in client.get("/", query_string={"q": "UI0021 电镜"}).get_data(as_text=True)


@pytest.mark.parametrize("lang, short, full", [("zh", "北京时间", "北京时间（UTC+8）"), ("en", "UTC+8", "China Standard Time (UTC+8)")])
def test_a_time_in_a_table_names_its_zone_briefly(app, lang, short, full):
    """Each job's time on a network's page carried "China Standard Time (UTC+8)", which wrapped every
    cell onto three lines on a phone: a table says the zone short, its full name a title away."""
    from flask import render_template_string
    from lxml import html as lhtml

    with app.test_request_context(f"/networks?lang={lang}"):
        app.preprocess_request()
        cell = lhtml.fromstring(render_template_string("<td>{{ t | timestamp_cell }}</td>", t="2013-05-01T00:00:00Z"))
    assert cell.xpath('span[@class="when"]/text()') == ["2013-05-01 08:00"]
    assert [(z.text, z.get("title")) for z in cell.xpath("abbr")] == [(short, full)]


@pytest.mark.parametrize("path", ["/networks", "/stats"])
def test_a_table_that_scrolls_on_a_phone_can_be_scrolled_from_the_keyboard(client, path):
    """Its box scrolls sideways on a phone, and took no focus (axe: scrollable-region-focusable)."""
    from lxml import html as lhtml

    page = lhtml.fromstring(client.get(path).get_data(as_text=True))
    wraps = page.xpath('//div[contains(@class, "table-wrap")]')
    assert wraps and all(w.get("tabindex") == "0" for w in wraps)
