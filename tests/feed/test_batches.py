"""Pushed batches through the HTTP API: reports, idempotency, limits, modes, the snapshot guard."""

import json

import pytest
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
    r = push("440000", samples.guangdong_csv(2000, bad=37))
    assert r.status_code == 200
    report = r.get_json()
    assert report["state"] == "done" and report["counts"]["created"] == 1963 and report["counts"]["rejected"] == 37
    expected = samples.bad_ids(2000, 37)
    assert {e["source_id"]: e["field"] for e in report["rejected"]} == expected
    assert all(e["reason"] for e in report["rejected"])
    assert _active(store, "440000") == 1963
    assert _count(store, INSTRUMENTS, INSTRUMENTS.c.id.in_([f"440000:{i}" for i in expected])) == 0
    with store.read() as conn:
        after = conn.execute(select(INSTRUMENTS.c.id, INSTRUMENTS.c.content_hash, INSTRUMENTS.c.last_seen).where(INSTRUMENTS.c.network == "110000")).all()
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
        conn.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(state="processing", claimed_host=__import__("socket").gethostname(), claimed_pid=2**22 + 7))
    assert run_pending(store, feed_settings, registry) == 0  # not queued: nobody takes it yet
    assert recover(store) == [batch_id]
    assert run_pending(store, feed_settings, registry) == 1
    assert _active(store, "440000") == 4


def test_an_oversized_body_gets_413(app, push, store):
    app.config["FEED_LIMITS"] = {"max_body_bytes": 10_000}
    r = push("440000", samples.guangdong_csv(100))
    assert r.status_code == 413 and "10,000-byte" in r.get_json()["detail"]
    assert _count(store, BATCHES) == 0


def test_an_oversized_body_without_content_length_gets_413(app, client, tokens, store):
    app.config["FEED_LIMITS"] = {"max_body_bytes": 10_000}
    import io

    body = io.BytesIO(samples.guangdong_csv(100))
    r = client.post("/api/v1/networks/440000/batches?mode=upsert", input_stream=body,
                    headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked", **auth(tokens["gd"])},
                    environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 413


@pytest.mark.parametrize(
    "fmt, body, line, column",
    [
        pytest.param("json", b'[{"innerId": "A", "cname": "x"},\n {"innerId": "B", "cname": "y",}]', 2, 32, id="JSON trailing comma"),
        pytest.param("json", b'[{"innerId": "A"}\n{"innerId": "B"}]', 2, 1, id="JSON missing comma"),
        pytest.param("json", b'[{"innerId": "A"},\n', 2, 1, id="JSON truncated"),
        pytest.param("csv", '仪器编号,仪器名称\nGD1,"液相色谱仪\nGD2,电镜\n'.encode("gb18030"), 2, 5, id="CSV quote never closed"),
        pytest.param("csv", '仪器编号,仪器名称\nGD1,电镜\nGD2,"液相"色谱\n'.encode("utf-8"), 3, 9, id="CSV text after a closing quote"),
        pytest.param("csv", b"\xd2\xba,\xff\xfe\n", 1, 4, id="CSV neither UTF-8 nor GB18030"),
        pytest.param("xml", b"<r>\n<i><innerId>A</innerId></i>\n<i><innerId>B</inner></i>\n</r>", 3, 22, id="XML mismatched tag"),
        pytest.param("xml", b"<r>\n<i><innerId>A</innerId></i>\n", 3, 1, id="XML truncated"),
    ],
)
def test_a_malformed_body_gets_400_with_line_and_column(push, store, fmt, body, line, column):
    network, token = ("440000", "gd") if fmt == "csv" else ("110000", "bj")
    r = push(network, body, fmt=fmt, token=token, key="k")
    assert r.status_code == 400, r.get_data(as_text=True)
    problem = r.get_json()
    assert (problem["line"], problem["column"]) == (line, column), problem
    assert f"line {line}, column {column}" in problem["detail"]
    assert _count(store, BATCHES) == 0  # nothing kept: the fixed body may be sent under the same key


XXE_TARGET = "top-secret-{}"


@pytest.mark.parametrize("kind", ["xxe", "billion laughs", "doctype after a long prolog"])
def test_hostile_xml_is_refused_unread(push, store, tmp_path, kind):
    secret_file = tmp_path / "secret.txt"
    secret = XXE_TARGET.format(kind)
    secret_file.write_text(secret)
    bodies = {
        "xxe": f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>\n<r><i><innerId>&x;</innerId><cname>&x;</cname></i></r>',
        "billion laughs": '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + ']>\n<r><i><innerId>&lol9;</innerId></i></r>',
        "doctype after a long prolog": "<?xml version=\"1.0\"?>\n<!--" + "x" * 70000 + f'-->\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>\n<r><i><innerId>&x;</innerId></i></r>',
    }
    r = push("110000", bodies[kind].encode(), fmt="xml", token="bj")
    assert r.status_code == 400
    assert "DOCTYPE" in r.get_json()["detail"]
    assert secret not in r.get_data(as_text=True)
    assert _count(store, BATCHES) == 0 and _count(store, INSTRUMENTS) == 0


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


def test_a_delete_batch_withdraws_and_names_unknown_ids(push, store):
    push("110000", samples.beijing_json(5), fmt="json", token="bj")
    ids = [samples.bj_id(0), samples.bj_id(1), "BJ-NOT-THERE"]
    report = push("110000", json.dumps(ids).encode(), mode="delete", fmt="json", token="bj").get_json()
    assert report["counts"]["withdrawn"] == 2 and report["not_found"] == ["BJ-NOT-THERE"]
    assert _active(store, "110000") == 3


def test_nrii_xml_is_taken_like_json(push, store):
    r = push("110000", samples.beijing_xml(5, bad=1), fmt="xml", token="bj")
    report = r.get_json()
    assert report["format"] == "xml" and report["counts"]["created"] == 4 and len(report["rejected"]) == 1
    with store.read() as conn:
        row = conn.execute(select(INSTRUMENTS).where(INSTRUMENTS.c.id == f"110000:{samples.bj_id(0)}")).one()
    assert row.county_code == "110108" and row.contact_name == "王老师" and row.subjects


@pytest.mark.parametrize("encoding, bom", [("gb18030", False), ("utf-8", False), ("utf-8", True)])
def test_guangdong_csv_in_either_encoding(push, store, encoding, bom):
    body = samples.to_csv(samples.guangdong_rows(3), encoding, bom=bom)
    report = push("440000", body).get_json()
    assert report["encoding"] in ("gb18030", "utf-8") and report["counts"]["created"] == 3
    with store.read() as conn:
        names = set(conn.execute(select(INSTRUMENTS.c.owner_id, INSTRUMENTS.c.name)).all())
    assert {n for _, n in names} <= {"液相色谱仪", "扫描电子显微镜", "X射线衍射仪"}


def test_service_statistics_are_pushed_per_year(push, store):
    push("440000", samples.guangdong_csv(3))
    ids = [samples.gd_id(i) for i in range(3)] + ["GD-UNKNOWN"]
    report = push("440000", samples.guangdong_service_csv(ids, 2012), mode=None, kind="service", year=2012).get_json()
    assert report["kind"] == "service" and report["counts"]["updated"] == 3 and len(report["rejected"]) == 1
    assert report["rejected"][0]["source_id"] == "GD-UNKNOWN"
    assert _count(store, ServiceStats.__table__, ServiceStats.__table__.c.year == 2012) == 3


@pytest.mark.parametrize(
    "query, detail",
    [
        pytest.param({"mode": "replace"}, "mode must be one of", id="unknown mode"),
        pytest.param({"mode": None, "kind": "service"}, "year=YYYY", id="service without year"),
        pytest.param({"mode": "snapshot", "kind": "service", "year": 2012}, "mode=upsert", id="service snapshot"),
    ],
)
def test_bad_batch_parameters_get_400(push, query, detail):
    r = push("440000", samples.guangdong_csv(1), **query)
    assert r.status_code == 400 and detail in r.get_json()["detail"]


def test_a_harvested_network_takes_no_push(push, tokens):
    assert push("370000", b"[]", fmt="json", token="admin").status_code == 409


def test_records_without_an_id_are_reported_by_line(push):
    body = "仪器编号,仪器名称,原值(万元),所属单位,运行状态,共享方式\n,电镜,10,中山大学,正常,外部共享\nGD9,电镜,10,中山大学,正常,外部共享\n".encode("gb18030")
    report = push("440000", body).get_json()
    assert report["counts"]["created"] == 1 and report["counts"]["rejected"] == 1
    assert report["rejected"][0]["field"] == "仪器编号" and "line 2" in report["rejected"][0]["reason"]


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
