"""Withdrawal holds of pushed snapshots through the HTTP API, as a steward and the national centre's
operator meet them: one pending decision a network, and who decided it by name."""

import threading

import pytest
from sqlalchemy import update

from hub.auth.tokens import create_token
from hub.feed import samples
from hub.feed.holds import HOLDS, get_hold
from tests.feed.conftest import auth


def _holds(client, token, state="all"):
    return {h["id"]: h for h in client.get(f"/api/v1/holds?state={state}", headers=auth(token)).get_json()["holds"]}


def test_a_second_short_snapshot_supersedes_the_waiting_hold_not_a_second_one(push, client, tokens):
    """The same half-size snapshot pushed twice opened two holds of 440000 side by side: confirming
    one and rejecting the other were both possible. The newer snapshot is the network's latest word:
    its hold is the one pending decision, the earlier one is closed naming the newer batch."""
    push("440000", samples.guangdong_csv(10))
    first = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()
    second = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()
    assert first["withdrawal"]["action"] == second["withdrawal"]["action"] == "hold", (first, second)
    old, new = first["withdrawal"]["hold"], second["withdrawal"]["hold"]
    assert second["withdrawal"]["superseded"] == [old], second["withdrawal"]

    assert list(_holds(client, tokens["admin"], "held")) == [new], "one pending decision for the network"
    closed = client.get(f"/api/v1/holds/{old}", headers=auth(tokens["admin"])).get_json()
    assert closed["state"] == "superseded" and second["id"] in closed["decided_by"], closed

    refused = client.post(f"/api/v1/holds/{old}/confirm", headers=auth(tokens["admin"]))
    assert refused.status_code == 409 and second["id"] in refused.get_json()["detail"], refused.get_json()
    assert client.post(f"/api/v1/holds/{new}/reject", headers=auth(tokens["admin"])).status_code == 200
    entries = client.get("/api/v1/audit?action=hold.supersede", headers=auth(tokens["admin"])).get_json()["entries"]
    assert [(e["target"], e["batch_id"]) for e in entries] == [(f"hold:{old}", second["id"])], entries


def test_a_superseded_hold_names_the_batch_and_the_job_that_superseded_it_in_fields_of_their_own(push, client, tokens, store):
    """The superseding listing was only text in `decided_by` ("batch X"), which the dashboard parsed
    back, and the API gave nothing else. The hold keeps the batch and its run's job in columns of
    their own, and the API shows which listing superseded it."""
    push("440000", samples.guangdong_csv(10))
    first = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()
    second = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()
    old = first["withdrawal"]["hold"]
    with store.read() as conn:
        row = get_hold(conn, old)
    assert (row["superseded_by_batch"], row["superseded_by_job"]) == (second["id"], second["job_id"]), row
    closed = client.get(f"/api/v1/holds/{old}", headers=auth(tokens["admin"])).get_json()
    assert closed["superseded_by"] == {"kind": "batch", "name": second["id"], "job": second["job_id"]}, closed
    held = client.get(f"/api/v1/holds/{second['withdrawal']['hold']}", headers=auth(tokens["admin"])).get_json()
    assert held["superseded_by"] is None and held["superseded_by_batch"] is None, held


def test_a_complete_snapshot_closes_the_waiting_hold_it_makes_moot(push, client, tokens):
    """After a short snapshot is held, the steward pushes the whole listing again: nothing is absent,
    and the hold left waiting would withdraw nothing on confirmation. It is closed, not left pending."""
    push("440000", samples.guangdong_csv(10))
    held = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()["withdrawal"]["hold"]
    full = push("440000", samples.guangdong_csv(10), mode="snapshot").get_json()
    assert full["withdrawal"]["action"] == "none" and full["withdrawal"]["superseded"] == [held], full["withdrawal"]
    assert _holds(client, tokens["admin"], "held") == {}


def test_a_snapshot_the_guard_distrusts_leaves_the_waiting_hold(push, client, tokens):
    """A snapshot cut short proves nothing: the hold made by a complete one still waits."""
    push("440000", samples.guangdong_csv(10))
    held = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()["withdrawal"]["hold"]
    lines = samples.guangdong_csv(10).splitlines(keepends=True)
    cut = push("440000", b"".join(lines[:9]) + lines[9][:12], mode="snapshot").get_json()
    assert cut["withdrawal"]["action"] == "skip" and cut["withdrawal"]["superseded"] == [], cut["withdrawal"]
    assert list(_holds(client, tokens["admin"], "held")) == [held]


def test_a_hold_decision_names_the_operator_by_label_and_token_id(push, client, store):
    """The audit of a hold decision said only `c27de4aa`; the centre knows its operators by name."""
    push("440000", samples.guangdong_csv(10))
    hold = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()["withdrawal"]["hold"]
    info, operator = create_token(store, "admin", label="国家中心值班员")
    decided = client.post(f"/api/v1/holds/{hold}/reject", headers=auth(operator)).get_json()
    assert (decided["decided_by"], decided["decided_by_label"]) == (info.id, "国家中心值班员"), decided
    (entry,) = client.get("/api/v1/audit?action=hold.reject", headers=auth(operator)).get_json()["entries"]
    assert entry["actor"] == info.id and entry["detail"]["actor_label"] == "国家中心值班员", entry
    again = client.post(f"/api/v1/holds/{hold}/confirm", headers=auth(operator))
    assert again.status_code == 409 and f"国家中心值班员 ({info.id})" in again.get_json()["detail"], again.get_json()


def test_a_snapshot_does_not_supersede_a_hold_an_operator_is_deciding(push, client, tokens, store):
    """PostgreSQL: an operator's decision holds the hold's row while a new short snapshot arrives.
    The snapshot waits for it, then leaves the decided hold decided and opens the one pending hold;
    before the lock, the superseding write overwrote a confirmation made between its read and write."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite's one write lock already serialises the two")
    push("440000", samples.guangdong_csv(10))
    deciding = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()["withdrawal"]["hold"]
    answers = {}
    with store.write() as conn:
        get_hold(conn, deciding, lock=True)  # as holds.decide does first
        sender = threading.Thread(target=lambda: answers.update(second=push("440000", samples.guangdong_csv(5), mode="snapshot")))
        sender.start()
        sender.join(timeout=3)
        assert sender.is_alive(), "the snapshot did not wait for the decision: the test proved nothing"
        conn.execute(update(HOLDS).where(HOLDS.c.id == deciding).values(state="rejected", decided_by="operator"))
    sender.join(timeout=60)
    second = answers["second"].get_json()
    assert second["withdrawal"]["superseded"] == [], second["withdrawal"]
    states = {h["id"]: h["state"] for h in _holds(client, tokens["admin"]).values()}
    assert states == {deciding: "rejected", second["withdrawal"]["hold"]: "held"}, states
