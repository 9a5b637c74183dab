"""Tokens: stored as hashes, authenticated in constant time, revoked at once; the role/network rule."""

import pytest

from hub.auth.tokens import Principal, TokenError, authenticate, check_grant, create_token, list_tokens, revoke_token
from hub.auth.web import authorise

ADMIN = Principal("a", "admin")
GD = Principal("g", "publisher", "440000")
EVAL = Principal("e", "evaluator")


@pytest.mark.parametrize(
    "principal, roles, network, expected",
    [
        pytest.param(None, ("publisher",), "440000", 401, id="anonymous"),
        pytest.param(GD, ("publisher",), "440000", None, id="publisher, own network"),
        pytest.param(GD, ("publisher",), "110000", 403, id="publisher, other network"),
        pytest.param(EVAL, ("publisher",), "440000", 403, id="evaluator pushing"),
        pytest.param(EVAL, ("evaluator",), None, None, id="evaluator evaluating"),
        pytest.param(GD, ("admin",), None, 403, id="publisher reading the audit log"),
        pytest.param(ADMIN, ("publisher",), "110000", None, id="admin acts for any network"),
        pytest.param(ADMIN, ("evaluator",), None, None, id="admin evaluates"),
    ],
)
def test_authorise(principal, roles, network, expected):
    decision = authorise(principal, roles, network)
    assert (decision[0] if decision else None) == expected


@pytest.mark.parametrize(
    "role, network, problem",
    [
        pytest.param("publisher", None, "needs --network", id="publisher without network"),
        pytest.param("publisher", "44000", "6-digit", id="publisher with a bad code"),
        pytest.param("admin", "440000", "not tied to a network", id="admin with network"),
        pytest.param("owner", None, "unknown role", id="unknown role"),
    ],
)
def test_check_grant(role, network, problem):
    with pytest.raises(TokenError, match=problem):
        check_grant(role, network)


def test_a_token_authenticates_until_revoked(store):
    info, token = create_token(store, "publisher", "440000", label="广东")
    with store.read() as conn:
        assert authenticate(conn, token) == Principal(info.id, "publisher", "440000")
        assert authenticate(conn, f"  {token} ") == Principal(info.id, "publisher", "440000")
        assert authenticate(conn, token[:-1] + ("A" if token[-1] != "A" else "B")) is None  # right id, wrong secret
        assert authenticate(conn, None) is None
    revoke_token(store, info.id)
    with store.read() as conn:
        assert authenticate(conn, token) is None
    with pytest.raises(TokenError, match="already revoked"):
        revoke_token(store, info.id)
    assert [t.active for t in list_tokens(store)] == [False]
    assert list_tokens(store, include_revoked=False) == []


def test_revoking_an_unknown_token_names_it(store):
    with pytest.raises(TokenError, match="no token with id 'deadbeef'"):
        revoke_token(store, "deadbeef")
