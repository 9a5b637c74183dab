"""Migration 0020 upgrading a store that has rows: a run from before it whose counts add up had no
deletion (0), one whose counts fall short had deletions never split into deleted and not found ("not
recorded", never 0); holds superseded before it read with the listing that superseded them, taken
once from the text they kept in `decided_by`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import html as lhtml
from sqlalchemy import MetaData, Table, insert

from hub.auth.tokens import create_token
from hub.cli.errors_cmd import counts_line, job_errors
from hub.config import Registry
from hub.feed.holds import decided_holds, list_holds
from hub.ops import dashboard
from hub.store.migrate import current, head, upgrade
from hub.web import create_app
from tests.conftest import BACKENDS, make_store

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)


def _old_rows(store) -> dict:
    """Rows as revision 0019 wrote them, through its own tables (today's models have more columns)."""
    with store.write() as conn:
        old = MetaData()
        jobs, holds, batches = (Table(name, old, autoload_with=conn) for name in ("harvest_jobs", "withdrawal_holds", "push_batches"))
        counts = dict(fetched=3, created=0, updated=1, unchanged=0, withdrawn=2, rejected=0)  # 2 deleted: unknown to 0019
        job = conn.execute(
            insert(jobs)
            .values(network="370000", kind="incremental", state="succeeded", started_at=T0, listing_complete=True, **counts)
            .returning(jobs.c.id)
        ).scalar_one()
        push_job = conn.execute(
            insert(jobs)
            .values(
                network="440000",
                kind="push",
                state="succeeded",
                started_at=T0,
                listing_complete=True,
                **dict(counts, fetched=1, updated=1, withdrawn=0),
            )
            .returning(jobs.c.id)
        ).scalar_one()
        conn.execute(
            insert(batches).values(
                id="b-0019",
                network="440000",
                kind="instruments",
                mode="snapshot",
                format="csv",
                request_hash="0" * 64,
                body_bytes=10,
                records=1,
                state="done",
                received_at=T0,
                attempts=1,
                job_id=push_job,
            )
        )

        def hold(network, state, decided_by, minutes):
            return conn.execute(
                insert(holds)
                .values(
                    network=network,
                    job_id=None,
                    created_at=T0,
                    listed=4,
                    active_before=10,
                    instrument_ids=[f"{network}:{i}" for i in range(6)],
                    state=state,
                    decided_by=decided_by,
                    decided_at=T0 + timedelta(minutes=minutes),
                )
                .returning(holds.c.id)
            ).scalar_one()

        return dict(
            job=job,
            push_job=push_job,
            by_batch=hold("440000", "superseded", "batch b-0019", 1),
            by_harvest=hold("370000", "superseded", f"harvest job {job}", 2),
            by_operator=hold("370000", "rejected", "a1b2c3d4", 3),
            held=hold("130000", "held", None, 4),
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrading_a_store_with_runs_and_superseded_holds(backend, tmp_path):
    store, cleanup = make_store(backend, tmp_path)
    try:
        upgrade(store, "0019")
        ids = _old_rows(store)
        upgrade(store)
        assert current(store) == head()
        with store.read() as conn:
            [run] = dashboard.runs(conn, "370000")
            [pushed] = dashboard.runs(conn, "440000")
            job, _ = job_errors(conn, "370000", None, warnings=False)
            decided = {h["id"]: h for h in decided_holds(conn)["items"]}
            [waiting] = list_holds(conn)

        # Not 0: the run had two deletions the row never kept; "not recorded" says so.
        assert run["id"] == ids["job"] and run["counts"]["deleted"] is None and run["counts"]["not_found"] is None, run
        assert (pushed["counts"]["deleted"], pushed["counts"]["not_found"]) == (0, 0), pushed  # 1 fetched = 1 updated
        assert counts_line(job) == (
            "fetched 3: created 0, updated 1, unchanged 0, rejected 0, deleted not recorded, not found not recorded; withdrawn 2"
        )

        assert decided[ids["by_batch"]]["superseded_by"] == {"kind": "batch", "name": "b-0019", "job": ids["push_job"]}
        assert decided[ids["by_batch"]]["decider"] is None
        by_harvest = decided[ids["by_harvest"]]
        assert by_harvest["superseded_by"] == {"kind": "harvest job", "name": str(ids["job"]), "job": ids["job"]}, by_harvest
        assert (by_harvest["superseded_by_batch"], by_harvest["superseded_by_job"]) == (None, ids["job"])
        by_operator = decided[ids["by_operator"]]
        assert by_operator["superseded_by"] is None and by_operator["decider"] == "a1b2c3d4", by_operator
        assert waiting["id"] == ids["held"] and waiting["superseded_by"] is None

        client = create_app({"STORE": store, "TESTING": True, "REGISTRY": Registry.load()}).test_client()
        assert client.post("/admin/login", data={"token": create_token(store, "admin")[1]}).status_code == 303
        doc = lhtml.fromstring(client.get("/admin/networks/370000?lang=en").get_data(as_text=True))
        heads = [th.text_content().strip() for th in doc.xpath('//table[@id="runs"]/thead//th')]
        shown = dict(zip(heads, (td.text_content().strip() for td in doc.xpath(f'//tr[@id="run-{ids["job"]}"]/td'))))
        assert (shown["Fetched"], shown["Deleted"], shown["Not found"], shown["Withdrawn"]) == ("3", "not recorded", "not recorded", "2"), (
            shown
        )
    finally:
        cleanup()
