"""The hub's own address comes from its configuration, not from the Host header a client sent.

Against `hub serve`, `curl -H 'Host: evil.example' '/oai?verb=Identify'` answered
`<baseURL>http://evil.example/oai</baseURL>`: OAI-PMH writes the only absolute URLs the hub gives
out, and they were built from whatever Host the client chose. A cache in front of the hub that does
not key on Host (nginx's default proxy_cache_key names the upstream, not the client's Host) then
hands harvesters a baseURL pointing elsewhere. And behind a TLS-terminating proxy on another host,
the admin cookie had no Secure flag: the proxy's X-Forwarded-Proto is trusted only from 127.0.0.1
(gunicorn's forwarded_allow_ips), and SESSION_COOKIE_SECURE, which the docs offered, could not be
set for `hub.web.wsgi:app`. HUB_PUBLIC_URL (or the app's PUBLIC_URL) now names the address: the
absolute URLs are built on it, and an https address makes the admin cookie Secure.
"""

from __future__ import annotations

import pytest
from lxml import etree

from hub.auth.tokens import create_token
from hub.errors import ConfigError
from hub.web import create_app

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}
PUBLIC = "https://hub.nrii.example.cn"


def oai(client, host, **args):
    r = client.get("/oai", query_string=args, headers={"Host": host})
    assert r.status_code == 200
    return etree.fromstring(r.data)


def test_a_client_chosen_host_never_becomes_the_base_url(sqlite_store):
    client = create_app({"STORE": sqlite_store, "TESTING": True, "PUBLIC_URL": PUBLIC}).test_client()
    doc = oai(client, "evil.example", verb="Identify")
    assert doc.findtext("o:Identify/o:baseURL", namespaces=NS) == f"{PUBLIC}/oai"
    assert doc.findtext("o:request", namespaces=NS) == f"{PUBLIC}/oai"
    error = oai(client, "evil.example", verb="Nonsense")
    assert error.findtext("o:request", namespaces=NS) == f"{PUBLIC}/oai"


def test_a_record_s_page_in_dublin_core_is_at_the_public_address_and_its_path_prefix(sqlite_store):
    from tests.factories import make_instruments

    (iid,) = make_instruments(sqlite_store, [{}])
    client = create_app({"STORE": sqlite_store, "TESTING": True, "PUBLIC_URL": PUBLIC + "/catalogue"}).test_client()
    r = client.get(
        "/oai",
        query_string={"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:hub.nrii.example.cn:{iid}"},
        headers={"Host": "evil.example"},
    )
    doc = etree.fromstring(r.data)
    links = doc.xpath("//dc:identifier/text()", namespaces={"dc": "http://purl.org/dc/elements/1.1/"})
    assert links == [iid, f"{PUBLIC}/catalogue/instruments/{iid}"], links


def test_from_the_environment_as_gunicorn_runs_the_app(sqlite_store, monkeypatch):
    monkeypatch.setenv("HUB_PUBLIC_URL", PUBLIC + "/")
    client = create_app({"STORE": sqlite_store, "TESTING": True}).test_client()
    assert oai(client, "evil.example", verb="Identify").findtext("o:Identify/o:baseURL", namespaces=NS) == f"{PUBLIC}/oai"


def test_without_it_the_request_names_the_address_as_before(sqlite_store, monkeypatch):
    monkeypatch.delenv("HUB_PUBLIC_URL", raising=False)
    client = create_app({"STORE": sqlite_store, "TESTING": True}).test_client()
    assert oai(client, "hub.local:8000", verb="Identify").findtext("o:Identify/o:baseURL", namespaces=NS) == "http://hub.local:8000/oai"


@pytest.mark.parametrize(
    "value", ["hub.nrii.example.cn", "ftp://hub.example.cn", "https://", "https://hub.example.cn/?x=1", "https://hub.example.cn/#a"]
)
def test_an_address_that_is_not_one_stops_start_up(sqlite_store, value):
    with pytest.raises(ConfigError, match="HUB_PUBLIC_URL"):
        create_app({"STORE": sqlite_store, "TESTING": True, "PUBLIC_URL": value})


def test_an_https_address_makes_the_admin_cookie_secure_behind_a_proxy(sqlite_store):
    _, token = create_token(sqlite_store, "admin")
    app = create_app({"STORE": sqlite_store, "TESTING": True, "PUBLIC_URL": PUBLIC, "FEED_WORKER": False})
    # The proxy ends TLS and talks plain HTTP to the hub, from another host (no trusted X-Forwarded-Proto).
    r = app.test_client(use_cookies=False).post("/admin/login", data={"token": token}, base_url="http://10.0.0.7:8000")
    assert r.status_code == 303
    assert "Secure" in r.headers["Set-Cookie"]


def test_an_https_address_makes_the_language_cookie_secure_too(sqlite_store):
    # It holds only the reader's language, but a cookie a page sets over HTTPS is never sent in clear.
    app = create_app({"STORE": sqlite_store, "TESTING": True, "PUBLIC_URL": PUBLIC, "FEED_WORKER": False})
    r = app.test_client(use_cookies=False).get("/?lang=en", base_url="http://10.0.0.7:8000")
    assert r.status_code == 200 and "lang=en" in r.headers["Set-Cookie"] and "Secure" in r.headers["Set-Cookie"]
    plain = create_app({"STORE": sqlite_store, "TESTING": True, "FEED_WORKER": False})
    r = plain.test_client(use_cookies=False).get("/?lang=en", base_url="http://127.0.0.1:8000")
    assert "Secure" not in r.headers["Set-Cookie"], "over plain HTTP a Secure cookie would never come back"
