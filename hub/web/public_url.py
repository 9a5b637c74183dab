"""The address the public reaches the hub at, when the deployment names it.

The hub writes few absolute URLs (OAI-PMH's baseURL and request element, a record's page in oai_dc), and built them from the
Host header of the request — a value the client chooses. A cache in front of the hub that does not
key on Host could then keep an answer naming another site and give it to every harvester. Behind a
TLS-terminating proxy the hub also cannot tell that the browser used HTTPS (the proxy's
X-Forwarded-Proto is trusted only from 127.0.0.1 by gunicorn), so the admin cookie went without
its Secure flag.

`HUB_PUBLIC_URL` (or the app's PUBLIC_URL), e.g. `https://hub.nrii.example.cn`, fixes both: absolute
URLs are built on it, and an https address marks the admin cookie Secure. Without it the request
names the address, as before (the demo, a laptop). It is checked when the app is made: an address
that is not `http(s)://host[:port][/path]` stops start-up with a ConfigError naming it.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from hub.errors import ConfigError

_KEY = "PUBLIC_URL"


def init_app(app) -> None:
    value = app.config.get(_KEY) or os.environ.get("HUB_PUBLIC_URL") or None
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or "?" in value or "#" in value:
            raise ConfigError("HUB_PUBLIC_URL", None, f"expected the hub's address as http(s)://host[:port][/path], got {value!r}")
        value = value.rstrip("/")
    app.config[_KEY] = value


def absolute() -> str:
    """The request's URL without its query, at the hub's public address (it carries any path prefix)."""
    base = current_app.config.get(_KEY)
    return request.base_url if base is None else base + request.path


def external(endpoint: str, **values) -> str:
    """An absolute URL of one of the hub's pages (`url_for`'s endpoint and values), at the public
    address when the deployment names it."""
    base = current_app.config.get(_KEY)
    if base is None:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)[len(request.script_root) :]


def over_https() -> bool:
    """Did the browser reach the hub over HTTPS (directly, through a trusted proxy, or by the public address)?"""
    base = current_app.config.get(_KEY)
    return request.is_secure or bool(base and base.startswith("https://"))


def from_another_site() -> bool:
    """Did a browser post this request from a page of another site? Every current browser says so in
    Sec-Fetch-Site (same-origin, same-site, cross-site, or none for an address typed); an older one
    sends Origin, compared with the public address (or the request's own). A client that sends
    neither (curl, a script) is not a browser led by another page."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    base = current_app.config.get(_KEY) or request.host_url
    ours = urlsplit(base)
    return origin != f"{ours.scheme}://{ours.netloc}"
