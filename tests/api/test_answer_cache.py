"""Whole search answers are kept until the catalogue changes (hub/web/api/answers.py): a repeated
question is not searched again, its ETag answers 304, and every change a user could see in the
answer — a document, a record's last sighting, a write that says records show otherwise — gives a
new answer at once."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from tests.conftest import BACKENDS, make_store
from tests.factories import change, make_corpus, make_instruments, withdraw

from hub.dedup import store as dedup
from hub.exports.record import RECORD_SELECT, to_record
from hub.store.hooks import records_shown_changed
from hub.store.listings import settle
from hub.store.migrate import upgrade
from hub.store.models import Instrument, OwnerUnit
from hub.web import create_app
from hub.web.api import catalogue

_I = Instrument.__table__


@pytest.fixture(params=BACKENDS)
def app_store(request, tmp_path):
    store, cleanup = make_store(request.param, tmp_path)
    upgrade(store)
    make_corpus(store)
    yield create_app({"STORE": store, "TESTING": True}).test_client(), store
    cleanup()


@pytest.fixture
def searches(monkeypatch):
    """How many times the view really searched."""
    calls = []
    real = catalogue.search

    def counted(conn, params):
        calls.append(params)
        return real(conn, params)

    monkeypatch.setattr(catalogue, "search", counted)
    return calls


def fresh(store, instrument_id) -> dict:
    with store.read() as conn:
        return to_record(conn.execute(RECORD_SELECT.where(_I.c.id == instrument_id)).one())


def item(body, instrument_id) -> dict:
    return next(i for i in body["items"] if i["id"] == instrument_id)


def test_a_repeated_question_is_answered_from_the_kept_answer(app_store, searches):
    client, _ = app_store
    first = client.get("/api/v1/instruments", query_string={"q": "色谱"})
    again = client.get("/api/v1/instruments", query_string={"q": "色谱"})
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert len(searches) == 1, "the repeated question was searched again"
    other = client.get("/api/v1/instruments", query_string={"q": "色谱", "page_size": 2})
    assert len(other.json["items"]) == 2 and len(searches) == 2  # another question is another answer


def test_the_etag_answers_304_until_the_catalogue_changes(app_store, searches):
    client, store = app_store
    first = client.get("/api/v1/instruments", query_string={"q": "色谱"})
    tag = first.headers["ETag"]
    same = client.get("/api/v1/instruments", query_string={"q": "色谱"}, headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.headers["ETag"] == tag and not same.get_data()
    # The tag as a compressing proxy passes it on, weak: compared weakly, as RFC 9110 has If-None-Match compared.
    weak = client.get("/api/v1/instruments", query_string={"q": "色谱"}, headers={"If-None-Match": f"W/{tag}"})
    assert weak.status_code == 304
    assert len(searches) == 1

    withdraw(store, [first.json["items"][0]["id"]], reason="deleted at source")
    after = client.get("/api/v1/instruments", query_string={"q": "色谱"}, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert after.json["total"] == first.json["total"] - 1
    assert first.json["items"][0]["id"] not in [i["id"] for i in after.json["items"]]


def test_a_changed_document_is_shown_changed(app_store):
    client, store = app_store
    body = client.get("/api/v1/instruments", query_string={"q": "色谱"}).json
    target = body["items"][0]["id"]
    change(store, target, model="NEW-MODEL-9")
    shown = item(client.get("/api/v1/instruments", query_string={"q": "色谱"}).json, target)
    assert shown["model"] == "NEW-MODEL-9" == fresh(store, target)["model"]


def test_a_settled_listing_moves_the_last_sighting_shown(app_store):
    client, store = app_store
    body = client.get("/api/v1/instruments", query_string={"q": "色谱"}).json
    target = body["items"][0]["id"]
    before = item(body, target)["provenance"]["last_seen"]
    with store.write() as conn:
        settle(conn, target.split(":")[0], None, [], datetime(2030, 1, 2, tzinfo=timezone.utc))
    shown = item(client.get("/api/v1/instruments", query_string={"q": "色谱"}).json, target)["provenance"]["last_seen"]
    assert shown == fresh(store, target)["provenance"]["last_seen"] == "2030-01-02T00:00:00Z" != before


def test_a_write_that_tells_records_show_otherwise_is_shown_at_once(app_store):
    client, store = app_store
    body = client.get("/api/v1/instruments", query_string={"q": "色谱"}).json
    target = item(body, body["items"][0]["id"])
    with store.write() as conn:
        owner_id = conn.execute(select(_I.c.owner_id).where(_I.c.id == target["id"])).scalar_one()
        # A write outside the index that changes what records show says so (hub.store.hooks).
        conn.execute(update(OwnerUnit.__table__).where(OwnerUnit.__table__.c.id == owner_id).values(credit_code="91370000MA3C5XYZ1K"))
        records_shown_changed(conn, [target["network"]])
    shown = item(client.get("/api/v1/instruments", query_string={"q": "色谱"}).json, target["id"])
    assert shown["owner"]["credit_code"] == "91370000MA3C5XYZ1K" == fresh(store, target["id"])["owner"]["credit_code"]


def test_processes_serving_one_store_share_their_answers(app_store, tmp_path, searches):
    _, store = app_store
    # Two apps as two gunicorn workers would build them, sharing one answers directory.
    config = {"STORE": store, "TESTING": True, "ANSWERS_DIR": str(tmp_path / "answers")}
    first, second = (create_app(config).test_client() for _ in range(2))
    asked = first.get("/api/v1/instruments", query_string={"q": "电镜"})
    shared = second.get("/api/v1/instruments", query_string={"q": "电镜"})
    assert shared.get_data() == asked.get_data() and len(searches) == 1, "the second process searched again"

    withdraw(store, [asked.json["items"][0]["id"]], reason="deleted at source")
    after = [client.get("/api/v1/instruments", query_string={"q": "电镜"}).json for client in (second, first)]
    assert after[0] == after[1] and after[0]["total"] == asked.json["total"] - 1
    assert len(searches) == 2  # searched once more, by the first process to be asked, and shared again


def _recreated(store):
    """The store removed and created again, empty, at the same URL (a demo store built anew)."""
    store.dispose()
    if store.dialect == "sqlite":
        Path(store.engine.url.database).unlink()
    else:
        schema = store.engine.url.query["options"].split("=", 1)[1]
        with store.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        store.dispose()
    upgrade(store)
    return store


def test_a_store_created_again_at_the_same_url_is_never_served_the_old_ones_answers(app_store, tmp_path):
    _, store = app_store
    config = {"STORE": store, "TESTING": True, "ANSWERS_DIR": str(tmp_path / "answers")}
    first_id, second_id = make_corpus_ids(store)[:2]
    ask = {"network": first_id.split(":", 1)[0], "page_size": 100}
    change(store, first_id, name="旧库里的名字")
    before = create_app(config).test_client().get("/api/v1/instruments", query_string=ask)
    assert "旧库里的名字" in before.get_data(as_text=True)

    # Built again the same way, but another record renamed: the index versions are the same as before.
    _recreated(store)
    make_corpus(store)
    change(store, second_id, name="新库里的名字")
    after = create_app(config).test_client().get("/api/v1/instruments", query_string=ask)
    assert "新库里的名字" in after.get_data(as_text=True) and "旧库里的名字" not in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_store_created_again_at_the_same_url_is_counted_and_ranked_afresh(store, tmp_path):
    """Its index versions start over: one batch of 370000 is version 1 in both stores. Counts, ranked
    pages and the lexicon kept in this process's memory were the old store's (total 3, no items)."""
    make_instruments(store, [{"name": f"旧液相色谱仪{i}"} for i in range(3)], network="370000")
    config = {"STORE": store, "TESTING": True, "ANSWERS_DIR": str(tmp_path / "answers")}
    asked = ({"network": "370000"}, {"q": "色谱"})
    for ask in asked:
        assert create_app(config).test_client().get("/api/v1/instruments", query_string=ask).json["total"] == 3

    _recreated(store)
    make_instruments(store, [{"name": f"新气相色谱仪{i}"} for i in range(5)], network="370000")
    client = create_app({**config, "ANSWERS_DIR": str(tmp_path / "answers-of-the-new-store")}).test_client()
    for ask in asked:
        answer = client.get("/api/v1/instruments", query_string=ask).json
        assert answer["total"] == 5, ask
        assert sorted(i["name"] for i in answer["items"]) == [f"新气相色谱仪{i}" for i in range(5)], ask


def make_corpus_ids(store) -> list[str]:
    """The corpus's ids of one network, in id order."""
    with store.read() as conn:
        first = conn.execute(select(_I.c.network).order_by(_I.c.id).limit(1)).scalar_one()
        return list(conn.execute(select(_I.c.id).where(_I.c.network == first).order_by(_I.c.id)).scalars())


def _in(store, network: str) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(select(_I.c.id).where(_I.c.network == network).order_by(_I.c.id)).scalars())


def test_an_answer_confined_to_one_network_stands_while_another_network_changes(app_store, searches):
    client, store = app_store
    first = client.get("/api/v1/instruments", query_string={"network": "370000"})
    tag = first.headers["ETag"]

    change(store, _in(store, "420000")[0], model="ELSEWHERE-1")  # a harvest's batch in another province
    again = client.get("/api/v1/instruments", query_string={"network": "370000"}, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["ETag"] == tag and len(searches) == 1
    assert client.get("/api/v1/instruments", query_string={"network": "370000"}).get_data() == first.get_data()
    assert len(searches) == 1, "a change in another network searched the confined question again"

    target = first.json["items"][0]["id"]
    change(store, target, model="HERE-2")
    after = client.get("/api/v1/instruments", query_string={"network": "370000"}, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag and len(searches) == 2
    assert item(after.json, target)["model"] == "HERE-2" == fresh(store, target)["model"]


def test_a_confined_answer_that_read_every_networks_names_follows_every_network(app_store, searches):
    client, store = app_store
    # Few results, so the question was checked for a slip against every network's names.
    asked = {"network": "370000", "q": "色谱"}
    first = client.get("/api/v1/instruments", query_string=asked)
    assert first.json["total"] < 10
    change(store, _in(store, "420000")[0], model="ELSEWHERE-1")
    again = client.get("/api/v1/instruments", query_string=asked, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"] and len(searches) == 2
    assert client.get("/api/v1/instruments", query_string=asked).headers["ETag"] == again.headers["ETag"]
    assert len(searches) == 2  # then kept under the whole catalogue's state, as any answer


def test_a_confined_answer_shows_at_once_that_another_network_lists_the_same_instrument(app_store):
    client, store = app_store
    mine, theirs = _in(store, "370000")[0], _in(store, "420000")[0]
    before = item(client.get("/api/v1/instruments", query_string={"network": "370000"}).json, mine)
    dedup.decide(store, "confirm", mine, theirs, actor="test")  # changes the clusters, not 370000's records
    after = item(client.get("/api/v1/instruments", query_string={"network": "370000", "all_sources": "true"}).json, mine)
    shown = item(client.get("/api/v1/instruments", query_string={"network": "370000"}).json, mine)
    assert after["also_listed_networks"] == shown["also_listed_networks"] == before["also_listed_networks"] + 1


@pytest.mark.parametrize("library", ["opencc-python-reimplemented", "pypinyin"])
def test_answers_shared_on_disk_are_not_served_after_an_upgrade_of_a_library_that_reads_queries(monkeypatch, library):
    # OpenCC's tables read 質譜儀 as 质谱仪, pypinyin's zhipuyi as 质谱仪: a new release may read a
    # query otherwise, so an answer kept by the older one must not be served to the newer.
    from importlib import metadata

    from hub.web.api import answers

    answers.code_and_configuration.cache_clear()  # computed once a process: an upgrade restarts it
    before = answers.code_and_configuration()
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "999.0" if name == library else real(name))
    answers.code_and_configuration.cache_clear()
    try:
        assert answers.code_and_configuration() != before
    finally:
        answers.code_and_configuration.cache_clear()
