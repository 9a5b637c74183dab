"""Tokens expire when told to (`hub token create --expires 90d`) and an expired token gets a 401 that
says so; a publisher token is only for a network that pushes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from hub.auth.models import ApiToken
from hub.auth.tokens import TokenError, create_token, list_tokens, parse_expiry
from hub.cli import cli as main
from hub.config import Registry
from hub.clock import now
from hub.web import create_app

AT = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("90d", AT + timedelta(days=90), id="days"),
        pytest.param("12h", AT + timedelta(hours=12), id="hours"),
        pytest.param("2w", AT + timedelta(weeks=2), id="weeks"),
        pytest.param("2027-06-30", datetime(2027, 6, 30, tzinfo=timezone.utc), id="a date"),
    ],
)
def test_parse_expiry(text, expected):
    assert parse_expiry(text, at=AT) == expected


@pytest.mark.parametrize(
    "text, problem",
    [
        pytest.param("0d", "longer", id="zero"),
        pytest.param("2020-01-01", "passed", id="past date"),
        pytest.param("soon", "expected a duration", id="words"),
        pytest.param("90", "expected a duration", id="no unit"),
    ],
)
def test_parse_expiry_refuses(text, problem):
    with pytest.raises(TokenError, match=problem):
        parse_expiry(text, at=AT)


@pytest.fixture
def client(store):
    return create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load(), "FEED_WORKER": False}).test_client()


def test_an_expired_token_gets_a_401_that_says_so(client, store):
    info, token = create_token(store, "admin", expires_at=now() + timedelta(days=90))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit", headers=headers).status_code == 200
    with store.write() as conn:
        conn.execute(update(ApiToken.__table__).values(expires_at=now() - timedelta(minutes=1)))
    for path in ("/api/v1/audit", "/api/v1/evaluations"):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, path
        assert f"token {info.id} expired at" in r.get_json()["detail"], r.get_json()
        assert r.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert [t.active for t in list_tokens(store)] == [False]
    assert client.post("/admin/login", data={"token": token}).status_code == 401


def test_a_revoked_token_gets_a_401_that_says_so(client, store):
    from hub.auth.tokens import revoke_token

    info, token = create_token(store, "evaluator")
    revoke_token(store, info.id)
    r = client.get("/api/v1/evaluations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and f"token {info.id} was revoked" in r.get_json()["detail"]


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite")
    return CliRunner()


def test_token_create_with_expires_stores_it_and_list_shows_it(cli_store):
    r = cli_store.invoke(main, ["token", "create", "--role", "evaluator", "--expires", "90d"])
    assert r.exit_code == 0, r.output
    assert "expires" in r.stderr
    listed = cli_store.invoke(main, ["token", "list"])
    assert (now() + timedelta(days=90)).strftime("%Y-%m-%d") in listed.output and "active" in listed.output
    bad = cli_store.invoke(main, ["token", "create", "--role", "evaluator", "--expires", "someday"])
    assert bad.exit_code == 2 and "expected a duration" in bad.output


def test_no_publisher_token_for_a_pulled_network(cli_store):
    registry = Registry.load()
    pulled = next(n.code for n in registry if n.pulled)
    r = cli_store.invoke(main, ["token", "create", "--role", "publisher", "--network", pulled])
    assert r.exit_code == 2 and "harvested by the hub" in r.output
    pushed = next(n.code for n in registry if not n.pulled)
    assert cli_store.invoke(main, ["token", "create", "--role", "publisher", "--network", pushed]).exit_code == 0
