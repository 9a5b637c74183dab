"""The hub's web application: JSON API under /api/v1, the HTML catalogue at /, and what they share.

flaskr-style factory: nothing happens at import time; `create_app(config)` builds an app around one
`Store`. Blueprints are listed once, in BLUEPRINTS ("module:attribute" strings, imported when the app
is built); adding a part of the site is adding a line there.

Config keys (besides Flask's own):
- DATABASE_URL: the store's SQLAlchemy URL (default: hub.config.settings().database_url)
- STORE: an already-open hub.store.db.Store to use instead (tests share their fixture's store)
- TESTING: Flask's flag; unexpected exceptions propagate instead of becoming a 500 page
- ANSWERS_DIR: where the processes serving the store on this host share kept search answers
  (hub.web.api.answers; default: a directory of the system's temporary directory named after the
  store's URL; "" keeps them in each process's memory only, as tests do unless they name one)
- PUBLIC_URL: the hub's public address (hub.web.public_url; default HUB_PUBLIC_URL, else the request's)
- EXPORT_SLOTS: exports this process sends at once (hub.web.slots; default HUB_EXPORT_SLOTS, else 3)
- MAX_CONTENT_LENGTH: Flask's; the largest body of a route without a limit of its own
  (hub.web.request_body.MAX_FORM_BYTES, 1 MiB, unless given)
"""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask, current_app

#: Every blueprint of the site, in registration order. A value is "module:attribute"; the
#: attribute is a flask.Blueprint, or a flask_smorest.Blueprint registered through the API.
BLUEPRINTS = [
    "hub.web.api.catalogue:blp",
    "hub.web.api.networks:blp",
    "hub.web.feed:bp",
    "hub.web.clusters:bp",
    "hub.web.api.exports:blp",
    "hub.web.ui:bp",
    "hub.web.oai:bp",
    "hub.web.api.evaluations:blp",
    "hub.web.evaluation_pages:bp",
    "hub.web.admin:bp",
    "hub.web.steward:bp",
    "hub.web.admin_clusters:bp",
    "hub.web.api.admin:blp",
    "hub.web.health:bp",
]


def _load(spec: str):
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def create_app(config: dict | None = None) -> Flask:
    from hub.store.db import Store
    from hub.auth import web as auth_web
    from hub.web import api, errors, headers, public_url, request_body, slots, urls
    from hub.web.ui import i18n

    app = Flask(__name__)
    app.config.update(JSON_AS_ASCII=False, TESTING=False)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if config:
        app.config.update(config)
    app.config["SECRET_KEY"] = _secret_key(app.config)
    public_url.init_app(app)  # the address absolute URLs are built on (hub.web.public_url)
    request_body.init_app(app)  # no route reads a body larger than a form unless it says so
    store = app.config.get("STORE")
    if store is None:
        url = app.config.get("DATABASE_URL")
        if not url:
            from hub.config import settings

            url = settings().database_url
        app.config["DATABASE_URL"] = url
        store = Store(url)
    app.extensions["hub_store"] = store
    app.extensions["hub_answers"] = _answers(app.config, store)
    slots.init_app(app)  # how many exports this process sends at once (hub.web.slots)
    if store.dialect == "sqlite":
        _tune_sqlite_readers(store)

    import hub.search  # noqa: F401  (the index hook: any writer running in this process keeps it current)

    i18n.init_app(app)  # Flask-Babel: the templates' _() and ngettext()
    urls.init_app(app)  # before any rule is added: the bounded <int:> converter is bound then
    smorest = api.init_app(app)
    for spec in BLUEPRINTS:
        bp = _load(spec)
        if api.is_api_blueprint(bp):
            smorest.register_blueprint(bp)
        else:
            app.register_blueprint(bp)
    auth_web.init_app(app)  # the one guard in front of every view (after the language is picked)
    headers.init_app(app)
    errors.init_app(app)  # after flask-smorest, whose own HTTPException handler this replaces
    return app


def _answers(config, store):
    from hub.search import cache
    from hub.web.api.answers import Answers, code_and_configuration, default_directory

    directory = config.get("ANSWERS_DIR")
    if directory is None and not config.get("TESTING"):
        directory = default_directory(store.url)
    # Beside the whole answers, the parts they are assembled from: counts and pages kept network by
    # network, which a worker can reuse after a change another worker has not seen yet.
    cache.share(store.url, Path(directory) / "by-network" if directory else None, code_and_configuration())
    return Answers(directory or None)


def _secret_key(config) -> str:
    """The key that signs OAI-PMH resumption tokens: the app's SECRET_KEY, else HUB_SECRET_KEY.

    A missing key stops start-up: a key built into the code would let anyone forge tokens. Tests
    (TESTING) get a fresh random key per app; the demo passes its own."""
    import os
    import secrets

    from hub.errors import ConfigError

    key = config.get("SECRET_KEY") or os.environ.get("HUB_SECRET_KEY")
    if key:
        return key
    if config.get("TESTING"):
        return secrets.token_urlsafe(32)
    raise ConfigError(
        "HUB_SECRET_KEY",
        None,
        "not set: it signs OAI-PMH resumption tokens; set it to a long random string "
        "(for example `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
    )


def _tune_sqlite_readers(store) -> None:
    """Web workers mostly read: map the database file into memory and keep a larger page cache, so
    a search touches memory instead of issuing a read() per page. Added to the store's own
    connection setup (hub.store.db), for this process's connections only."""
    from sqlalchemy import event

    @event.listens_for(store.engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()


def store():
    """The Store of the current app."""
    return current_app.extensions["hub_store"]
