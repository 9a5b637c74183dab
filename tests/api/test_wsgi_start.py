"""The production entry point (hub.web.wsgi) builds, as the process starts, what a search would
otherwise build for its first visitor: the slip lexicon of every network's names and the names of
the cities the whole catalogue's facets show, and the search columns nation-wide questions are counted from."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.factories import make_corpus

from hub import PROJECT_ROOT
from hub.web import create_app

#: Imports the entry point as gunicorn does and says which cities it knows by name (first line),
#: how many documents its search columns hold (second line), how many objects start-up left out of
#: the garbage collector's sight and how many it still walks (third line), and whose names its slip
#: lexicon holds (fourth line; a store not yet initialised fails here), before any request.
PROBE = """
import gc
import hub.web.wsgi
from hub.search import columns, facets, lexicon
print(" ".join(sorted(facets._CITY_NAMES)))
print(sum(int(c.alive.sum()) for c in columns._HELD.values()))
gc.collect()
print(gc.get_freeze_count(), len(gc.get_objects()))
[kept] = lexicon._CACHE.values()
print(" ".join(sorted(kept["networks"])))
"""


def _started(url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_SECRET_KEY": "wsgi-test-key-0123456789abcdef"}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_the_slip_lexicon_is_built_as_a_web_process_starts(sqlite_store):
    networks = {i.split(":", 1)[0] for i in make_corpus(sqlite_store)}
    started = _started(sqlite_store.url)
    assert started.returncode == 0, started.stderr
    assert set(started.stdout.splitlines()[3].split()) == networks


def test_the_search_columns_are_read_as_a_web_process_starts(sqlite_store):
    make_corpus(sqlite_store)
    with sqlite_store.read() as conn:
        documents = conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar()
    started = _started(sqlite_store.url)
    assert started.returncode == 0, started.stderr
    assert documents and int(started.stdout.splitlines()[1]) == documents


def test_the_city_names_of_the_home_page_are_read_as_a_web_process_starts(sqlite_store):
    make_corpus(sqlite_store)
    started = _started(sqlite_store.url)
    assert started.returncode == 0, started.stderr
    client = create_app({"STORE": sqlite_store, "TESTING": True}).test_client()
    shown = {item["value"] for item in client.get("/api/v1/instruments").get_json()["facets"]["city"] if not item.get("unknown")}
    assert shown and set(started.stdout.splitlines()[0].split()) == shown


def test_a_store_not_yet_initialised_still_starts_and_says_so(tmp_path):
    started = _started(f"sqlite:///{tmp_path}/empty.sqlite")
    assert "slip lexicon, city names and search columns not built at start" in started.stderr
    assert "ValueError" in started.stderr  # the probe's: nothing was kept, the app itself started


def test_what_start_up_built_is_out_of_the_collectors_sight(sqlite_store):
    make_corpus(sqlite_store)
    started = _started(sqlite_store.url)
    assert started.returncode == 0, started.stderr
    frozen, walked = started.stdout.splitlines()[2].split()
    # The lexicon, city names, pinyin dictionary and libraries: kept, never walked by a collection.
    assert int(frozen) > 100_000 and int(walked) < int(frozen) // 10


def test_hub_serve_starts_warmed_as_the_production_entry_point_does(sqlite_store, monkeypatch):
    """`hub serve` holds the search columns before its first request: without them a nation-wide
    question with a query was counted by the database, ~0.7 s at a million instruments."""
    from click.testing import CliRunner
    from flask import Flask

    from hub.cli.serve_cmd import serve
    from hub.search import columns

    make_corpus(sqlite_store)
    served = []
    monkeypatch.setattr(Flask, "run", lambda app, **kw: served.append(app))
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_store.url)
    monkeypatch.setenv("HUB_SECRET_KEY", "serve-test-key-0123456789abcdef")
    try:
        result = CliRunner().invoke(serve, ["--port", "8999"])
        assert result.exit_code == 0, result.output
        with sqlite_store.read() as conn:
            held = columns.held(conn)
            documents = conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar()
        assert served and held is not None and documents and int(held.alive.sum()) == documents
    finally:
        columns._HELD.clear()  # this process's other tests answer from the database
