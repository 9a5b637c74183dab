"""`hub reindex` as an operator runs it: batches, and the resume hint after an interruption."""

from __future__ import annotations

from click.testing import CliRunner


from hub.cli import cli, exit_codes
from hub.config import settings
from tests.factories import make_corpus


def test_reindex_command_rebuilds_in_batches(sqlite_store, monkeypatch):
    make_corpus(sqlite_store)
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_store.url)
    settings.cache_clear()
    r = CliRunner().invoke(cli, ["reindex", "--batch", "100"])
    assert r.exit_code == 0, r.output
    assert "indexed 16 active instruments" in r.output


def test_an_interrupted_reindex_says_how_to_resume(sqlite_store, monkeypatch):
    import hub.search.index as index

    make_corpus(sqlite_store)
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_store.url)
    settings.cache_clear()
    real = index.index_instruments
    calls = []

    def interrupted(conn, ids, prepared=None):
        calls.append(ids)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(conn, ids, prepared)

    monkeypatch.setattr(index, "index_instruments", interrupted)
    r = CliRunner().invoke(cli, ["reindex", "--batch", "5"])
    assert r.exit_code == exit_codes.INTERRUPTED.code  # Ctrl-C: 130, as docs/operations.md's table says
    assert "interrupted after 5 instruments" in r.output
    resume = r.output.split("--resume-after '")[1].split("'")[0]
    monkeypatch.setattr(index, "index_instruments", real)
    r = CliRunner().invoke(cli, ["reindex", "--batch", "5", "--resume-after", resume])
    assert r.exit_code == 0 and "indexed 11 active instruments" in r.output


def test_a_reindex_stopped_by_sigterm_says_how_to_resume(sqlite_store, monkeypatch):
    import hub.search.index as index

    make_corpus(sqlite_store)
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_store.url)
    settings.cache_clear()
    real = index.index_instruments
    calls = []

    def terminated(conn, ids, prepared=None):
        calls.append(ids)
        if len(calls) == 2:
            raise exit_codes.Terminated()  # what `hub reindex`'s SIGTERM handler raises
        return real(conn, ids, prepared)

    monkeypatch.setattr(index, "index_instruments", terminated)
    r = CliRunner().invoke(cli, ["reindex", "--batch", "5"])
    assert r.exit_code == exit_codes.TERMINATED.code
    assert "interrupted after 5 instruments" in r.output and "--resume-after '" in r.output
