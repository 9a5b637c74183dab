"""A province's data steward in a real browser (headless Chromium): asked to sign in on their own
network's page, they paste their publisher token, come back to that page, open a batch's report and
read its rejected records — and the browser holds a cookie no script can read, never the token."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from hub.auth.tokens import create_token
from hub.config import Registry, Settings
from hub.feed import samples
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from hub.web import create_app


@pytest.fixture(scope="module")
def pushed(tmp_path_factory):
    """A store in which Guangdong pushed a batch with 6 bad rows: (store, publisher token, report)."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('steward')}/hub.sqlite")
    upgrade(store)
    registry = Registry.load()
    sync_networks(store, registry)
    token = create_token(store, "publisher", "440000")[1]
    settings = Settings.load(tmp_path_factory.mktemp("conf") / "absent.yaml")  # the defaults
    app = create_app({"STORE": store, "TESTING": True, "REGISTRY": registry, "SETTINGS": settings})
    r = app.test_client().post(
        "/api/v1/networks/440000/batches?mode=upsert",
        data=samples.guangdong_csv(40, bad=6),
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    yield app, token, r.get_json()
    store.dispose()


@pytest.fixture(scope="module")
def app(pushed):
    """The app the module's live server serves (tests/ui/conftest.py `live_server`)."""
    return pushed[0]


def test_a_steward_signs_in_and_reads_a_batchs_rejections(fresh, live_server, pushed):
    _, token, report = pushed
    browser = fresh
    browser.get(live_server + "/admin/networks/440000/batches?lang=en")
    browser.find_element(By.NAME, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    # Each click navigates: wait for the page it leads to before reading it.
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table#batches"))
    assert urlsplit(browser.current_url).path == "/admin/networks/440000/batches", browser.current_url
    # HttpOnly: the session is invisible to scripts; and the token is nowhere in the browser's cookies.
    assert "hub_admin" not in browser.execute_script("return document.cookie")
    assert all(token not in c["value"] for c in browser.get_cookies())

    browser.find_element(By.LINK_TEXT, report["id"]).click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "counts-check"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table#rejected tbody tr")
    shown = [tuple(td.text for td in tr.find_elements(By.TAG_NAME, "td")) for tr in rows]
    assert shown == [(e["source_id"], e["field"], e["reason"]) for e in report["rejected"]]
    assert browser.find_element(By.ID, "counts-check").get_attribute("data-adds-up") == "true"

    # The national overview is not the steward's: its address leads to their own page, nothing of it shown.
    browser.get(live_server + "/admin")
    assert browser.find_elements(By.CSS_SELECTOR, "table#networks") == []
    assert browser.current_url == live_server + "/admin/networks/440000/batches", browser.current_url

    # Signing out ends the session: the page asks for the token again.
    browser.get(live_server + "/admin/networks/440000/batches")
    browser.find_element(By.CSS_SELECTOR, "form[action='/admin/logout'] button").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.NAME, "token"))  # the sign-in page it leads to
    browser.get(live_server + "/admin/networks/440000/batches")
    assert browser.find_elements(By.NAME, "token") and not browser.find_elements(By.CSS_SELECTOR, "table#batches")
