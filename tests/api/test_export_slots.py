"""Downloads left hanging do not take the catalogue down.

An export holds a database connection for as long as its download lasts (a server-side cursor). A
client that starts many downloads and never reads them held every connection of the process's pool,
and every other visitor's search then waited 30 s for one and got a 500 (reproduced against `hub
serve`: 15 stalled exports of the demo catalogue, then search, home page and an instrument page all
answered 500 after 30.0 s). A web process now sends at most EXPORT_SLOTS exports at once; the next
one is told to come back (503 with Retry-After), and the rest of the site keeps its connections.
"""

import time

import pytest
from tests.factories import make_instruments

from hub.web import create_app

EXPORT = "/api/v1/instruments/export"
RECORDS = 450  # more than one chunk of every format's writer, so a started download holds its cursor


@pytest.fixture
def app(store):
    make_instruments(store, [{"source_id": f"LC{i:04d}", "name": f"高效液相色谱仪 {i}"} for i in range(RECORDS)])
    return create_app({"STORE": store, "TESTING": True})


def start_download(client, fmt="jsonl"):
    """A download that has begun (its first records sent) and is then left unread."""
    response = client.get(EXPORT, query_string={"format": fmt}, buffered=False)
    if response.status_code == 200:
        chunks = iter(response.response)
        next(chunks), next(chunks)  # the header or first lines, then records read through the cursor
    return response


def test_many_hanging_downloads_leave_search_working(app):
    client = app.test_client()
    hanging = [start_download(client) for _ in range(20)]
    try:
        started = [r for r in hanging if r.status_code == 200]
        refused = [r for r in hanging if r.status_code != 200]
        assert started, "no download started at all"
        assert refused, "twenty downloads at once were all let through"
        for r in refused:
            assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
            assert "export" in r.json["detail"]
        began = time.monotonic()
        search = client.get("/api/v1/instruments", query_string={"q": "液相色谱"})
        page = client.get("/instruments/" + search.json["items"][0]["id"])
        assert search.status_code == 200 and search.json["total"] == RECORDS
        assert page.status_code == 200
        assert time.monotonic() - began < 10, "the visitor waited for a connection the downloads held"
    finally:
        for r in hanging:
            r.close()
    again = client.get(EXPORT, query_string={"format": "jsonl"})
    assert again.status_code == 200 and len(again.data.splitlines()) == RECORDS


def test_a_download_closed_before_its_first_byte_frees_its_slot(store):
    make_instruments(store, [{"source_id": "LC1", "name": "高效液相色谱仪"}])
    client = create_app({"STORE": store, "TESTING": True, "EXPORT_SLOTS": 1}).test_client()
    for _ in range(3):  # never read, only closed (a client gone at once, or a HEAD)
        unread = client.get(EXPORT, query_string={"format": "csv"}, buffered=False)
        assert unread.status_code == 200
        unread.close()
    with client.head(EXPORT, query_string={"format": "csv"}) as head:
        assert head.status_code == 200
    assert client.get(EXPORT, query_string={"format": "xlsx"}).status_code == 200


def test_a_download_read_to_its_end_frees_its_slot_at_once(store):
    make_instruments(store, [{"source_id": "LC1", "name": "高效液相色谱仪"}])
    client = create_app({"STORE": store, "TESTING": True, "EXPORT_SLOTS": 1}).test_client()
    for fmt in ("csv", "jsonl", "xlsx"):  # read whole, never closed (a client that reads and lingers)
        r = client.get(EXPORT, query_string={"format": fmt}, buffered=False)
        assert r.status_code == 200, fmt
        b"".join(r.response)
