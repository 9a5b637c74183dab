"""Every text of the hostile corpus, in a record's id and in a free-text field, pushed in every push
format (JSON and XML for Beijing 110000, CSV for Guangdong 440000), on both backends.

The invariant (issue 12): no 5xx; no traceback or SQL in any answer; the valid records of the batch
land; nothing stored changes for a rejected record; what is stored holds no character a store or
XML cannot hold. A body the format itself cannot carry (a NUL in XML or CSV) is refused whole with
400 and keeps nothing — nothing is applied before a body reads clean (docs/push.md).
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from hub import characters
from hub.feed import samples
from hub.feed.worker import run_pending
from hub.harvest.writer import INSTRUMENTS
from tests.feed.conftest import auth
from tests.hostile.corpus import LEAK_MARKERS, TEXT

#: format → (network, token, id field, free-text field, records, body)
N = 4
HOSTILE_AT = 1


def _json(records) -> bytes:
    return json.dumps(records, ensure_ascii=False).encode("utf-8", "backslashreplace")  # lone surrogates as \ud800


def _xml(records) -> bytes:
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<nrii:instruments xmlns:nrii="{samples.NRII_NS}">']
    for rec in records:
        out.append("<nrii:instrument>")
        for key, value in rec.items():
            for v in value if isinstance(value, list) else [value]:
                out.append(f"<nrii:{key}>{escape(str(v))}</nrii:{key}>")
        out.append("</nrii:instrument>")
    out.append("</nrii:instruments>")
    return "\n".join(out).encode("utf-8", "xmlcharrefreplace")


def _csv(rows) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=samples.GD_HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8", "backslashreplace")


FORMATS = {
    "json": ("110000", "bj", "innerId", "technical", lambda: samples.beijing_records(N), _json, "application/json"),
    "xml": ("110000", "bj", "innerId", "technical", lambda: samples.beijing_records(N), _xml, "application/xml"),
    "csv": ("440000", "gd", "仪器编号", "主要技术指标", lambda: samples.guangdong_rows(N), _csv, "text/csv; charset=utf-8"),
}


def _stored(store, network):
    with store.read() as conn:
        return {r.source_id: r for r in conn.execute(select(INSTRUMENTS).where(INSTRUMENTS.c.network == network))}


def _send(client, tokens, store, app, fmt, records):
    network, token, *_, build, content_type = FORMATS[fmt]
    headers = {"Content-Type": content_type, **auth(tokens[token])}
    r = client.post(f"/api/v1/networks/{network}/batches?mode=upsert", data=build(records), headers=headers)
    text = r.get_data(as_text=True)
    assert r.status_code < 500, text[:2000]
    assert not [m for m in LEAK_MARKERS if m in text], text[:2000]
    if r.status_code == 202:  # a large body: applied by the worker, then read like a province would
        assert run_pending(store, app.config["SETTINGS"], app.config["REGISTRY"]) == 1
        r = client.get(r.headers["Location"], headers=auth(tokens[token]))
        assert not [m for m in LEAK_MARKERS if m in r.get_data(as_text=True)]
    return r


@pytest.mark.parametrize("where", ["id", "text"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", sorted(TEXT))
def test_a_hostile_value_in_one_pushed_record(client, tokens, store, app, name, fmt, where):
    app.config["FEED_LIMITS"] = {"max_body_bytes": 64 * 1024 * 1024}
    network, _, id_field, text_field, make, *_ = FORMATS[fmt]
    clean = make()
    assert _send(client, tokens, store, app, fmt, clean).status_code == 200
    before = _stored(store, network)
    records = make()
    records[HOSTILE_AT][id_field if where == "id" else text_field] = TEXT[name]
    r = _send(client, tokens, store, app, fmt, records)
    after = _stored(store, network)
    others = {rec[id_field] for i, rec in enumerate(clean) if i != HOSTILE_AT}
    if r.status_code == 400:  # the format cannot carry the value: refused whole, nothing changed
        assert r.get_json()["line"] is not None or r.get_json()["reason"], r.get_json()
        assert {k: v.content_hash for k, v in after.items()} == {k: v.content_hash for k, v in before.items()}
        return
    assert r.status_code == 200, r.get_data(as_text=True)[:1000]
    report = r.get_json()
    assert report["state"] == "done", report
    assert others <= set(after), "a valid record of the batch did not land"
    for sid in others:
        assert after[sid].content_hash == before[sid].content_hash  # sent unchanged, stays unchanged
    for row in after.values():
        for column in ("source_id", "name", "specs"):
            assert characters.first_illegal(getattr(row, column) or "") is None, (column, getattr(row, column))
        assert len(row.specs or "") <= 10_000
    rejected_ids = {e["source_id"] for e in report["rejected"]}
    if report["counts"]["rejected"] or report["counts"]["repeated"]:
        # Rejected: the earlier version of the record (same id, when only the text was hostile) is intact.
        original = clean[HOSTILE_AT][id_field]
        if where == "text":
            assert after[original].content_hash == before[original].content_hash
            assert original in rejected_ids
        assert all(e["field"] and e["reason"] for e in report["rejected"])
    else:  # taken: as ordinary text, or cleaned by the mapping's `trim` (control and zero-width characters)
        c = report["counts"]
        assert c["created"] + c["updated"] + c["unchanged"] == N, c
