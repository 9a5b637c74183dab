"""Every response carries the security headers; no page needs inline script or style to work; answers
to credentialed requests are never cached (issue 12, defect 11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.auth.tokens import create_token
from hub.config import Registry
from hub.web import create_app
from hub.store.migrate import upgrade
from tests.conftest import make_store
from tests.factories import make_instruments

TEMPLATES = Path(__file__).resolve().parents[2] / "hub" / "web" / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    # Headers do not depend on the backend: one SQLite store serves the module.
    s, cleanup = make_store("sqlite", tmp_path_factory.mktemp("headers"))
    upgrade(s)
    make_instruments(s, 3)
    yield s
    cleanup()


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False}).test_client()


PAGES = [
    "/",
    "/?lang=en",
    "/instruments/370000:YQ000001",
    "/networks",
    "/networks/370000",
    "/stats",
    "/evaluations",
    "/no-such-page",
    "/api/v1/instruments",
    "/api/v1/instruments/nope",
    "/api/openapi.json",
    "/api/docs",
    "/oai?verb=Identify",
    "/admin",
    "/admin/holds",
    "/admin/login",
    "/static/ui/ui.css",
    "/stats/charts/category.svg",
]


def directives(csp: str) -> dict[str, str]:
    return {part.split()[0]: part for part in (p.strip() for p in csp.split(";")) if part}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    r = client.get(path)
    assert r.status_code < 500, path
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    csp = directives(r.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    script = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_no_template_has_inline_script_style_or_handlers(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # Jinja comments say why, they are not markup
    assert INLINE.findall(text) == []


def test_rendered_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/instruments/370000:YQ000001", "/networks/370000", "/stats", "/api/docs", "/admin/login"):
        assert INLINE.findall(client.get(path).get_data(as_text=True)) == [], path


def test_credentialed_answers_are_not_cached_and_public_ones_may_be(client, store):
    token = create_token(store, "evaluator")[1]
    assert client.get("/api/v1/evaluations", headers={"Authorization": f"Bearer {token}"}).headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/evaluations", headers={"Authorization": "Bearer garbage"}).headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/api/v1/instruments").headers.get("Cache-Control", "")
