"""The national centre's operator at /admin in a real browser: sign in with an admin token, find a
province's withdrawal held, confirm it with the page's own form, see who decided it, sign out.

The Flask-client tests (tests/auth/test_admin_session.py, tests/feed/test_holds_page.py) check the
HTML and the rules one by one; this drives what only a browser does with them: it keeps the session
cookie only where its Path and SameSite allow, posts the form with the csrf field the page rendered,
follows the redirects, and never lets a script read the HttpOnly cookie. The hold itself comes from
real pushes over HTTP to the same served app.
"""

from __future__ import annotations

import dataclasses
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from hub.auth.tokens import create_token
from hub.auth.web import COOKIE
from hub.config import Registry, Settings
from hub.feed import samples
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from tests.local_http import serving

pytestmark = pytest.mark.usefixtures("browser")

GD = "440000"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A migrated store and the app over it: (store, app, {"admin": (id, token), "gd": token})."""
    from hub.web import create_app

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('admin-ui')}/hub.sqlite")
    upgrade(store)
    registry = Registry.load()
    sync_networks(store, registry)
    defaults = Settings.load(tmp_path_factory.mktemp("conf") / "absent.yaml")
    settings = dataclasses.replace(defaults, withdrawal={"max_share": 0.2, "min_listing": 1})
    info, admin = create_token(store, "admin", label="国家中心值班员")
    tokens = {"admin": (info.id, admin), "gd": create_token(store, "publisher", GD)[1]}
    app = create_app({"STORE": store, "TESTING": True, "REGISTRY": registry, "SETTINGS": settings})
    yield store, app, tokens
    store.dispose()


@pytest.fixture(scope="module")
def app(served):
    return served[1]


@pytest.fixture
def held(served, live_server):
    """Guangdong pushes its 10 instruments, then a snapshot listing 5: half would go, so the hub holds
    the withdrawal for the national centre to decide. Returns the hold's id."""
    _, _, tokens = served

    def push(body, mode):
        r = requests.post(
            f"{live_server}/api/v1/networks/{GD}/batches?mode={mode}",
            data=body,
            headers={"Content-Type": "text/csv", "Authorization": f"Bearer {tokens['gd']}"},
            timeout=30,
        )
        assert r.status_code in (200, 201), (r.status_code, r.text)
        return r.json()

    push(samples.guangdong_csv(10), "upsert")
    snapshot = push(samples.guangdong_csv(5), "snapshot")
    hold = snapshot["withdrawal"]["hold"]
    assert hold, snapshot["withdrawal"]
    return hold


@pytest.fixture(scope="module")
def stranger():
    """Another site: a plain page with no policy of ours, served as http://localhost:<port> — another
    host name than the hub's 127.0.0.1, so another site to the browser (a port alone would not be)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<!doctype html><html><body><p>win a prize</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Page) as url:
        yield url.replace("127.0.0.1", "localhost")


def _post_from(browser, site: str, action: str, name: str, value: str) -> None:
    """Open a page of `site` and post, from it, a form of one hidden field to `action`; return once the
    browser shows the hub's answer (the post navigates to it)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/")
    browser.execute_script(
        "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];"
        "const i = document.createElement('input'); i.type = 'hidden'; i.name = arguments[1]; i.value = arguments[2];"
        "f.appendChild(i); document.body.appendChild(f); f.submit();",
        action,
        name,
        value,
    )
    hub = action.split("/admin", 1)[0]
    WebDriverWait(browser, 15).until(
        lambda d: d.current_url.startswith(hub) and d.execute_script("return document.readyState") == "complete"
    )


def _text(driver, css):
    from selenium.webdriver.common.by import By

    return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, css))


def test_the_operator_signs_in_confirms_a_held_withdrawal_and_signs_out(fresh, live_server, served, held):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser = fresh
    token_id, token = served[2]["admin"]

    browser.get(f"{live_server}/admin?lang=en")
    assert browser.find_elements(By.NAME, "token"), "an anonymous browser is asked to sign in"
    assert "440000" not in browser.page_source, "nothing of the dashboard before signing in"

    browser.find_element(By.NAME, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    confirm = f'form[action="/admin/holds/{held}/confirm"]'
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, confirm))
    assert browser.current_url.startswith(f"{live_server}/admin"), browser.current_url
    assert f"/admin/holds/{held}/confirm" in browser.page_source, "the held withdrawal is offered for a decision"

    cookie = browser.get_cookie(COOKIE)
    assert cookie, browser.get_cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/admin", cookie
    assert cookie["value"] not in browser.execute_script("return document.cookie"), "scripts never see the session"

    browser.find_element(By.CSS_SELECTOR, f'form[action="/admin/holds/{held}/confirm"] button').click()
    # The click posts the form and the browser follows the 303 back to /admin: wait for that page.
    row = f'#decided-holds tr[data-decided-hold="{held}"]'
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
    decided = _text(browser, row)
    assert "confirmed" in decided and f"国家中心值班员 ({token_id})" in decided, decided
    assert f"/admin/holds/{held}/confirm" not in browser.page_source, "a decided hold is no longer offered"

    # Confirmed: the 5 absent from the snapshot are withdrawn from the public catalogue.
    listed = requests.get(f"{live_server}/api/v1/instruments?network={GD}", timeout=30).json()
    assert listed["total"] == 5, listed["total"]

    browser.find_element(By.XPATH, "//form[contains(@action, '/admin/logout')]//button").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.NAME, "token"))  # the sign-in page it leads to
    browser.get(f"{live_server}/admin?lang=en")
    assert browser.find_elements(By.NAME, "token"), "signed out: the dashboard asks for a token again"

    # The old cookie, copied before signing out, is dead on the server too.
    gone = requests.get(f"{live_server}/admin", cookies={cookie["name"]: cookie["value"]}, allow_redirects=False, timeout=30)
    assert gone.status_code in (302, 303, 401) or 'name="token"' in gone.text, gone.status_code


def test_a_form_posted_from_another_site_decides_nothing(fresh, live_server, served, held, stranger):
    """The session cookie is SameSite=Strict: a page on another site that posts the decision form
    makes the browser send no cookie, so a signed-in operator's browser cannot be made to reject a
    hold — even by a page that somehow knew the form's csrf field (here copied from the real page)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser = fresh
    _, token = served[2]["admin"]
    browser.get(f"{live_server}/admin/login")
    browser.find_element(By.NAME, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    reject = f'form[action="/admin/holds/{held}/reject"]'
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, reject))
    csrf = browser.find_element(By.CSS_SELECTOR, f"{reject} input[name=csrf]").get_attribute("value")

    _post_from(browser, stranger, f"{live_server}/admin/holds/{held}/reject", "csrf", csrf)
    assert "/admin/login" in browser.current_url or browser.find_elements(By.NAME, "token"), "the post arrived as a stranger's"
    state = requests.get(f"{live_server}/api/v1/holds/{held}", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert state["state"] != "rejected", state


def test_a_sign_in_posted_from_another_site_signs_this_browser_into_nothing(fresh, live_server, served, stranger):
    """Login CSRF: a page elsewhere posting its own token to /admin/login would have signed the
    operator's browser into the poster's session. Chromium says where the form came from
    (Sec-Fetch-Site: cross-site), and the hub refuses it: no session cookie is set."""

    browser = fresh
    _, token = served[2]["admin"]  # the poster's own token
    browser.get(f"{live_server}/admin/login")  # the session cookie's path is /admin
    browser.delete_all_cookies()  # an earlier test of the module signed this browser in
    _post_from(browser, stranger, f"{live_server}/admin/login", "token", token)
    assert "403" in browser.page_source  # the refusal page, not the dashboard
    browser.get(f"{live_server}/admin?lang=en")
    assert browser.get_cookie(COOKIE) is None, browser.get_cookies()
