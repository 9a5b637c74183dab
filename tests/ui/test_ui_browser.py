"""The catalogue as a person uses it, in a real headless Chromium: search, facet click, detail page,
language switch, no request leaving the hub, and the same with JavaScript disabled.

Skipped (with the reason) where Debian's chromium / chromium-driver are not installed.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.ui import catalogue_data as data


def navigate(driver, action):
    """Do `action` (a click, a submit) and wait until the next page has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    WebDriverWait(driver, 10, poll_frequency=0.02).until(_replaced(old))


def _replaced(old):
    """EC.staleness_of, also for the way Chromium sometimes says the element is gone: a plain
    WebDriverException "Node with given id does not belong to the document" while the old page is
    being torn down (a CI run failed on it), instead of StaleElementReferenceException."""

    def gone(_driver) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return gone


def search_for(driver, text):
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(text)
    navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click())


def result_names(driver) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".result-list .result h3 a")]


def result_ids(driver) -> list[str]:
    return [li.get_attribute("data-id") for li in driver.find_elements(By.CSS_SELECTOR, ".result-list .result")]


def shown_total(driver) -> int:
    return int(driver.find_element(By.CSS_SELECTOR, ".results .total").get_attribute("data-total"))


# ----------------------------------------------------------------------------- search


def test_liquid_chromatograph_query_finds_every_one_ranked_above_passing_mentions(fresh, live_server):
    fresh.get(live_server + "/")
    assert fresh.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    search_for(fresh, "液相色谱")
    names = result_names(fresh)
    assert set(data.LIQUID_CHROMATOGRAPH_NAMES) <= set(names), names
    last_lc = max(names.index(n) for n in data.LIQUID_CHROMATOGRAPH_NAMES)
    for mention in data.PASSING_MENTION_NAMES:
        if mention in names:
            assert names.index(mention) > last_lc, f"{mention} ranked above a liquid chromatograph: {names}"
    assert shown_total(fresh) == len(names)
    assert "液相色谱" in fresh.find_element(By.ID, "results-heading").text


@pytest.mark.parametrize(
    "query, expected",
    [
        pytest.param("电镜", data.ELECTRON_MICROSCOPE_NAMES, id="电镜 finds SEM and TEM"),
        pytest.param("SU8010", ["场发射扫描电子显微镜"], id="model number"),
    ],
)
def test_search_box_finds(fresh, live_server, query, expected):
    fresh.get(live_server + "/")
    search_for(fresh, query)
    names = result_names(fresh)
    assert set(expected) <= set(names), names
    assert names[0] in expected


# ----------------------------------------------------------------------------- facets


def facet_links(driver, facet):
    return [
        (a.get_attribute("data-value"), int(a.get_attribute("data-count")), a.get_attribute("href"))
        for a in driver.find_elements(By.CSS_SELECTOR, f"#facet-{facet} a[data-count]")
    ]


def reveal(driver, facet, value):
    """The facet value's link, its "more" disclosure opened first when the value is behind it."""
    link = driver.find_element(By.CSS_SELECTOR, f'#facet-{facet} a[data-value="{value}"]')
    if not link.is_displayed():
        driver.find_element(By.CSS_SELECTOR, f"#facet-{facet} details.more > summary").click()
    return link


def click_every_category_facet(driver, start: str) -> int:
    """From `start`, click each category facet value in turn; each must show exactly its count."""
    checked = 0
    for facet in ("category1", "category2"):
        for value, count, _ in facet_links(driver, facet):
            link = reveal(driver, facet, value)
            navigate(driver, link.click)
            assert shown_total(driver) == count, f"{facet}={value}: the facet showed {count}"
            assert len(result_ids(driver)) == min(count, 20)
            selected = driver.find_element(By.CSS_SELECTOR, f'#facet-{facet} a[data-value="{value}"]')
            assert selected.get_attribute("aria-current") == "true"
            driver.get(start)
            checked += 1
    return checked


def test_clicking_a_category_facet_shows_exactly_its_count(fresh, live_server):
    fresh.get(live_server + "/")
    search_for(fresh, "液相色谱")
    assert click_every_category_facet(fresh, fresh.current_url) >= 3
    # Clicking the selected value again removes the filter.
    link = fresh.find_element(By.CSS_SELECTOR, '#facet-category2 a[data-value="0105"]')
    navigate(fresh, link.click)
    navigate(fresh, lambda: fresh.find_element(By.CSS_SELECTOR, '#facet-category2 a[data-value="0105"]').click())
    assert "category=" not in fresh.current_url
    assert "q=%E6%B6%B2%E7%9B%B8%E8%89%B2%E8%B0%B1" in fresh.current_url


@pytest.mark.slow
def test_every_category_facet_of_the_whole_catalogue_shows_its_count(fresh, live_server):
    fresh.get(live_server + "/")
    assert click_every_category_facet(fresh, live_server + "/") >= 10


def test_other_facets_also_show_their_count(fresh, live_server):
    fresh.get(live_server + "/")
    for facet in ("network", "certified", "value_band"):
        links = facet_links(fresh, facet)
        assert links, facet
        value, count, href = links[-1]
        navigate(fresh, lambda: reveal(fresh, facet, value).click())
        assert shown_total(fresh) == count, f"{facet}={value}"
        fresh.get(live_server + "/")


# ----------------------------------------------------------------------------- detail page


def test_detail_page_shows_fields_contact_and_provenance(fresh, live_server):
    fresh.get(live_server + "/")
    search_for(fresh, "SU8010")
    navigate(fresh, lambda: fresh.find_element(By.LINK_TEXT, "场发射扫描电子显微镜").click())
    assert urlparse(fresh.current_url).path == "/instruments/370000:UI0021"

    def field(id_):
        return fresh.find_element(By.CSS_SELECTOR, f"#{id_} dd").text

    assert fresh.find_element(By.TAG_NAME, "h1").text == "场发射扫描电子显微镜"
    assert field("f-model") == "SU8010"
    assert field("f-manufacturer") == "日立"
    assert field("f-country") == "日本"
    assert field("f-value") == "320.00 万元"
    assert field("f-category") == "电子光学仪器（010100）"
    assert field("f-owner") == "山东省分析测试中心"
    assert field("f-owner-type") == "科研院所"
    assert field("f-region").startswith("山东省 青岛市")
    assert "材料表面形貌观察" in field("f-functions")
    assert field("f-fee") == "按样品收费，500 元/样"
    assert field("f-contact-name") == "张老师"
    assert field("f-contact-phone") == "0531-8888 0000"
    assert field("f-contact-email") == "lab21@example.invalid"
    assert fresh.find_element(By.CSS_SELECTOR, "#f-contact-email a").get_attribute("href") == "mailto:lab21@example.invalid"
    assert field("f-network") == "山东省大型科学仪器设备协作共用网 370000"
    assert field("f-source-id") == "UI0021"
    # Operator data (the harvest job) stays off the public page; times are Beijing time, zone named.
    assert not fresh.find_elements(By.ID, "f-job") and not fresh.find_elements(By.ID, "f-batch")
    assert field("f-source-updated") == "2013-05-01 08:00 北京时间（UTC+8）"  # 00:00 UTC
    for id_ in ("f-first-seen", "f-last-seen"):
        assert field(id_).endswith("北京时间（UTC+8）")


def test_withdrawn_instrument_shows_its_tombstone(fresh, live_server):
    fresh.get(live_server + "/instruments/420000:UI0900")
    assert fresh.find_element(By.TAG_NAME, "h1").text == "该仪器已从目录撤销"
    assert fresh.find_element(By.CSS_SELECTOR, "#f-withdrawn-reason dd").text == "所属网络已删除该记录"
    assert "红外光谱仪" in fresh.find_element(By.CSS_SELECTOR, "#f-name dd").text


# ----------------------------------------------------------------------------- language


def test_language_switch_gives_english_and_persists_across_pages(fresh, live_server):
    fresh.get(live_server + "/?q=SU8010")
    assert fresh.find_element(By.ID, "lang-switch").text == "English"
    navigate(fresh, lambda: fresh.find_element(By.ID, "lang-switch").click())
    assert fresh.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert fresh.find_element(By.CSS_SELECTOR, "form.search > label").text == "Keywords"
    assert fresh.find_element(By.ID, "q").get_attribute("value") == "SU8010"  # the query survived the switch
    assert fresh.find_element(By.CSS_SELECTOR, "#facet-category1 h3").text == "Category"
    assert "Electron optical instruments" in fresh.find_element(By.ID, "facet-category2").text
    # An ordinary link (no ?lang) to another page: still English, from the cookie.
    navigate(fresh, lambda: fresh.find_element(By.LINK_TEXT, "Networks").click())
    assert "lang=" not in fresh.current_url
    assert fresh.find_element(By.TAG_NAME, "h1").text == "Sharing networks"
    fresh.get(live_server + "/instruments/370000:UI0021")
    assert fresh.find_element(By.CSS_SELECTOR, "#f-model dt").text == "Model"
    assert fresh.find_element(By.CSS_SELECTOR, "#f-value dd").text == "¥3.20 m"
    # And back.
    navigate(fresh, lambda: fresh.find_element(By.ID, "lang-switch").click())
    assert fresh.find_element(By.CSS_SELECTOR, "#f-model dt").text == "型号"


# ----------------------------------------------------------------------------- nothing external


PAGES = ["/?q=液相色谱", "/instruments/370000:UI0021", "/networks/370000", "/stats", "/no-such-page"]


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_every_request_a_page_makes_stays_on_the_hub(fresh, live_server):
    hub = urlparse(live_server)
    seen = []
    for page in PAGES:
        fresh.get(live_server + page)
        WebDriverWait(fresh, 10, poll_frequency=0.05).until(
            lambda d: d.execute_script("return [...document.images].every(i => i.complete)")
        )
        for url in requested_urls(fresh):
            parsed = urlparse(url)
            assert parsed.scheme == "data" or (parsed.hostname, parsed.port) == (hub.hostname, hub.port), f"{page} requested {url}"
            seen.append(parsed.path)
    assert "/static/ui/ui.css" in seen
    assert "/stats/charts/category.svg" in seen
    # The charts really drew (SVG images of some width; the last page loaded was /stats's 404
    # neighbour, so go back), and the stylesheet applied.
    fresh.get(live_server + "/stats")
    WebDriverWait(fresh, 10, poll_frequency=0.05).until(
        lambda d: d.execute_script("return [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    )
    assert fresh.execute_script("return getComputedStyle(document.querySelector('header.site')).backgroundColor") == "rgb(19, 74, 110)"


# ----------------------------------------------------------------------------- without JavaScript


def test_without_javascript_search_facets_and_paging_work(browser_nojs, live_server):
    driver = browser_nojs
    # JavaScript really is off: a page script cannot change the title.
    driver.get("data:text/html,<title>off</title><script>document.title='on'</script>")
    assert driver.title == "off"

    driver.get(live_server + "/")
    total = shown_total(driver)
    first_page = result_ids(driver)
    assert total > len(first_page) > 0
    navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".pager a[rel=next]").click())
    assert "page=2" in driver.current_url
    second_page = result_ids(driver)
    assert second_page and not set(first_page) & set(second_page)
    assert driver.find_element(By.CSS_SELECTOR, ".pager span[aria-current=page]").text == "2"

    search_for(driver, "液相色谱")
    assert set(data.LIQUID_CHROMATOGRAPH_NAMES) <= set(result_names(driver))
    value, count, _ = facet_links(driver, "category2")[0]
    navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, f'#facet-category2 a[data-value="{value}"]').click())
    assert shown_total(driver) == count
