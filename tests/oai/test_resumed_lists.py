"""A list resumed after its records changed (OAI-PMH 3.5.1, "Idempotency of resumptionTokens"): every
page is a valid answer holding at least one record, and what matched when the list began is still
listed — a harvester (Sickle here) loses nothing and never meets an error mid-list."""

from __future__ import annotations

from datetime import timedelta

import requests
from lxml import etree
from sickle import Sickle

from hub.clock import now
from hub.harvest.writer import Provenance, RecordWriter
from hub.store.hooks import instruments_changed
from tests.factories import NOW, change, make_instruments

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}
REPO = "hub.nrii.example.cn"
UNTIL = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")  # every factory record's datestamp (first_seen)


def _page(url, **params):
    response = requests.get(url, params=params)
    assert response.status_code == 200
    return response.content, etree.fromstring(response.content)


def _headers(root):
    return [(h.findtext("o:identifier", namespaces=NS), h.get("status")) for h in root.iter("{%s}header" % NS["o"])]


def _withdraw_now(store, ids):
    # As a pushed deletion does: the writer's tombstone, stamped now, after the list's `until`.
    with store.write() as conn:
        writer = RecordWriter(store, "370000", None, Provenance())
        withdrawn = writer.withdraw(conn, ids, "deleted at source")
        instruments_changed(conn, withdrawn)
        writer.stamp_withdrawn(conn, withdrawn)


def test_records_withdrawn_after_the_first_page_are_on_the_next_page_as_deleted(store, server, schemas):
    ids = sorted(make_instruments(store, 130))
    content, first = _page(server, verb="ListIdentifiers", metadataPrefix="oai_dc", until=UNTIL)
    token = first.find(".//o:resumptionToken", NS)
    assert len(_headers(first)) == 100 and token.text
    later = ids[100:]
    _withdraw_now(store, later)  # their datestamp is now past `until`

    content, resumed = _page(server, verb="ListIdentifiers", resumptionToken=token.text)
    strict, _ = schemas
    assert strict.validate(resumed), strict.error_log  # before: <ListIdentifiers> with no header
    assert _headers(resumed) == [(f"oai:{REPO}:{i}", "deleted") for i in later]
    assert resumed.find(".//o:resumptionToken", NS).text is None  # the list is complete


def test_sickle_gets_every_record_of_a_list_whose_later_pages_changed(store, server):
    ids = sorted(make_instruments(store, 250))
    headers = Sickle(server).ListIdentifiers(metadataPrefix="nrii", until=UNTIL, ignore_deleted=False)
    seen = [next(headers).identifier for _ in range(100)]  # the first page
    _withdraw_now(store, ids[150:])  # half of the second page and all of the third
    seen += [h.identifier for h in headers]
    assert sorted(seen) == [f"oai:{REPO}:{i}" for i in ids]


def test_a_list_whose_remaining_records_left_its_set_ends_with_a_valid_page(store, server, schemas):
    # Moving out of a set is not a change of datestamp: the records are no longer in the list, and
    # the page that ends it repeats its last record rather than holding none (invalid) or answering
    # noRecordsMatch (which Sickle raises mid-list).
    ids = sorted(make_instruments(store, 110, category="010500"))
    content, first = _page(server, verb="ListRecords", metadataPrefix="oai_dc", set="category:01")
    token = first.find(".//o:resumptionToken", NS).text
    for iid in ids[100:]:
        change(store, iid, category="020100")

    content, resumed = _page(server, verb="ListRecords", resumptionToken=token)
    strict, _ = schemas
    assert strict.validate(resumed), strict.error_log
    assert _headers(resumed) == [(f"oai:{REPO}:{ids[99]}", None)]
    assert resumed.find(".//o:resumptionToken", NS).text is None


def test_a_list_whose_every_record_left_it_asks_for_a_restart(store, server):
    ids = sorted(make_instruments(store, 110, category="010500"))
    _, first = _page(server, verb="ListIdentifiers", metadataPrefix="oai_dc", set="category:01")
    token = first.find(".//o:resumptionToken", NS).text
    for iid in ids:
        change(store, iid, category="020100")
    _, resumed = _page(server, verb="ListIdentifiers", resumptionToken=token)
    assert resumed.find("o:error", NS).get("code") == "badResumptionToken"


def test_records_that_did_not_change_are_not_let_past_until(store, server):
    # Only what changed since the list began (less a minute) may pass `until` on a resumed page.
    listed = sorted(make_instruments(store, 110))
    make_instruments(store, 20, first_seen=now() - timedelta(hours=1))  # after `until`, before the list
    _, first = _page(server, verb="ListIdentifiers", metadataPrefix="oai_dc", until=UNTIL)
    token = first.find(".//o:resumptionToken", NS).text
    _, resumed = _page(server, verb="ListIdentifiers", resumptionToken=token)
    assert _headers(resumed) == [(f"oai:{REPO}:{i}", None) for i in listed[100:]]
