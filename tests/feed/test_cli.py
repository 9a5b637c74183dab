"""`hub token` and `hub push` as an operator and a province use them, against a real HTTP server."""

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.auth.models import ApiToken
from hub.auth.tokens import hash_token
from hub.cli import cli
from hub.feed import samples


@pytest.fixture
def store(sqlite_store):
    # Who may do what does not depend on the backend; the batch tests run on both.
    return sqlite_store


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture
def run(store, monkeypatch):
    monkeypatch.setattr("hub.cli.token_cmd.open_store", lambda: store)

    def _run(*args):
        return CliRunner().invoke(cli, list(map(str, args)), standalone_mode=False, catch_exceptions=False)

    return _run


def test_token_create_prints_the_token_once_and_stores_only_its_hash(run, store):
    result = run("token", "create", "--role", "publisher", "--network", "440000", "--label", "广东平台")
    token = result.stdout.strip()
    assert token.startswith("hub_") and "shown only this once" in result.stderr
    with store.read() as conn:
        row = conn.execute(select(ApiToken.__table__)).one()
    assert row.secret_hash == hash_token(token) and token not in str(tuple(row))
    listing = run("token", "list").stdout
    assert row.id in listing and "440000" in listing and token.split("_", 2)[2] not in listing  # the secret may hold "_" itself
    assert run("token", "revoke", row.id).stdout.strip() == f"token {row.id} revoked"
    assert "revoked" in run("token", "list").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["--role", "publisher"], "needs --network", id="publisher without network"),
        pytest.param(["--role", "evaluator", "--network", "440000"], "only for publishers", id="evaluator with network"),
        pytest.param(["--role", "publisher", "--network", "990000"], "not in the registry", id="unknown network"),
    ],
)
def test_token_create_refuses_wrong_grants(run, args, message):
    result = CliRunner().invoke(cli, ["token", "create", *args])
    assert result.exit_code != 0 and message in result.output


def test_hub_push_sends_a_file_as_a_province_would(run, server, tokens, tmp_path, store):
    path = tmp_path / "gd.csv"
    path.write_bytes(samples.guangdong_csv(30, bad=2))
    result = run("push", "440000", path, "--mode", "upsert", "--token", tokens["gd"], "--url", server, "--idempotency-key", "gd-1")
    assert result.return_value == 1  # two records rejected
    out = result.stdout
    assert "created 28" in out and "rejected records (2)" in out
    for source_id, field in samples.bad_ids(30, 2).items():
        assert source_id in out and field in out
    again = run("push", "440000", path, "--mode", "upsert", "--token", tokens["gd"], "--url", server, "--idempotency-key", "gd-1")
    assert again.stdout == out  # the same answer, nothing applied twice


def test_hub_push_reports_a_refusal(run, server, tokens, tmp_path):
    path = tmp_path / "bj.json"
    path.write_bytes(samples.beijing_json(2))
    result = run("push", "110000", path, "--token", tokens["gd"], "--url", server)
    assert result.return_value == 2 and "HTTP 403" in result.stderr


def test_hub_push_waits_for_a_background_batch(app, run, server, tokens, tmp_path, store):
    app.config.update(FEED_LIMITS={"async_records": 5}, FEED_WORKER=True)
    path = tmp_path / "bj.xml"
    path.write_bytes(samples.beijing_xml(8))
    from hub.web.feed import worker

    try:
        result = run("push", "110000", path, "--mode", "snapshot", "--token", tokens["bj"], "--url", server)
        assert result.return_value == 0, result.output
        assert "accepted for background processing" in result.stderr and "created 8" in result.stdout
    finally:
        with app.app_context():
            worker().stop()


@pytest.mark.parametrize("report", ["@evil.example/x", "//evil.example/x", "http://evil.example/x", "x@evil.example"])
def test_hub_push_never_sends_its_token_to_another_host_than_the_hub(run, tmp_path, report):
    """`hub push` polled f"{url}{report}" with the report path the hub answered: a hostile or
    intercepted answer of '@evil.example/x' made that http://127.0.0.1:8000@evil.example/x, and the
    province's token went to evil.example."""
    import responses

    path = tmp_path / "bj.json"
    path.write_bytes(samples.beijing_json(2))
    with responses.RequestsMock() as mock:  # any request not registered here fails the test
        mock.post(
            "http://hub.example/api/v1/networks/110000/batches",
            status=202,
            json={"id": "110000-x", "state": "queued", "report": report},
        )
        result = run("push", "110000", path, "--token", "secret-token", "--url", "http://hub.example")
    assert result.return_value == 1
    assert "not on http://hub.example" in result.stderr and "not followed" in result.stderr


def test_hub_push_names_a_bad_header_cell_without_a_column_of_none(run, server, tokens, tmp_path):
    """A header with an empty cell was refused as 'CSV body at line 1, column None: … (line 1, column None)'."""
    path = tmp_path / "gd.csv"
    path.write_bytes("仪器编号,,仪器名称\nGD1,x,电镜\n".encode("gb18030"))
    result = run("push", "440000", path, "--token", tokens["gd"], "--url", server)
    assert result.return_value == 2 and "header cell 2 is empty" in result.stderr, result.stderr
    assert "None" not in result.stderr and result.stderr.count("line 1") == 1, result.stderr
