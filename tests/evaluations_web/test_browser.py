"""One real headless Chromium (tests/ui's fixtures' way of starting it) over a real server: the
ranking page renders its 30 rows and draws its chart, every request stays on the hub, and it works
with JavaScript switched off. Skips, saying why, where Chromium is not installed."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from tests.ui.conftest import _chromium_fixture


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="evaluations-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def chromium_nojs():
    yield from _chromium_fixture(javascript=False)


@pytest.mark.slow
def test_ranking_page_in_a_browser_without_javascript(chromium_nojs, live, created):
    from selenium.webdriver.common.by import By

    eid = created({"framework": "provinces", "runs": 60, "seed": 2, "publish": True})["id"]
    driver = chromium_nojs
    driver.get(f"{live}/static/ui/favicon.svg")
    driver.get_log("performance")  # the browser's own start-up requests (chrome://) are not the page's
    driver.get(f"{live}/evaluations")
    driver.find_element(By.CSS_SELECTOR, "#evaluations tbody a").click()
    assert driver.current_url == f"{live}/evaluations/{eid}"
    rows = driver.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    assert len(rows) == 30 and all(r.find_element(By.CSS_SELECTOR, ".rank-interval").text for r in rows)
    chart = driver.find_element(By.ID, "score-chart")
    assert chart.size["width"] > 300 and chart.size["height"] > 300  # the SVG loaded and has its own size
    # a unit's breakdown opens without JavaScript (<details>)
    first = driver.find_element(By.CSS_SELECTOR, "details[id^=unit-]")
    first.find_element(By.TAG_NAME, "summary").click()
    assert first.get_attribute("open") is not None
    hub = urlparse(live)
    urls = [
        json.loads(e["message"])["message"]["params"]["request"]["url"]
        for e in driver.get_log("performance")
        if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"
    ]
    assert urls and all(urlparse(u).netloc == hub.netloc for u in urls if u.startswith(("http:", "https:", "//"))), urls


@pytest.mark.slow
def test_the_ranking_table_stays_readable_on_a_phone_in_chinese(chromium_nojs, live, created):
    """The uncertainty in words was squeezed to 52 px and wrapped a character a line: each row
    391 px tall, two networks a screen. The table now scrolls within its box instead."""
    from selenium.webdriver.common.by import By

    eid = created({"framework": "provinces", "runs": 60, "seed": 2, "publish": True})["id"]
    driver = chromium_nojs
    driver.set_window_size(390, 844)
    driver.get(f"{live}/evaluations/{eid}?lang=zh")
    rows = driver.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    words = driver.find_element(By.CSS_SELECTOR, "#ranking td.in-words")
    assert len(rows) == 30 and max(r.size["height"] for r in rows) < 120, [r.size["height"] for r in rows[:5]]
    assert words.size["width"] >= 200
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # Scrolled sideways to the intervals and movements, each row still names its network: the unit's
    # column stays at the left edge (the numbers scrolled into view belonged to no name one could read).
    name = driver.find_element(By.CSS_SELECTOR, "#ranking tbody tr th.unit-name")
    before = name.location["x"]
    driver.execute_script("document.querySelector('#ranking').closest('.table-wrap').scrollLeft = 400")
    wrap_left = driver.execute_script("return document.querySelector('#ranking').closest('.table-wrap').getBoundingClientRect().left")
    after = driver.execute_script("return arguments[0].getBoundingClientRect().left", name)
    assert before > wrap_left and abs(after - wrap_left) < 2, (before, after, wrap_left)
