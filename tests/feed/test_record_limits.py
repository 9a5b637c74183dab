"""What a pushed record may hold, on both backends: characters no store or XML can hold, sizes, and
ids repeated within a batch. Each case is one bad record among good ones: the bad one is rejected
with its own id and field, the rest land, and no answer shows SQL (issue 12, defects 2, 3, 8)."""

import dataclasses
import json

import pytest
from lxml import etree
from sqlalchemy import func, select, text

from hub.feed import samples
from hub.feed.worker import run_pending
from hub.harvest.writer import ERRORS, INSTRUMENTS, RecordWriter
from hub.schema import MAX_RECORD_CHARS
from tests.feed.conftest import auth
from tests.hostile.corpus import LEAK_MARKERS


def _ids(store, network="110000"):
    with store.read() as conn:
        return set(conn.execute(select(INSTRUMENTS.c.source_id).where(INSTRUMENTS.c.network == network)).scalars())


def _push_json(push, records, **kw):
    return push("110000", json.dumps(records, ensure_ascii=False).encode(), fmt="json", token="bj", **kw)


def _no_leak(response):
    body = response.get_data(as_text=True)
    assert not [m for m in LEAK_MARKERS if m in body], body[:2000]


@pytest.mark.parametrize(
    "field, value, reported_field",
    [
        pytest.param("innerId", "BJ\x00X", "(record id)", id="NUL in the record id"),
        pytest.param("subject", ["14\x000"], "subject", id="NUL in a list item"),
        pytest.param("innerId", "BJ\x1bX", "(record id)", id="escape character in the record id"),
        pytest.param("subject", ["140\uffff"], "subject", id="noncharacter U+FFFF in a list item"),
    ],
)
def test_a_character_no_store_can_hold_rejects_that_record_alone(push, store, client, field, value, reported_field):
    records = samples.beijing_records(5)
    records[2][field] = value
    bad_id = records[2]["innerId"]
    r = _push_json(push, records)
    _no_leak(r)
    assert r.status_code == 200, r.get_data(as_text=True)[:1000]
    report = r.get_json()
    assert report["counts"]["created"] == 4 and report["counts"]["rejected"] == 1
    (entry,) = report["rejected"]
    assert entry["field"] == reported_field
    assert "U+" in entry["reason"] and "no database or XML document can hold" in entry["reason"]
    assert entry["source_id"] == bad_id.replace("\x00", "\\u0000").replace("\x1b", "\\u001b")
    assert _ids(store) == {rec["innerId"] for i, rec in enumerate(records) if i != 2}
    oai = client.get("/oai?verb=ListRecords&metadataPrefix=nrii")
    assert oai.status_code == 200 and etree.fromstring(oai.get_data()) is not None


def test_a_field_longer_than_its_limit_rejects_the_record_with_the_limit_named(push, store):
    records = samples.beijing_records(3)
    records[1]["technical"] = "长" * 10_001
    r = _push_json(push, records)
    report = r.get_json()
    (entry,) = report["rejected"]
    assert entry["field"] == "technical" and "10,001 characters long; at most 10,000" in entry["reason"]
    assert report["counts"]["created"] == 2


def test_a_record_larger_than_the_cap_is_rejected_and_its_payload_not_kept(push, store):
    records = samples.beijing_records(3)
    records[0]["unmapped"] = "x" * (MAX_RECORD_CHARS + 1)  # not even a mapped field: the record as sent counts
    r = _push_json(push, records)
    report = r.get_json()
    (entry,) = report["rejected"]
    assert entry["field"] == "(record)" and f"at most {MAX_RECORD_CHARS:,}" in entry["reason"]
    assert report["counts"]["created"] == 2
    with store.read() as conn:
        longest = conn.execute(text("select max(length(payload)) from raw_records")).scalar()
    assert longest < 10_000


def test_a_20_million_character_field_is_refused_without_storing_it(push, store, app, client, tokens, feed_settings, registry):
    app.config["FEED_LIMITS"] = {"max_body_bytes": 64 * 1024 * 1024}
    records = samples.beijing_records(2)
    records[1]["technical"] = "x" * 20_000_000
    r = _push_json(push, records)
    assert r.status_code == 202  # large: applied by the worker
    assert run_pending(store, feed_settings, registry) == 1
    report = client.get(r.headers["Location"], headers=auth(tokens["bj"])).get_json()
    assert report["counts"]["rejected"] == 1 and report["counts"]["created"] == 1
    assert "characters long as JSON" in report["rejected"][0]["reason"]
    with store.read() as conn:
        assert conn.execute(text("select max(length(payload)) from raw_records")).scalar() < 10_000
        assert conn.execute(text("select max(length(raw_excerpt)) from record_errors")).scalar() <= 2000


@pytest.mark.parametrize("chunk", [500, 2], ids=["one chunk", "across chunks"])
def test_a_repeated_id_is_reported_naming_the_first_and_the_first_is_kept(push, store, app, feed_settings, chunk):
    app.config["SETTINGS"] = dataclasses.replace(feed_settings, batch_size=chunk)
    records = samples.beijing_records(4)
    records.insert(3, dict(records[1], cname="重复的名字"))  # ids: 0 1 2 1 3, one record a line
    body = ("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]").encode()
    r = push("110000", body, fmt="json", token="bj")
    report = r.get_json()
    c = report["counts"]
    assert (c["fetched"], c["created"], c["repeated"], c["rejected"]) == (5, 4, 1, 0), c
    (entry,) = report["rejected"]
    assert entry["source_id"] == records[1]["innerId"] and entry["field"] == "(record id)"
    assert "(line 3)" in entry["reason"] and "line 5" in entry["reason"], entry
    with store.read() as conn:
        name = conn.execute(select(INSTRUMENTS.c.name).where(INSTRUMENTS.c.source_id == records[1]["innerId"])).scalar()
    assert name == records[1]["cname"]  # the first one, not the last


def test_counts_that_do_not_add_up_stop_the_batch_instead_of_being_reported(push, store, monkeypatch):
    original = RecordWriter.prepare

    def losing(self, raws, **kw):  # a writer bug that drops a record silently
        batch = original(self, raws, **kw)
        if batch.rows:
            batch.rows.pop()
        return batch

    monkeypatch.setattr(RecordWriter, "prepare", losing)
    r = _push_json(push, samples.beijing_records(3))
    _no_leak(r)
    report = r.get_json()
    assert report["state"] == "failed" and "do not add up" in report["message"]


def test_a_store_error_is_reported_without_its_sql(push, store, monkeypatch):
    original = RecordWriter.apply

    def failing(self, conn, batch, **kw):
        conn.execute(text("SELECT no_such_column FROM instruments WHERE id = 'secret-parameter'"))
        return original(self, conn, batch, **kw)

    monkeypatch.setattr(RecordWriter, "apply", failing)
    r = _push_json(push, samples.beijing_records(3))
    _no_leak(r)
    assert "secret-parameter" not in r.get_data(as_text=True)
    report = r.get_json()
    assert report["state"] == "failed" and "the store refused the write" in report["message"]
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(ERRORS)).scalar() == 0


def test_service_statistics_repeated_for_one_instrument_and_year_take_the_first(push, store):
    push("440000", samples.guangdong_csv(3))
    ids = [samples.gd_id(i) for i in range(3)] + [samples.gd_id(1)]  # the last row repeats the second
    report = push("440000", samples.guangdong_service_csv(ids, 2012), mode=None, kind="service", year=2012).get_json()
    c = report["counts"]
    assert (c["fetched"], c["created"], c["repeated"], c["rejected"]) == (4, 3, 1, 0), c
    (entry,) = report["rejected"]
    assert entry["source_id"] == samples.gd_id(1) and "line 3" in entry["reason"], entry


def test_a_delete_batch_with_an_id_no_store_can_hold_withdraws_the_others(push, store):
    records = samples.beijing_records(3)
    _push_json(push, records)
    ids = [records[0]["innerId"], "BJ\x00GONE", records[2]["innerId"]]
    r = push("110000", json.dumps(ids).encode(), fmt="json", token="bj", mode="delete")
    _no_leak(r)
    report = r.get_json()
    assert r.status_code == 200 and report["state"] == "done", report
    c = report["counts"]
    assert (c["fetched"], c["deleted"], c["withdrawn"], c["rejected"]) == (3, 2, 2, 1), c
    assert report["rejected"][0]["source_id"] == "BJ\\u0000GONE"


def test_an_integer_too_long_to_convert_rejects_its_record_alone(push, store):
    """A value of 5,000 digits (Python converts at most 4,300 digits of text to an integer) answered
    500 for the whole batch; now it is that record's field, rejected by name, and the others land."""
    records = samples.beijing_records(3)
    body = json.dumps(records, ensure_ascii=False).replace(f'"worth": {records[1]["worth"]}', '"worth": 1' + "0" * 5000).encode()
    r = push("110000", body, fmt="json", token="bj")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    report = r.get_json()
    assert report["counts"]["created"] == 2 and report["counts"]["rejected"] == 1
    (rejected,) = report["rejected"]
    assert rejected["source_id"] == records[1]["innerId"] and rejected["field"] == "worth", rejected
    _no_leak(r)


def test_a_csv_row_with_cells_beyond_the_header_is_rejected_as_a_whole_record(push, store):
    """The report named no field (`"field": null`) for a row with one cell too many: a province
    reading its rejections could not tell which part of the row to look at."""
    rows = samples.guangdong_rows(3)
    body = samples.to_csv(rows).decode("gb18030").splitlines()
    body[2] += ",多余"  # the second record's row
    r = push("440000", ("\n".join(body) + "\n").encode("gb18030"))
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    report = r.get_json()
    assert report["counts"]["created"] == 2 and report["counts"]["rejected"] == 1
    (rejected,) = report["rejected"]
    assert rejected["field"] == "(record)" and "cells" in rejected["reason"], rejected
