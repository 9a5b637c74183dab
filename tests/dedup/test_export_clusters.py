"""`hub export` follows search: one record per instrument several networks list, every network's
record with --all-sources (the CLI on SQLite; the search it reads is tested on both backends in
test_one_per_cluster.py)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hub.cli import cli
from hub.dedup.store import resolve_pending
from tests.dedup.test_one_per_cluster import OTHER, OWNER
from tests.factories import make_instruments


def test_the_export_gives_one_record_per_instrument_unless_asked_for_every_source(sqlite_store, monkeypatch):
    store = sqlite_store
    listed = make_instruments(store, [dict(network=n, owner=OWNER) for n in ("370000", "420000", "130000")])
    [other] = make_instruments(store, [dict(network="110000", **OTHER)])
    resolve_pending(store)
    monkeypatch.setenv("HUB_DATABASE_URL", store.url)

    def exported(*args):
        done = CliRunner().invoke(cli, ["export", "--format", "jsonl", *args], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    once = exported()
    assert len(once) == 2 and other in {r["id"] for r in once}
    [shown] = [r for r in once if r["id"] in listed]
    assert shown["cluster_id"] == min(listed)
    every = exported("--all-sources")
    assert {r["id"] for r in every} == {*listed, other}
    assert {r["cluster_id"] for r in every if r["id"] in listed} == {min(listed)}


def test_the_export_says_how_many_records_one_per_instrument_left_out(sqlite_store, monkeypatch):
    """A province exporting its own network got 2,521 of its 2,600 records, "exported 2521 instruments"
    and no word of the 79 another network's record represents (a national centre's probe)."""
    store = sqlite_store
    listed = make_instruments(store, [dict(network=n, owner=OWNER) for n in ("370000", "420000")])
    resolve_pending(store)
    monkeypatch.setenv("HUB_DATABASE_URL", store.url)

    def said(*args):
        return CliRunner().invoke(cli, ["export", "--format", "jsonl", *args], catch_exceptions=False).stderr

    by_network = {iid.split(":")[0]: said("--network", iid.split(":")[0]) for iid in listed}
    # the network whose record is not its cluster's representative is told, the other is not
    assert sorted("left out 1 records" in text for text in by_network.values()) == [False, True], by_network
    assert all("--all-sources" in text for text in by_network.values() if "left out" in text)
    assert not any("left out" in said("--network", code, "--all-sources") for code in by_network)
