"""Every write is authenticated: 401 without a valid token, 403 for the wrong role or network."""

import pytest
from sqlalchemy import func, select

from hub.feed import samples
from hub.feed.batches import BATCHES
from tests.feed.conftest import auth


@pytest.fixture
def store(sqlite_store):
    # Who may do what does not depend on the backend; the batch tests run on both.
    return sqlite_store


@pytest.mark.parametrize(
    "token, network, status",
    [
        pytest.param(None, "440000", 401, id="no token"),
        pytest.param("hub_0000abcd_" + "x" * 43, "440000", 401, id="unknown token"),
        pytest.param("not-a-token", "440000", 401, id="malformed token"),
        pytest.param("revoked", "440000", 401, id="revoked token"),
        pytest.param("evaluator", "440000", 403, id="evaluator cannot push"),
        pytest.param("gd", "110000", 403, id="Guangdong cannot write Beijing"),
        pytest.param("bj", "440000", 403, id="Beijing cannot write Guangdong"),
        pytest.param("gd", "440000", 200, id="Guangdong writes Guangdong"),
        pytest.param("admin", "440000", 200, id="admin writes any network"),
    ],
)
def test_who_may_push(push, store, token, network, status):
    body = samples.guangdong_csv(3) if network == "440000" else samples.beijing_json(3)
    r = push(network, body, token=token, fmt="csv" if network == "440000" else "json")
    assert r.status_code == status, r.get_data(as_text=True)
    if status == 401:
        assert r.get_json()["status"] == 401 and "token" in r.get_json()["detail"]
    with store.read() as conn:
        batches = conn.execute(select(func.count()).select_from(BATCHES)).scalar_one()
    assert batches == (1 if status == 200 else 0)  # a refused request leaves nothing behind


def test_a_refused_push_is_not_read(client, tokens):
    # A 401 comes before the body is read: a 1 GB upload by a stranger costs nothing.
    r = client.post("/api/v1/networks/440000/batches?mode=upsert", data=b"x" * 10, headers={"Content-Length": str(10**9)})
    assert r.status_code == 401


@pytest.mark.parametrize(
    "path, method",
    [
        pytest.param("/api/v1/audit", "get", id="audit"),
        pytest.param("/api/v1/holds", "get", id="holds"),
        pytest.param("/api/v1/holds/1/confirm", "post", id="confirm a hold"),
    ],
)
@pytest.mark.parametrize("who, status", [("gd", 403), ("evaluator", 403), (None, 401)])
def test_admin_only_endpoints(client, tokens, path, method, who, status):
    r = getattr(client, method)(path, headers=auth(tokens.get(who)))
    assert r.status_code == status


def test_a_publisher_reads_only_its_own_reports(push, client, tokens):
    r = push("440000", samples.guangdong_csv(2))
    location = r.headers["Location"]
    assert client.get(location, headers=auth(tokens["gd"])).status_code == 200
    assert client.get(location, headers=auth(tokens["bj"])).status_code == 403
    assert client.get(location, headers=auth(tokens["admin"])).status_code == 200
    other = location.replace("/440000/", "/110000/")
    assert client.get(other, headers=auth(tokens["bj"])).status_code == 404


def test_reading_the_catalogue_needs_no_token(push, client):
    push("440000", samples.guangdong_csv(2))
    r = client.get(f"/api/v1/instruments/440000:{samples.gd_id(0)}")
    assert r.status_code == 200 and r.get_json()["name"] == "液相色谱仪"
