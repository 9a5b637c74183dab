"""Liveness, readiness and metrics, for a load balancer, an orchestrator and Prometheus.

    GET /healthz   200 while the process answers (liveness: restart it when this fails)
    GET /readyz    200 when the store answers and its schema is at the latest migration; 503 otherwise
                   (readiness: send it no traffic until this passes)
    GET /metrics   Prometheus text format (hub.metrics): requests and latencies of this process (of all
                   workers with PROMETHEUS_MULTIPROC_DIR), and jobs, records and evaluations from the store

Public by design: they say nothing a visitor cannot count from the catalogue itself, and scrapers and
probes carry no credentials. docs/operations.md lists the metrics.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub.auth.web import public
from hub.metrics import build_registry, exposition
from hub.web import store

bp = Blueprint("health", __name__)


@bp.record_once
def _instrument(state):
    app = state.app
    registry, requests = build_registry(app.extensions["hub_store"])
    app.extensions["hub_metrics"] = (registry, requests)

    @app.before_request
    def _start_clock():
        g.hub_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("hub_started", None)
        if started is not None:
            # The endpoint name, not the path: paths carry ids and would make a series per instrument.
            requests.observe(request.endpoint or "unmatched", response.status_code, time.perf_counter() - started)
        return response


@bp.get("/healthz")
@public
def healthz():
    return jsonify(status="ok")


#: Seconds /readyz waits for the store: a probe that hangs tells the orchestrator nothing, and each
#: hanging probe held a request thread.
READY_DEADLINE_S = 2.0


class _OneAtATime:
    """Runs a check in a thread of its own, never two at once, and waits for it at most a deadline.
    A check the store never answers (a partition that drops packets, a hung server) keeps its thread;
    later probes wait on that same check instead of starting another, so threads stay bounded."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readiness")
        self._running: Future | None = None

    def __call__(self, check, deadline: float):
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._pool.submit(check)
            running = self._running
        return running.result(timeout=deadline)


def _schema_versions(s) -> tuple:
    from hub.store.migrate import current, head

    with s.read() as conn:
        conn.execute(text("select 1"))
    return current(s), head()


@bp.get("/readyz")
@public
def readyz():
    try:
        readiness = current_app.extensions.setdefault("hub_readiness", _OneAtATime())  # one check at a time per app
        at, latest = readiness(partial(_schema_versions, store()), READY_DEADLINE_S)
    except FutureTimeout:
        current_app.logger.warning("readiness: the store did not answer within %s s", READY_DEADLINE_S)
        return jsonify(status="unavailable", reason=f"the store did not answer within {READY_DEADLINE_S:g} s"), 503
    except (SQLAlchemyError, OSError) as exc:  # any failure to reach the store means: not ready
        current_app.logger.warning("readiness: store unreachable: %s", exc)
        return jsonify(status="unavailable", reason="the store does not answer"), 503
    if at != latest:
        # During a rolling upgrade the hosts not yet upgraded meet a schema newer than their code:
        # `hub init` would not help them; the new release would.
        from hub.store.migrate import known

        fix = "run `hub init`" if known(at) else "the schema is newer than this code: deploy the new release on this host"
        return jsonify(status="unavailable", reason=f"schema at {at}, code expects {latest}: {fix}"), 503
    return jsonify(status="ready", schema=at)


@bp.get("/metrics")
@public
def metrics():
    registry, _ = current_app.extensions["hub_metrics"]
    # content_type, not mimetype: Flask adds "; charset=utf-8" to a text mimetype, and it was sent twice.
    return Response(exposition(registry), content_type="text/plain; version=0.0.4; charset=utf-8")
