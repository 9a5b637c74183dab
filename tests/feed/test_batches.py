"""Pushed batches through the HTTP API: reports, idempotency, limits, modes, the snapshot guard."""

import dataclasses
import json
import os

from sqlalchemy import func, select, update

from hub.auth.audit import AUDIT
from hub.feed import samples
from hub.feed.batches import BATCHES
from hub.feed.worker import recover, run_pending
from hub.harvest.jobs import JOBS
from hub.harvest.writer import INSTRUMENTS
from hub.store.models import ServiceStats
from tests.feed.conftest import auth


def _count(store, table, *where):
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _active(store, network):
    return _count(store, INSTRUMENTS, INSTRUMENTS.c.network == network, INSTRUMENTS.c.withdrawn_at.is_(None))


def test_bad_records_are_reported_in_the_provinces_own_ids_and_fields(push, store):
    # The 20,000-record version of this runs in test_large_batch.py (slow) and tests/bench/.
    push("110000", samples.beijing_json(50), fmt="json", token="bj")  # another network: must stay untouched
    with store.read() as conn:
        before = conn.execute(select(INSTRUMENTS.c.id, INSTRUMENTS.c.content_hash, INSTRUMENTS.c.last_seen)).all()
    r = push("440000", samples.guangdong_csv(1000, bad=37))
    assert r.status_code == 200
    report = r.get_json()
    assert report["state"] == "done" and report["counts"]["created"] == 963 and report["counts"]["rejected"] == 37
    expected = samples.bad_ids(1000, 37)
    assert {e["source_id"]: e["field"] for e in report["rejected"]} == expected
    assert all(e["reason"] for e in report["rejected"])
    assert _active(store, "440000") == 963
    assert _count(store, INSTRUMENTS, INSTRUMENTS.c.id.in_([f"440000:{i}" for i in expected])) == 0
    with store.read() as conn:
        after = conn.execute(
            select(INSTRUMENTS.c.id, INSTRUMENTS.c.content_hash, INSTRUMENTS.c.last_seen).where(INSTRUMENTS.c.network == "110000")
        ).all()
    assert sorted(after) == sorted(before)


def test_the_same_batch_twice_under_one_key_is_applied_once_and_answered_identically(push, store):
    body = samples.guangdong_csv(20, bad=2)
    first = push("440000", body, key="gd-2024-05-06-1")
    again = push("440000", body, key="gd-2024-05-06-1")
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(store, BATCHES) == 1
    assert _count(store, JOBS, JOBS.c.kind == "push") == 1
    assert _count(store, AUDIT, AUDIT.c.action == "batch.applied") == 1


def test_a_different_body_under_a_used_key_is_refused(push, store):
    push("440000", samples.guangdong_csv(5), key="k")
    r = push("440000", samples.guangdong_csv(6), key="k")
    assert r.status_code == 422 and "different batch" in r.get_json()["detail"]
    assert _count(store, BATCHES) == 1


def test_keys_are_per_network(push, store):
    assert push("440000", samples.guangdong_csv(2), key="k").status_code == 200
    assert push("110000", samples.beijing_json(2), key="k", fmt="json", token="bj").status_code == 200
    assert _count(store, BATCHES) == 2


def test_a_large_batch_is_answered_202_and_applied_in_the_background(app, push, store, client, tokens, registry, feed_settings):
    app.config["FEED_LIMITS"] = {"async_records": 10}
    body = samples.guangdong_csv(30, bad=1)
    r = push("440000", body, key="big")
    assert r.status_code == 202
    accepted = r.get_json()
    assert accepted["state"] == "queued" and r.headers["Location"] == accepted["report"]
    assert client.get(accepted["report"], headers=auth(tokens["gd"])).get_json()["state"] == "queued"
    assert _active(store, "440000") == 0
    assert run_pending(store, feed_settings, registry) == 1
    report = client.get(accepted["report"], headers=auth(tokens["gd"])).get_json()
    assert report["state"] == "done" and report["counts"]["created"] == 29 and len(report["rejected"]) == 1
    replay = push("440000", body, key="big")
    assert replay.status_code == 202 and replay.get_data() == r.get_data()  # the first answer, byte for byte


def test_the_background_worker_applies_queued_batches(app, push, store, client, tokens):
    app.config.update(FEED_LIMITS={"async_records": 1}, FEED_WORKER=True)
    from hub.web.feed import worker

    with app.app_context():
        w = worker()
        w.poll_seconds = 0.05
    try:
        r = push("440000", samples.guangdong_csv(5))
        assert r.status_code == 202
        if w.runs_elsewhere:  # PostgreSQL: the web process only queued it; a `hub worker` applies it
            assert _active(store, "440000") == 0
            assert w.run_pending() >= 1
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if client.get(r.headers["Location"], headers=auth(tokens["gd"])).get_json()["state"] == "done":
                break
            time.sleep(0.05)
        assert _active(store, "440000") == 5
    finally:
        w.stop()


def test_a_batch_whose_process_died_is_applied_again(push, app, store, registry, feed_settings):
    app.config["FEED_LIMITS"] = {"async_records": 1}
    r = push("440000", samples.guangdong_csv(4))
    batch_id = r.get_json()["id"]
    # A worker on this host claimed it and died before its job started.
    with store.write() as conn:
        conn.execute(
            update(BATCHES)
            .where(BATCHES.c.id == batch_id)
            .values(state="processing", claimed_host=__import__("socket").gethostname(), claimed_pid=2**22 + 7)
        )
    assert run_pending(store, feed_settings, registry) == 0  # not queued: nobody takes it yet
    assert recover(store) == [batch_id]
    assert run_pending(store, feed_settings, registry) == 1
    assert _active(store, "440000") == 4


def test_a_batch_claimed_by_a_predecessor_with_this_process_s_pid_is_applied_again(push, app, store, registry, feed_settings):
    # A worker container restarted: same hostname, same pid, but the claim is older than this process.
    import psutil
    from datetime import datetime, timedelta, timezone

    app.config["FEED_LIMITS"] = {"async_records": 1}
    batch_id = push("440000", samples.guangdong_csv(4)).get_json()["id"]
    started = datetime.fromtimestamp(psutil.Process().create_time(), timezone.utc)
    with store.write() as conn:
        conn.execute(
            update(BATCHES)
            .where(BATCHES.c.id == batch_id)
            .values(
                state="processing",
                claimed_host=__import__("socket").gethostname(),
                claimed_pid=os.getpid(),
                claimed_at=started - timedelta(minutes=1),
            )
        )
    assert recover(store) == [batch_id]
    assert run_pending(store, feed_settings, registry) == 1
    assert _active(store, "440000") == 4


def test_a_snapshot_that_would_withdraw_60_percent_is_held_until_an_admin_confirms(push, store, client, tokens):
    push("440000", samples.guangdong_csv(100))
    r = push("440000", samples.guangdong_csv(40), mode="snapshot")
    report = r.get_json()
    assert report["withdrawal"]["action"] == "hold" and report["withdrawal"]["absent"] == 60
    assert _active(store, "440000") == 100  # nothing withdrawn
    holds = client.get("/api/v1/holds", headers=auth(tokens["admin"])).get_json()["holds"]
    assert [h["id"] for h in holds] == [report["withdrawal"]["hold"]] and holds[0]["count"] == 60
    hold_id = holds[0]["id"]
    assert client.post(f"/api/v1/holds/{hold_id}/confirm", headers=auth(tokens["gd"])).status_code == 403
    confirmed = client.post(f"/api/v1/holds/{hold_id}/confirm", headers=auth(tokens["admin"]))
    assert confirmed.status_code == 200 and len(confirmed.get_json()["withdrawn"]) == 60
    assert _active(store, "440000") == 40
    assert client.post(f"/api/v1/holds/{hold_id}/reject", headers=auth(tokens["admin"])).status_code == 409
    gone = client.get(f"/api/v1/instruments/440000:{samples.gd_id(99)}")
    assert gone.status_code == 410


def test_a_rejected_hold_withdraws_nothing(push, store, client, tokens):
    push("440000", samples.guangdong_csv(10))
    hold_id = push("440000", samples.guangdong_csv(2), mode="snapshot").get_json()["withdrawal"]["hold"]
    r = client.post(f"/api/v1/holds/{hold_id}/reject", headers=auth(tokens["admin"]))
    assert r.status_code == 200 and r.get_json()["state"] == "rejected"
    assert _active(store, "440000") == 10


def test_a_snapshot_within_the_share_withdraws_the_absent(push, store):
    push("440000", samples.guangdong_csv(10))
    report = push("440000", samples.guangdong_csv(9), mode="snapshot").get_json()
    assert report["withdrawal"]["action"] == "withdraw" and report["counts"]["withdrawn"] == 1
    assert report["counts"]["unchanged"] == 9
    assert _active(store, "440000") == 9


def test_a_csv_snapshot_cut_mid_row_withdraws_nothing(push, store):
    push("440000", samples.guangdong_csv(10))
    lines = samples.guangdong_csv(10).splitlines(keepends=True)
    assert len(lines) == 11, "one line per row: the cut below lands where it says"
    cut = b"".join(lines[:9]) + lines[9][:12]  # header, eight rows, then the ninth breaks off; the tenth is missing
    report = push("440000", cut, mode="snapshot").get_json()
    assert report["withdrawal"]["action"] == "skip" and report["counts"]["withdrawn"] == 0, report
    assert report["counts"]["unchanged"] == 8 and report["counts"]["rejected"] == 1
    assert any("the file was cut short" in e["reason"] for e in report["rejected"])
    assert _active(store, "440000") == 10


def test_a_delete_batch_withdraws_and_names_unknown_ids(push, store):
    push("110000", samples.beijing_json(5), fmt="json", token="bj")
    ids = [samples.bj_id(0), samples.bj_id(1), "BJ-NOT-THERE"]
    report = push("110000", json.dumps(ids).encode(), mode="delete", fmt="json", token="bj").get_json()
    assert report["counts"]["withdrawn"] == 2 and report["not_found"] == ["BJ-NOT-THERE"]
    assert _active(store, "110000") == 3


def test_a_delete_batch_counts_an_id_it_did_not_find_as_not_found_not_as_deleted(push, store):
    """A steward deletes one instrument the hub lists and one it never received: the report said
    2 deleted for 1 withdrawn. Not found is its own count (nothing to fix at the source, and a
    resent deletion finds nothing the second time), named in `not_found`, never a rejection."""
    push("440000", samples.guangdong_csv(3))
    ids = [samples.gd_id(0), "GD-NEVER-PUSHED"]
    r = push("440000", json.dumps(ids).encode(), mode="delete", fmt="json")
    report = r.get_json()
    assert r.status_code == 200 and report["state"] == "done", report
    c = report["counts"]
    assert (c["fetched"], c["deleted"], c["withdrawn"], c["not_found"], c["rejected"]) == (2, 1, 1, 1, 0), c
    assert report["not_found"] == ["GD-NEVER-PUSHED"] and report["rejected"] == []
    assert _active(store, "440000") == 2
    again = push("440000", json.dumps(ids).encode(), mode="delete", fmt="json").get_json()
    c = again["counts"]
    assert (c["fetched"], c["deleted"], c["withdrawn"], c["not_found"]) == (2, 0, 0, 2), c
    assert again["not_found"] == [samples.gd_id(0), "GD-NEVER-PUSHED"]


def test_an_id_deleted_twice_in_one_batch_is_a_repeat_not_also_not_found(app, push, feed_settings):
    """Applied a record at a time (chunks of one), the second deletion of an id the first withdrew
    was counted as a repeat and listed under `not_found` as well: the list and the counts disagreed."""
    app.config["SETTINGS"] = dataclasses.replace(feed_settings, batch_size=1)
    push("440000", samples.guangdong_csv(3))
    ids = [samples.gd_id(0), "GD-NEVER-PUSHED", samples.gd_id(0), "GD-NEVER-PUSHED"]
    report = push("440000", json.dumps(ids).encode(), mode="delete", fmt="json").get_json()
    c = report["counts"]
    assert (c["fetched"], c["deleted"], c["not_found"], c["repeated"]) == (4, 1, 1, 2), c
    assert report["not_found"] == ["GD-NEVER-PUSHED"], report


def test_nrii_xml_is_taken_like_json(push, store):
    r = push("110000", samples.beijing_xml(5, bad=1), fmt="xml", token="bj")
    report = r.get_json()
    assert report["format"] == "xml" and report["counts"]["created"] == 4 and len(report["rejected"]) == 1
    with store.read() as conn:
        row = conn.execute(select(INSTRUMENTS).where(INSTRUMENTS.c.id == f"110000:{samples.bj_id(0)}")).one()
    assert row.county_code == "110108" and row.contact_name == "王老师" and row.subjects


def test_service_statistics_are_pushed_per_year(push, store):
    push("440000", samples.guangdong_csv(3))
    ids = [samples.gd_id(i) for i in range(3)] + ["GD-UNKNOWN"]
    report = push("440000", samples.guangdong_service_csv(ids, 2012), mode=None, kind="service", year=2012).get_json()
    assert report["kind"] == "service" and report["counts"]["created"] == 3 and len(report["rejected"]) == 1
    assert report["rejected"][0]["source_id"] == "GD-UNKNOWN"
    # The province's staff look for the column to fix; the rejection named none.
    assert report["rejected"][0]["field"] == "仪器编号"
    assert _count(store, ServiceStats.__table__, ServiceStats.__table__.c.year == 2012) == 3
    # The same figures again are unchanged, a revised one updated: every row read "updated" before,
    # first year or not (a steward's check).
    again = push("440000", samples.guangdong_service_csv(ids, 2012), mode=None, kind="service", year=2012).get_json()["counts"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3), again
    revised = samples.guangdong_service_csv(ids[:1], 2012).replace(b",1200,", b",1300,")
    assert push("440000", revised, mode=None, kind="service", year=2012).get_json()["counts"]["updated"] == 1


def test_a_service_row_of_another_year_is_refused_not_filed_under_the_batchs(push, store):
    """A row whose 年度 said 2013 in a batch of 2012 was stored as 2012's statistics, counted as updated,
    without a word (found by a steward's probe)."""
    push("440000", samples.guangdong_csv(2))
    other_year = samples.guangdong_service_csv([samples.gd_id(1)], 2013).split(b"\r\n", 1)[1]  # its row, not its header
    body = samples.guangdong_service_csv([samples.gd_id(0)], 2012) + other_year
    report = push("440000", body, mode=None, kind="service", year=2012).get_json()
    assert report["counts"]["created"] == 1 and report["counts"]["rejected"] == 1
    (refused,) = report["rejected"]
    assert refused["source_id"] == samples.gd_id(1) and refused["field"] == "年度"
    assert "2013" in refused["reason"] and "2012" in refused["reason"]
    table = ServiceStats.__table__
    assert _count(store, table, table.c.year == 2012) == 1 and _count(store, table, table.c.year == 2013) == 0


def test_records_without_an_id_are_reported_by_line(push):
    body = (
        "仪器编号,仪器名称,原值(万元),所属单位,运行状态,共享方式\n,电镜,10,中山大学,正常,外部共享\nGD9,电镜,10,中山大学,正常,外部共享\n"
    ).encode("gb18030")
    report = push("440000", body).get_json()
    assert report["counts"]["created"] == 1 and report["counts"]["rejected"] == 1
    assert report["rejected"][0]["field"] == "仪器编号" and "line 2" in report["rejected"][0]["reason"]


def test_an_id_that_is_no_text_or_number_is_named_as_such_not_as_missing(push):
    """`"innerId": true` was reported as a record without an id, which sent the province looking
    for a field that was there."""
    records = samples.beijing_records(3)
    records[1]["innerId"] = True
    records[2]["innerId"] = {"a": 1}
    report = push("110000", json.dumps(records, ensure_ascii=False).encode(), fmt="json", token="bj").get_json()
    assert report["counts"]["created"] == 1 and report["counts"]["rejected"] == 2
    reasons = [r["reason"] for r in report["rejected"]]
    assert all("must be a text or a number" in r for r in reasons), reasons
    assert "got true" in reasons[0] and 'got {"a": 1}' in reasons[1]


def test_the_audit_log_says_who_changed_what(push, client, tokens, store):
    from hub.auth.tokens import list_tokens

    gd_id = next(t.id for t in list_tokens(store) if t.network == "440000" and t.active)
    r = push("440000", samples.guangdong_csv(3))
    batch_id = r.get_json()["id"]
    log = client.get(f"/api/v1/audit?batch={batch_id}", headers=auth(tokens["admin"])).get_json()["entries"]
    assert [e["action"] for e in log] == ["batch.applied", "batch.received"]
    assert {e["actor"] for e in log} == {gd_id}
    applied = log[0]["detail"]
    assert applied["counts"]["created"] == 3 and applied["created"] == sorted(f"440000:{samples.gd_id(i)}" for i in range(3))


def test_text_no_database_can_store_rejects_its_record_not_the_batch(push, store):
    # A JSON body may spell an unpaired UTF-16 surrogate as an escape; json accepts it, no database
    # stores it. Before, one such value failed the whole batch's transaction.
    records = samples.beijing_records(4)
    body = json.dumps(records, ensure_ascii=False).encode("utf-8")
    body = body.replace(json.dumps(records[1]["cname"], ensure_ascii=False).encode(), b'"\\ud800 broken"', 1)
    body = body.replace(f'"{records[2]["innerId"]}"'.encode(), b'"BJ-\\udfff"', 1)
    report = push("110000", body, fmt="json", token="bj").get_json()
    assert report["state"] == "done" and report["counts"]["created"] == 2 and report["counts"]["rejected"] == 2
    reasons = {e["source_id"]: (e["field"], e["reason"]) for e in report["rejected"]}
    assert reasons[records[1]["innerId"]][0] == "cname" and "surrogate" in reasons[records[1]["innerId"]][1]
    assert reasons["BJ-\\udfff"][0] == "(record id)"
    assert _active(store, "110000") == 2


def test_small_batches_sent_at_once_apply_one_at_a_time_in_the_order_received(app, store, tokens, feed_settings, registry):
    """A province's client sends small batches of the same records at the same moment, each with
    another fee. Each batch is applied within its request or waits behind an earlier one, never
    beside it, and the catalogue ends with the records of the batch received last. The look for an
    earlier batch and the claim were two transactions: in 9 of 10 such rounds over HTTP the three
    were applied side by side, and in 2 the catalogue kept an earlier batch's fee."""
    import threading

    from hub.queue.tasks import Context, apply_batch

    rows = samples.guangdong_rows(60)

    def received(conn):
        order = (BATCHES.c.received_at, BATCHES.c.id)
        return conn.execute(select(BATCHES.c.id, BATCHES.c.state).where(BATCHES.c.network == "440000").order_by(*order)).all()

    for round_ in range(4):
        barrier = threading.Barrier(3)
        answers = []

        def send(k):
            body = samples.to_csv([dict(r, 收费标准=f"{round_}{k}0元/样") for r in rows], "gb18030")
            with app.test_client() as c:
                barrier.wait()
                r = c.post(
                    "/api/v1/networks/440000/batches?mode=upsert", data=body, headers={"Content-Type": "text/csv", **auth(tokens["gd"])}
                )
            answers.append(r.status_code)

        threads = [threading.Thread(target=send, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(answers) in ([200, 200, 200], [200, 200, 202], [200, 202, 202]), answers
        with store.read() as conn:
            batches = received(conn)
        for batch_id, state in batches:  # what the worker does with the queued ones
            if state == "queued":
                apply_batch(Context(store, feed_settings, registry), batch_id, "440000")
        with store.read() as conn:
            runs = conn.execute(
                select(JOBS.c.started_at, JOBS.c.finished_at)
                .where(JOBS.c.network == "440000", JOBS.c.kind == "push")
                .order_by(JOBS.c.started_at)
            ).all()
            last = received(conn)[-1]
            written_by = set(conn.execute(select(INSTRUMENTS.c.last_batch_id).where(INSTRUMENTS.c.network == "440000")).scalars())
        assert all(a.finished_at <= b.started_at for a, b in zip(runs, runs[1:])), f"round {round_}: batches applied side by side"
        assert last.state == "done" and written_by == {last.id}, f"round {round_}: the catalogue holds an earlier batch's records"


def test_batch_times_read_the_same_in_the_report_and_the_list(push, client, tokens):
    """The list gave RFC 1123 ('Mon, 07 Dec 2026 02:14:30 GMT'), the report ISO without a zone: a
    province comparing the two could not tell they were the same instant. Both are ISO 8601 in UTC."""
    import re

    report = push("440000", samples.guangdong_csv(2)).get_json()
    listed = client.get("/api/v1/networks/440000/batches", headers=auth(tokens["gd"])).get_json()["batches"][0]
    utc = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
    for field in ("received_at", "finished_at"):
        assert utc.fullmatch(report[field]) and listed[field] == report[field], (field, report[field], listed[field])


def test_records_of_a_json_array_on_one_line_are_told_apart(push):
    """JSON as most serialisers write it (json.dumps, Jackson) is one line: every rejection said
    'line 1', and a repeated id 'repeats … (line 1); … this one (line 1) is not'."""
    records = samples.beijing_records(3)
    records[2]["innerId"] = records[0]["innerId"]
    records[1]["innerId"] = ""
    report = push("110000", json.dumps(records, ensure_ascii=False).encode(), fmt="json", token="bj").get_json()
    reasons = sorted(r["reason"] for r in report["rejected"])
    assert len(reasons) == 2, report["rejected"]
    assert "element 2" in reasons[0], reasons
    assert "element 1" in reasons[1] and "element 3" in reasons[1], reasons


def test_hub_stats_counts_a_push_as_the_networks_last_harvest(push, store):
    """`hub stats` said a pushing network was never harvested while /networks and the API showed its
    push (a national centre's probe): they read different jobs."""
    from hub.cli.store_cmd import network_stats

    push("440000", samples.guangdong_csv(3))
    row = next(r for r in network_stats(store) if r["network"] == "440000")
    assert row["instruments"] == 3 and row["last_harvest"].endswith("+00:00") and row["last_state"] == "succeeded", row
    never = next(r for r in network_stats(store) if r["network"] == "110000")
    # nothing listed, so no value stated: unknown, not 0 yuan
    assert never["last_harvest"] is None and never["total_value_yuan"] is None, never
