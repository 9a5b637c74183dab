"""One threaded HTTP server for all simulated networks, each under ``/{code}``, plus run-time control.

    with SimulatorServer(networks=["370000", "420000", "130000"], scale=1.0, port=0) as sim:
        sim.url                       # http://127.0.0.1:PORT
        sim.base_url("370000")        # http://127.0.0.1:PORT/370000
        sim.set_fault("420000", "http_error", status=500, nth=2, count=1)
        sim.mutate("370000", update=5, delete=2, add=3)

Control over HTTP (for a simulator in another process): ``GET {url}/_control/networks``,
``GET|POST|DELETE {url}/_control/{code}/faults`` (POST a JSON object ``{"kind": ..., params}`` or a
list of them), ``POST {url}/_control/{code}/mutate`` with ``{"update": n, "delete": n, "add": n}``.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from hub.simulate.families import FAMILIES, Ctx, load_all
from hub.simulate.network_table import network_table, spec_for
from hub.simulate.state import NetworkState

log = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the access log of a test server is noise
        pass


#: The network's public pages the hub's instrument page links to when a record has no booking link
#: (conf/networks.yaml portal_url / apply_url): plain pages, outside the harvest's fault machinery.
PUBLIC_PAGES = {
    "portal": (
        "<!doctype html><meta charset=utf-8><title>{code} 服务平台</title>"
        "<h1>大型科学仪器共享服务平台（模拟 {code}）</h1><p>仪器预约、检测服务与费用。</p>"
    ),
    "apply": (
        "<!doctype html><meta charset=utf-8><title>{code} 如何申请</title><h1>如何申请使用仪器（模拟 {code}）</h1>"
        "<ol><li>注册单位账号</li><li>选择仪器并提交预约</li><li>与管理员确认时间与费用</li></ol>"
    ),
}


def default_networks() -> list[str]:
    from hub.simulate.registers import REGISTERS

    return [code for code, spec in network_table().items() if spec.simulated] + list(REGISTERS)


class SimulatorApp:
    """The WSGI app: dispatches ``/{code}/...`` to the network's family server."""

    def __init__(
        self, networks=None, scale: float = 1.0, seed: int = 1, realistic: bool = False, cache_size: int = 12_000, warm: bool = False
    ):
        load_all()
        self.states: dict[str, NetworkState] = {}
        self.families = {}
        for code in networks or default_networks():
            spec = spec_for(code)
            if spec.family not in FAMILIES:
                raise ValueError(f"network {code}: family {spec.family!r} is not simulated yet (simulated: {', '.join(sorted(FAMILIES))})")
            state = NetworkState(spec, seed=seed, scale=scale, realistic=realistic, cache_size=cache_size)
            state.code = code  # a register generates from its base province's row but answers as itself
            if warm:
                state.warm()
            self.states[code] = state
            self.families[code] = FAMILIES[spec.family](state)

    def __call__(self, environ, start_response):
        request = Request(environ)
        head, _, rest = request.path.strip("/").partition("/")
        if head == "_control":
            response = self._control(request, rest)
        elif head in self.states and rest in PUBLIC_PAGES:
            response = Response(PUBLIC_PAGES[rest].format(code=head), mimetype="text/html")
        elif head in self.states:
            response = self._network(request, head, "/" + rest)
        else:
            response = Response("no such network\n", status=404, mimetype="text/plain")
        return response(environ, start_response)

    # -- network requests ----------------------------------------------------------------------
    def _network(self, request, code, path) -> Response:
        state, family = self.states[code], self.families[code]
        page = request.args.get("pageNo") or request.args.get("page")
        url = request.full_path
        with state.lock:
            state.requests += 1
            state.url_attempts[url] += 1
            attempt = state.url_attempts[url]
        if state.realistic and state.spec.page_latency:
            rnd = random.Random(f"{url}#{attempt}")
            time.sleep(
                state.spec.page_latency * rnd.uniform(0.6, 6.0)
                if family.family == "yqlm-html"
                else state.spec.page_latency * rnd.uniform(0.2, 1.5)
            )
        slow = state.active("slow", path, page, url, attempt)
        if slow:
            time.sleep(float(slow.options["delay"]))
        limit_fault = state.standing("rate_limit")
        limit = limit_fault.options["per_second"] if limit_fault else state.spec.rate_limit
        if state.rate_limited(limit):
            retry = str(limit_fault.options["retry_after"] if limit_fault else 1)
            return family.error(429, {"Retry-After": retry})
        fault = state.active("unavailable", path, page, url, attempt)
        if fault:
            return family.error(503, {"Retry-After": str(fault.options["retry_after"])})
        fault = state.active("http_error", path, page, url, attempt)
        if fault:
            return family.error(int(fault.options["status"]))
        if state.realistic and getattr(family, "drop_rate", 0):
            from hub.simulate.faults import deterministic_roll

            if deterministic_roll(url, attempt, family.drop_rate):
                return family.error(502)
        ctx = Ctx(
            empty=state.active("empty", path, page, url, attempt) is not None,
            drop_token=state.active("drop_token", path, page, url, attempt) is not None,
        )
        cut = state.active("truncate", path, page, url, attempt)
        ctx.truncate = float(cut.options["at"]) if cut else None
        ctx.boundary = bool(cut and cut.options["boundary"])
        short = state.active("short_page", path, page, url, attempt)
        ctx.keep = float(short.options["keep"]) if short else None
        response = family.handle(request, path, ctx)
        if ctx.truncate is not None and not response.is_streamed:
            data = response.get_data()
            at = int(len(data) * ctx.truncate)
            marker = getattr(family, "record_end", None)
            if ctx.boundary and marker:
                end = data.rfind(marker, 0, at)
                at = end + len(marker) if end >= 0 else 0
            response.set_data(data[:at])  # Content-Length follows: nothing at the HTTP level tells
        return response

    # -- control -------------------------------------------------------------------------------
    def _control(self, request, rest) -> Response:
        if rest == "networks":
            return _json(
                [
                    {"code": c, "family": s.spec.family, "province": s.spec.province, "total": s.total, "live": len(s.live())}
                    for c, s in self.states.items()
                ]
            )
        code, _, what = rest.partition("/")
        state = self.states.get(code)
        if state is None:
            return _json({"error": f"no such network {code}"}, 404)
        try:
            if what == "faults":
                if request.method == "DELETE":
                    state.clear_faults()
                elif request.method == "POST":
                    body = request.get_json(force=True)
                    for item in body if isinstance(body, list) else [body]:
                        item = dict(item)
                        state.set_fault(item.pop("kind"), **item)
                return _json({"faults": [f.describe() for f in state.faults]})
            if what == "mutate" and request.method == "POST":
                body = request.get_json(force=True) or {}
                return _json(state.mutate(**{k: int(body.get(k, 0)) for k in ("update", "delete", "add")}))
        except (ValueError, TypeError, KeyError) as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"error": f"unknown control {what!r}"}, 404)


def _json(obj, status=200) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False, default=str), status=status, mimetype="application/json")


class SimulatorServer:
    """The simulator on a background thread: ephemeral port by default, clean shutdown on exit."""

    def __init__(
        self,
        networks=None,
        scale: float = 1.0,
        port: int = 0,
        host: str = "127.0.0.1",
        seed: int = 1,
        realistic: bool = False,
        cache_size: int = 12_000,
        warm: bool = False,
    ):
        self.app = SimulatorApp(networks, scale=scale, seed=seed, realistic=realistic, cache_size=cache_size, warm=warm)
        self.host = host
        self._server = make_server(host, port, self.app, threaded=True, request_handler=_QuietHandler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def networks(self) -> list[str]:
        return list(self.app.states)

    def base_url(self, code: str) -> str:
        return f"{self.url}/{code}"

    def state(self, code: str) -> NetworkState:
        return self.app.states[code]

    def set_fault(self, code: str, kind: str, **params):
        return self.app.states[code].set_fault(kind, **params)

    def clear_faults(self, code: str | None = None):
        for c in [code] if code else self.app.states:
            self.app.states[c].clear_faults()

    def mutate(self, code: str, update: int = 0, delete: int = 0, add: int = 0) -> dict:
        return self.app.states[code].mutate(update=update, delete=delete, add=add)

    def start(self) -> "SimulatorServer":
        self._thread = threading.Thread(target=self._server.serve_forever, name="hub-simulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
