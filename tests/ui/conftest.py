"""Fixtures of the UI tests: a seeded catalogue, the real app on a real threaded werkzeug server, and a
real headless Chromium driven through Selenium and Debian's chromedriver.

The catalogue (tests/ui/catalogue_data.py) goes in through tests/factories.py, i.e. through the same
inserts and index hook the harvest uses. It is built once per module: the browser tests only read.

Selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver explicitly, so Selenium Manager
never tries to download a browser or driver (the machines are offline). Without them the browser
tests skip, saying why; CI installs Debian's `chromium` and `chromium-driver`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server


from hub.harvest.flatten import split_record
from hub.schema import InstrumentSchema
from hub.store.db import Store
from hub.store.migrate import upgrade
from tests.factories import make_instruments, withdraw
from tests.ui import catalogue_data

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HUB_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1280, 1000)

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--lang=en-US",  # a non-Chinese browser: the catalogue must still open in Chinese
)


def seed(store) -> dict:
    """The catalogue of catalogue_data in `store`; returns {source id: instrument id}."""
    specs = []
    records = catalogue_data.records() + [catalogue_data.withdrawn_record()]
    for record in records:
        row, owner = split_record(InstrumentSchema().load(record))
        specs.append({**row, "owner": owner or None})
    ids = make_instruments(store, specs)
    withdraw(store, [ids[-1]], "deleted at source")
    return {r["source_id"]: i for r, i in zip(records, ids)}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """A migrated SQLite store holding the UI catalogue: (store, {source id: instrument id})."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('ui')}/hub.sqlite")
    upgrade(store)
    ids = seed(store)
    yield store, ids
    store.dispose()


@pytest.fixture(scope="module")
def app(catalogue):
    from hub.web import create_app

    store, _ = catalogue
    return create_app({"STORE": store, "TESTING": True})


@pytest.fixture(scope="module")
def live_server(app):
    """The app on a real threaded werkzeug server at 127.0.0.1:<ephemeral port>; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ui-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return f"{path} not found: install Debian's {package} package to run the browser tests"
    return None


def start_chromium(*, javascript: bool = True):
    """A headless Chromium under chromedriver, with its own throw-away profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="hub-ui-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    # Every request the browser makes shows up in the performance log (Network.requestWillBeSent).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver, profile


def _chromium_fixture(javascript: bool):
    reason = _browser_missing()
    if reason:
        pytest.skip(reason)
    driver, profile = start_chromium(javascript=javascript)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    yield from _chromium_fixture(javascript=True)


@pytest.fixture(scope="module")
def browser_nojs():
    yield from _chromium_fixture(javascript=False)


@pytest.fixture
def fresh(browser, live_server):
    """The shared browser with its cookies and request log cleared (each test starts in Chinese)."""
    browser.get(live_server + "/static/ui/favicon.svg")
    browser.delete_all_cookies()
    browser.get_log("performance")
    return browser
