"""hbkx-json wire format, login and tokens, paging, updatedSince, rate limit (hbkx-json.md)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from hub.simulate import SimulatorServer


def login(base, key="hub", secret="hub-secret"):
    """Log in as a polite client: the login counts against Hubei's 10 requests a second too."""
    for _ in range(5):
        r = requests.post(f"{base}/api/v3/auth/token", json={"appKey": key, "appSecret": secret}, timeout=10)
        if r.status_code != 429:
            return r.json()
        time.sleep(float(r.headers["Retry-After"]))
    raise AssertionError("still rate limited")


def get(base, token, path="/api/v3/instruments", **params):
    """One polite request: Hubei answers 429 beyond 10 requests a second, so wait and retry as told."""
    for _ in range(5):
        r = requests.get(f"{base}{path}", params=params, headers={"X-Auth-Token": token}, timeout=30)
        if r.status_code != 429:
            return r
        time.sleep(float(r.headers["Retry-After"]))
    raise AssertionError("still rate limited")


@pytest.fixture()
def hubei(sim):
    base = sim.base_url("420000")
    return base, login(base)["data"]["token"]


@pytest.mark.parametrize("key,secret", [("hub", "nope"), ("nobody", "hub-secret")], ids=["bad secret", "bad key"])
def test_wrong_key_is_40100_in_a_200(sim, key, secret):
    assert login(sim.base_url("420000"), key, secret) == {"code": 40100, "msg": "invalid appKey"}


def test_login_and_record_shape(hubei):
    base, token = hubei
    body = get(base, token, pageNo=1, pageSize=200).json()
    assert body["code"] == 0
    data = body["data"]
    assert data["total"] == 3500 and data["pageSize"] == 200 and len(data["list"]) == 200
    row = data["list"][0]
    assert set(row) == {
        "id",
        "instrumentName",
        "instrumentNameEn",
        "categoryName",
        "modelSpec",
        "manufacturer",
        "originCountry",
        "originalValue",
        "purchaseDate",
        "org",
        "location",
        "techSpecs",
        "mainFunctions",
        "serviceItems",
        "feeStandard",
        "bookingUrl",
        "contact",
        "status",
        "shareStatus",
        "cmaCertified",
        "updateTime",
        "deleted",
    }
    rows = data["list"]
    # Hubei gives nearly every value (fill_rates.csv); a value typed in 万元 by mistake is 10⁴ too small
    given = [r["originalValue"] for r in rows if r["originalValue"] is not None]
    assert len(given) >= 0.95 * len(rows) and all(isinstance(v, float) for v in given)
    assert all(v >= 100_000 or v < 10_000 for v in given) and sum(v >= 100_000 for v in given) >= 0.98 * len(given)
    assert {r["org"]["type"] for r in rows} <= {1, 2, 3, 4} and {r["status"] for r in rows} <= {1, 2, 3, 4}
    assert any("level" not in r["org"] for r in rows) and not any(r["deleted"] for r in rows)
    assert any(r["bookingUrl"] is None for r in rows)


def test_paging_covers_every_record_once(hubei):
    base, token = hubei
    seen, page = [], 1
    while True:
        data = get(base, token, pageNo=page, pageSize=200).json()["data"]
        seen += [r["id"] for r in data["list"]]
        if page * data["pageSize"] >= data["total"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 3500


def test_page_size_is_capped():
    with SimulatorServer(networks=["520000", "340000"], scale=0.1) as sim:  # Guizhou caps at 50; Anhui sends strings
        base = sim.base_url("520000")
        data = get(base, login(base)["data"]["token"], pageNo=1, pageSize=200).json()["data"]
        assert data["pageSize"] == 50 and len(data["list"]) == 50
        base = sim.base_url("340000")
        rows = get(base, login(base)["data"]["token"], pageNo=1, pageSize=20).json()["data"]["list"]
        given = [r["originalValue"] for r in rows if r["originalValue"] is not None]
        assert given and all(isinstance(v, str) and float(v) > 0 for v in given)


def test_updated_since_returns_changes_and_deletions(sim, hubei):
    base, token = hubei
    since = int(time.time() * 1000)
    assert get(base, token, pageNo=1, pageSize=200, updatedSince=since).json()["data"]["total"] == 0
    sim.mutate("420000", update=2, delete=1, add=1)
    rows = get(base, token, pageNo=1, pageSize=200, updatedSince=since).json()["data"]["list"]
    assert len(rows) == 4 and sum(r["deleted"] for r in rows) == 1
    assert all(r["updateTime"] > since for r in rows)
    gone = next(r["id"] for r in rows if r["deleted"])
    full = []
    for page in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18):
        full += get(base, token, pageNo=page, pageSize=200).json()["data"]["list"]
    assert gone not in {r["id"] for r in full} and len(full) == 3500


def test_token_expiry(sim, hubei):
    base, token = hubei
    sim.set_fault("420000", "token_expiry", requests=1)
    assert get(base, token, pageNo=1, pageSize=1).json() == {"code": 40101, "msg": "token expired"}
    fresh = login(base)["data"]["token"]
    assert get(base, fresh, pageNo=1, pageSize=1).json()["code"] == 0
    assert get(base, fresh, pageNo=1, pageSize=1).json()["code"] == 40101


def test_rate_limit_gives_429_with_retry_after(sim, hubei):
    """Requests as fast as four clients can send them until Hubei refuses one (no fixed count that a
    slow machine might spread over more than a second); then check what was let through."""
    base, token = hubei
    url = f"{base}/api/v3/instruments?pageNo=1&pageSize=1"
    session = requests.Session()
    answers = []  # (sent, answered, response)

    def one(_):
        sent = time.monotonic()
        r = session.get(url, headers={"X-Auth-Token": token}, timeout=30)
        return sent, time.monotonic(), r

    # Earlier tests' requests may still fill the one-second window: let it empty, so the burst
    # starts with requests that must be let through.
    time.sleep(1.1)
    deadline = time.monotonic() + 60
    with ThreadPoolExecutor(4) as pool:
        while not any(r.status_code == 429 for *_, r in answers):
            assert time.monotonic() < deadline, "no 429 within 60 s of requests as fast as possible"
            answers += pool.map(one, range(8))
    limited = [r for *_, r in answers if r.status_code == 429]
    assert limited[0].headers["Retry-After"] == "1"
    assert {r.status_code for *_, r in answers} == {200, 429}
    # Never more than 10 let through in a second: any 11 accepted requests span at least a second
    # from the earliest sending to the latest answer (each arrived in between).
    ok = sorted((sent, answered) for sent, answered, r in answers if r.status_code == 200)
    for i in range(len(ok) - 10):
        assert max(answered for _, answered in ok[i : i + 11]) - ok[i][0] >= 1.0
    # A client that waits as told is served again.
    assert get(base, token, pageNo=1, pageSize=1).status_code == 200


def test_server_fault_is_an_html_500(sim, hubei):
    base, token = hubei
    sim.set_fault("420000", "http_error", status=500, count=1)
    r = get(base, token, pageNo=1, pageSize=1)
    assert r.status_code == 500 and r.headers["Content-Type"].startswith("text/html") and "<html" in r.text
    assert get(base, token, pageNo=1, pageSize=1).status_code == 200


def test_service_records_are_paged(hubei):
    base, token = hubei
    first = get(base, token, "/api/v3/service-records", year=2012, pageNo=1, pageSize=200).json()["data"]
    second = get(base, token, "/api/v3/service-records", year=2012, pageNo=2, pageSize=200).json()["data"]
    assert first["total"] > 10_000 and len(first["list"]) == len(second["list"]) == 200
    ids = [r["id"] for r in first["list"] + second["list"]]
    assert ids == list(range(ids[0], ids[0] + 400))
    row = first["list"][0]
    assert set(row) == {
        "id",
        "instrumentId",
        "serviceDate",
        "userOrgName",
        "userType",
        "external",
        "hours",
        "samples",
        "fee",
        "satisfaction",
    }
    assert {r["userType"] for r in first["list"]} <= {"企业", "高校", "科研院所", "个人", "其他"}
