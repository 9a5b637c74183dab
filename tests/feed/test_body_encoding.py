"""How a pushed body may arrive: gzip-compressed (inflated within the body limit, a bomb refused
before it inflates), or a byte-order mark followed by garbage (a 400 naming the byte, not a 500)."""

import gzip
import time
import tracemalloc

import pytest
from sqlalchemy import func, select

from hub.feed import samples
from hub.feed.batches import BATCHES
from hub.harvest.writer import INSTRUMENTS
from tests.feed.conftest import auth
from tests.hostile.corpus import BOM_THEN_GARBAGE, LEAK_MARKERS, gzip_bomb


@pytest.fixture
def store(sqlite_store):  # the answers do not depend on the backend
    return sqlite_store


def _post(client, tokens, body, *, encoding=None, content_type="application/json"):
    headers = {"Content-Type": content_type, **auth(tokens["bj"])}
    if encoding:
        headers["Content-Encoding"] = encoding
    return client.post("/api/v1/networks/110000/batches?mode=upsert", data=body, headers=headers)


def _count(store, table):
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "identity, gzip"])
def test_a_gzip_body_is_inflated_and_applied(client, tokens, store, encoding):
    r = _post(client, tokens, gzip.compress(samples.beijing_json(7)), encoding=encoding)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["counts"]["created"] == 7 and _count(store, INSTRUMENTS) == 7


def test_a_gzip_bomb_is_refused_with_413_without_inflating_it(app, client, tokens, store):
    app.config["FEED_LIMITS"] = {"max_body_bytes": 1024 * 1024}
    bomb = gzip_bomb(64 * 1024 * 1024)  # 64 MiB of zeros in about 64 kB
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    started = time.monotonic()
    r = _post(client, tokens, bomb, encoding="gzip")
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert r.status_code == 413 and "inflated from gzip" in r.get_json()["detail"]
    assert peak < 16 * 1024 * 1024, f"{peak / 2**20:.0f} MiB while refusing a bomb"
    assert seconds < 5 and _count(store, BATCHES) == 0


@pytest.mark.parametrize("encoding", ["br", "deflate", "gzip, gzip", "compress"])
def test_other_content_encodings_get_415_saying_what_is_accepted(client, tokens, store, encoding):
    r = _post(client, tokens, samples.beijing_json(1), encoding=encoding)
    assert r.status_code == 415 and "gzip" in r.get_json()["detail"]
    assert _count(store, BATCHES) == 0


@pytest.mark.parametrize(
    "body, words",
    [
        pytest.param(b"this is not gzip", "not valid gzip", id="not gzip"),
        pytest.param(gzip.compress(samples.beijing_json(3))[:-12], "truncated", id="truncated gzip"),
    ],
)
def test_a_broken_gzip_body_gets_400(client, tokens, store, body, words):
    r = _post(client, tokens, body, encoding="gzip")
    assert r.status_code == 400 and words in r.get_json()["detail"]


@pytest.mark.parametrize("name", sorted(BOM_THEN_GARBAGE))
@pytest.mark.parametrize("content_type", ["application/json", "text/csv"])
def test_a_bom_followed_by_garbage_gets_400_naming_the_byte(client, tokens, store, name, content_type):
    r = _post(client, tokens, BOM_THEN_GARBAGE[name] + b'[{"innerId": "A"}]', content_type=content_type)
    text = r.get_data(as_text=True)
    assert r.status_code == 400, text
    assert "byte-order mark" in r.get_json()["detail"] and r.get_json()["line"] == 1
    assert not [m for m in LEAK_MARKERS if m in text]
