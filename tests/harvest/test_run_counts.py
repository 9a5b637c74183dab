"""A run's history keeps every count, so a run's row adds up to what arrived: the explicit deletions
that withdrew an instrument (`deleted`) and those that found none (`not_found`) were counted in the
run's outcome but not kept on its row, and the operator's run history could not show them."""

from __future__ import annotations

import re

from lxml import html as lhtml
from sqlalchemy import select

from hub.auth.tokens import create_token
from hub.cli.errors_cmd import counts_line
from hub.cli.harvest_cmd import SUMMARY_HEADERS, summary_rows
from hub.harvest.jobs import JOBS
from hub.metrics import StoreCollector
from hub.web import create_app
from tests.conftest import auth

CODE = "370000"  # sdyq-xml: an incremental export names deleted records (<Deleted>)


def _row(store, job_id):
    with store.read() as conn:
        return conn.execute(select(JOBS).where(JOBS.c.id == job_id)).one()


def _adds_up(row) -> bool:
    return row.fetched == row.created + row.updated + row.unchanged + row.rejected + row.deleted + row.not_found


def test_a_runs_row_keeps_its_deletions_and_not_found_and_adds_up(harvester, registry, sim, store):
    network = registry.get(CODE)
    harvester.harvest(network)
    sim.mutate(CODE, update=1, delete=2)
    [deleting] = harvester.harvest(network)
    # The same deletions again (the next incremental run's window overlaps): nothing left to withdraw.
    [resent] = harvester.harvest(network)
    assert (deleting.kind, resent.kind) == ("incremental", "incremental")

    first, again = _row(store, deleting.job_id), _row(store, resent.job_id)
    assert (first.fetched, first.updated, first.deleted, first.not_found, first.withdrawn) == (3, 1, 2, 0, 2), first
    assert (again.fetched, again.unchanged, again.deleted, again.not_found, again.withdrawn) == (3, 1, 0, 2, 0), again
    assert _adds_up(first) and _adds_up(again), (first, again)
    assert counts_line(again) == "fetched 3: created 0, updated 0, unchanged 1, rejected 0, deleted 0, not found 2; withdrawn 0"

    # `hub harvest`'s summary table: the run's fetched add up there too.
    shown = dict(zip(SUMMARY_HEADERS, summary_rows([resent])[0]))
    assert (shown["fetched"], shown["unchanged"], shown["deleted"], shown["not found"]) == ("3", "1", "0", "2"), shown

    # Prometheus: every outcome of a job's records, the deletions included.
    records = next(f for f in StoreCollector(store).collect() if f.name == "hub_job_records")
    by_outcome = {s.labels["outcome"]: s.value for s in records.samples if s.labels["kind"] == "incremental"}
    assert (by_outcome["deleted"], by_outcome["not_found"]) == (2, 2), by_outcome


def test_the_run_history_page_and_json_show_them(harvester, registry, sim, store):
    network = registry.get(CODE)
    harvester.harvest(network)
    sim.mutate(CODE, update=1, delete=2)
    [deleting] = harvester.harvest(network)
    [resent] = harvester.harvest(network)
    client = create_app({"STORE": store, "TESTING": True, "REGISTRY": registry}).test_client()
    token = create_token(store, "admin")[1]

    runs = {r["id"]: r for r in client.get(f"/api/v1/admin/networks/{CODE}", headers=auth(token)).get_json()["runs"]}
    assert {k: runs[deleting.job_id]["counts"][k] for k in ("fetched", "updated", "deleted", "not_found")} == dict(
        fetched=3, updated=1, deleted=2, not_found=0
    )
    assert runs[resent.job_id]["counts"]["not_found"] == 2, runs[resent.job_id]

    assert client.post("/admin/login", data={"token": token}).status_code == 303
    doc = lhtml.fromstring(client.get(f"/admin/networks/{CODE}?lang=en").get_data(as_text=True))
    heads = [th.text_content().strip() for th in doc.xpath('//table[@id="runs"]/thead//th')]
    rows = {
        tr.get("id"): dict(zip(heads, (re.sub(r"\s+", " ", td.text_content()).strip() for td in tr.xpath("./td"))))
        for tr in doc.xpath('//table[@id="runs"]/tbody/tr')
    }
    again = rows[f"run-{resent.job_id}"]
    assert (again["Fetched"], again["Unchanged"], again["Deleted"], again["Not found"]) == ("3", "1", "0", "2"), again
    assert rows[f"run-{deleting.job_id}"]["Deleted"] == "2", rows[f"run-{deleting.job_id}"]
