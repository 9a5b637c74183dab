"""Alerts: the rule (table-driven), the store round trip, and the notifiers (webhook against a real
local HTTP server); the `operations:` settings are validated where they are loaded."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import insert

from hub.config import Settings
from hub.errors import ConfigError
from hub.harvest.jobs import JOBS
from hub.ops import alerts, probes
from hub.ops.alerts import Health, decide
from hub.ops.notify import make_notifier
from hub.ops.probes import ProbeResult

T = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)
FAIL, OK, SHUT = ("failed", "http 500"), ("succeeded", None), ("failed", "interrupted: Shutdown: interrupted by shutdown")


@pytest.mark.parametrize(
    "runs, since, open_kinds, expected",
    [
        pytest.param([FAIL, FAIL, FAIL], None, set(), [("open", "failed_runs")], id="three failures in a row open"),
        pytest.param([FAIL, FAIL, OK], None, set(), [], id="two are not enough"),
        pytest.param([FAIL, ("crashed", None), FAIL], None, set(), [("open", "failed_runs")], id="a crash counts"),
        pytest.param([FAIL, SHUT, FAIL, OK], None, set(), [], id="our own shutdown is not the network's failure"),
        pytest.param([FAIL, FAIL, FAIL], None, {"failed_runs"}, [], id="already open: not again"),
        pytest.param([OK, FAIL, FAIL], None, {"failed_runs"}, [("close", "failed_runs")], id="a success closes"),
        pytest.param([], T - timedelta(minutes=61), set(), [("open", "unreachable")], id="down an hour opens"),
        pytest.param([], T - timedelta(minutes=59), set(), [], id="down 59 minutes does not"),
        pytest.param([], None, {"unreachable"}, [("close", "unreachable")], id="a good probe closes"),
        pytest.param([], T - timedelta(minutes=90), {"unreachable"}, [], id="still down: stays open"),
    ],
)
def test_the_alert_rule(runs, since, open_kinds, expected):
    got = decide(Health("370000", runs, since), open_kinds, failed_runs=3, unreachable_minutes=60, at=T)
    assert [(d.action, d.kind) for d in got] == expected
    assert all("370000" in d.message for d in got)


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 204

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.received, _Hook.status = [], 204
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Hook
    server.shutdown()
    server.server_close()


def _settings(**ops):
    s = Settings.load()
    return dataclasses.replace(s, operations={**s.operations, **ops})


def _fail_runs(store, network, n, start):
    with store.write() as conn:
        for i in range(n):
            conn.execute(
                insert(JOBS).values(
                    network=network,
                    kind="incremental",
                    state="failed",
                    started_at=start + timedelta(minutes=i),
                    finished_at=start + timedelta(minutes=i, seconds=5),
                    message="network 370000: HTTP 500",
                )
            )


def test_failing_runs_and_an_outage_open_alerts_sent_to_the_webhook_and_the_log(store, webhook, caplog):
    url, hook = webhook
    settings = _settings(notifier={"kind": "webhook", "url": url, "timeout": 5})
    notifier = make_notifier(settings.operations["notifier"])
    _fail_runs(store, "370000", 3, T - timedelta(hours=2))
    probes.record(
        store,
        [
            ProbeResult("420000", T - timedelta(minutes=m), m > 70, 12.0 if m > 70 else None, "ok" if m > 70 else "http_503")
            for m in range(0, 120, 10)
        ],
    )
    with caplog.at_level(logging.WARNING, logger="hub.alerts"):
        sent = alerts.check_alerts(store, ["370000", "420000", "130000"], settings, notifier, at=T)
    assert sorted((a["network"], a["kind"], a["state"]) for a in sent) == [
        ("370000", "failed_runs", "opened"),
        ("420000", "unreachable", "opened"),
    ]
    assert sorted((body["network"], body["kind"]) for _, body in hook.received) == [("370000", "failed_runs"), ("420000", "unreachable")]
    assert all(ct.startswith("application/json") for ct, _ in hook.received)
    assert "unreachable for 70 min" in next(b["message"] for _, b in hook.received if b["kind"] == "unreachable")
    assert "alert failed_runs opened for network 370000" in caplog.text
    with store.read() as conn:
        opened = alerts.list_alerts(conn, state="open")
    assert {a["notified"] for a in opened} == {"webhook 204"}

    # Nothing new: nothing sent. The network answers again: the alert closes and that is sent too.
    assert alerts.check_alerts(store, ["370000", "420000"], settings, notifier, at=T) == []
    probes.record(store, [ProbeResult("420000", T + timedelta(minutes=5), True, 10.0, "ok")])
    [closed] = alerts.check_alerts(store, ["420000"], settings, notifier, at=T + timedelta(minutes=6))
    assert (closed["kind"], closed["state"]) == ("unreachable", "closed")
    with store.read() as conn:
        assert [a["network"] for a in alerts.list_alerts(conn, state="open")] == ["370000"]
        assert [a["kind"] for a in alerts.list_alerts(conn, state="closed")] == ["unreachable"]


def test_a_failing_webhook_is_logged_and_never_stops_the_check(store, webhook, caplog):
    url, hook = webhook
    hook.status = 500
    settings = _settings(notifier={"kind": "webhook", "url": url})
    _fail_runs(store, "370000", 3, T - timedelta(hours=1))
    with caplog.at_level(logging.INFO, logger="hub.alerts"):
        [sent] = alerts.check_alerts(store, ["370000"], settings, make_notifier(settings.operations["notifier"]), at=T)
    assert "could not deliver" in caplog.text
    with store.read() as conn:
        [row] = alerts.list_alerts(conn)
    assert row["notified"].startswith("webhook failed: 500")


@pytest.mark.parametrize(
    "operations, key, words",
    [
        pytest.param({"notifier": {"kind": "pager"}}, "operations.notifier", "unknown notifier kind 'pager'", id="unknown notifier"),
        pytest.param({"notifier": {"kind": "webhook"}}, "operations.notifier", "needs option 'url'", id="webhook without url"),
        pytest.param(
            {"notifier": {"kind": "webhook", "url": "http://x", "timeout": "soon"}},
            "operations.notifier",
            "expected int or float",
            id="bad timeout",
        ),
        pytest.param(
            {"probe_interval_seconds": 1}, "operations.probe_interval_seconds", "greater than or equal to 10", id="probing too often"
        ),
        pytest.param({"service_stats_cron": "0 4 31 2 * *"}, "operations.service_stats_cron", "five fields", id="six-field cron"),
        pytest.param({"service_stats_cron": "0 25 * * *"}, "operations.service_stats_cron", "not a valid crontab", id="hour 25"),
        pytest.param({"alerts": {"failed_run": 3}}, "operations.alerts.failed_run", "Unknown field", id="typo in alerts"),
    ],
)
def test_operations_settings_are_validated_at_load(tmp_path, operations, key, words):
    path = tmp_path / "settings.yaml"
    path.write_text(json.dumps({"operations": operations}), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        Settings.load(path)
    assert exc.value.key == key and words in str(exc.value), str(exc.value)
