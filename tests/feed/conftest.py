"""A real app around the `store` fixture, tokens of every kind, and a helper to push a batch."""

from __future__ import annotations

import dataclasses

import pytest

from hub.auth.tokens import create_token, revoke_token
from hub.config import Registry, Settings
from hub.store.networks import sync_networks
from hub.web import create_app
from tests.conftest import auth


@pytest.fixture
def registry():
    return Registry.load()


@pytest.fixture
def feed_settings(tmp_path):
    base = Settings.load(tmp_path / "absent.yaml")  # the defaults, whatever conf/settings.yaml says
    return dataclasses.replace(base, withdrawal={"max_share": 0.2, "min_listing": 1})


@pytest.fixture
def app(store, registry, feed_settings):
    sync_networks(store, registry)
    return create_app(
        {
            "STORE": store,
            "TESTING": True,
            "REGISTRY": registry,
            "SETTINGS": feed_settings,
            "FEED_LIMITS": {"max_body_bytes": 8 * 1024 * 1024, "async_records": 5000},
        }
    )


@pytest.fixture
def tokens(store):
    """role name → token: admin, gd (publisher 440000), bj (publisher 110000), evaluator, revoked."""
    out = {
        "admin": create_token(store, "admin")[1],
        "gd": create_token(store, "publisher", "440000")[1],
        "bj": create_token(store, "publisher", "110000")[1],
        "evaluator": create_token(store, "evaluator")[1],
    }
    info, out["revoked"] = create_token(store, "publisher", "440000")
    revoke_token(store, info.id)
    return out


CONTENT_TYPES = {"csv": "text/csv", "json": "application/json", "xml": "application/xml"}


@pytest.fixture
def push(client, tokens):
    """push(network, body, mode=…, token=…, key=…, fmt=…, **query) → response."""

    def _push(network, body, *, mode="upsert", token="gd", key=None, fmt="csv", **query):
        params = "&".join(f"{k}={v}" for k, v in {"mode": mode, **query}.items() if v is not None)
        headers = {"Content-Type": CONTENT_TYPES[fmt], **auth(tokens.get(token, token))}
        if key:
            headers["Idempotency-Key"] = key
        return client.post(f"/api/v1/networks/{network}/batches?{params}", data=body, headers=headers)

    return _push
