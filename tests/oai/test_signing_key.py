"""Resumption tokens are signed with a configured key; without one the web app does not start
(a key built into the code would let anyone forge tokens)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from itsdangerous import BadSignature, URLSafeSerializer

from hub.errors import ConfigError
from hub.web import create_app
from hub.web.oai import _serializer

ROOT = Path(__file__).resolve().parents[2]


def test_no_key_is_a_start_up_error(sqlite_store, monkeypatch):
    monkeypatch.delenv("HUB_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="HUB_SECRET_KEY"):
        create_app({"STORE": sqlite_store})


def test_hub_serve_refuses_to_start_without_a_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HUB_SECRET_KEY"}
    env["HUB_DATABASE_URL"] = f"sqlite:///{tmp_path}/hub.sqlite"
    done = subprocess.run(
        [sys.executable, "-c", "from hub.cli import main; main()", "serve", "--port", "8999"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr  # a configuration error (hub/cli/exit_codes.py)
    assert "HUB_SECRET_KEY" in done.stderr


def test_tokens_are_signed_with_the_configured_key(sqlite_store, monkeypatch):
    monkeypatch.setenv("HUB_SECRET_KEY", "k" * 40)
    app = create_app({"STORE": sqlite_store})
    mine = URLSafeSerializer("k" * 40, salt="oai-resumption-token").dumps({"last": "x"})
    forged = URLSafeSerializer("hub-oai", salt="oai-resumption-token").dumps({"last": "x"})
    with app.app_context():
        assert _serializer().loads(mine) == {"last": "x"}
        with pytest.raises(BadSignature):
            _serializer().loads(forged)  # the old built-in key signs nothing any more
