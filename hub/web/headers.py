"""Security headers on every response, and no caching of anything that carries credentials.

* Content-Security-Policy: everything from the hub itself, no inline script or style, no plugins,
  no framing (`frame-ancestors 'none'`), forms post only to the hub. Pages keep their scripts and
  styles in hub/web/static. A view may narrow or widen one directive for its own response by setting
  the header itself (the evaluation report.html is a self-contained file with an inline stylesheet).
* X-Content-Type-Options: nosniff; Referrer-Policy: same-origin (a search URL never leaves the hub);
  X-Frame-Options: DENY for browsers older than frame-ancestors.
* Cache-Control: no-store on the dashboard (/admin, /api/v1/admin) and on every response to a request
  that carried a bearer token or the admin cookie: such answers may hold non-public data, and no
  shared or browser cache should keep them.
"""

from __future__ import annotations

from flask import request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: SVG charts carry their own <style> element and nothing else: no script of any kind.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
#: A downloadable, self-contained report (evaluation report.html): its inline stylesheet and images, no script.
SELF_CONTAINED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_PRIVATE_PREFIXES = ("/admin", "/api/v1/admin")


def private_request() -> bool:
    """Did this request carry credentials, or ask for the dashboard?"""
    from hub.auth.web import COOKIE

    return request.path.startswith(_PRIVATE_PREFIXES) or "Authorization" in request.headers or COOKIE in request.cookies


def add_headers(response):
    if response.mimetype == "image/svg+xml":
        response.headers.setdefault("Content-Security-Policy", SVG_CSP)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if private_request():
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.after_request(add_headers)
