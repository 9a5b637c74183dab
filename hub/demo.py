"""The demo, as one function: simulated networks → harvest → pushes → evaluation → web UI.

Each stage is a plain function over a `DemoContext`, run in order by `run_demo`; the CLI wrapper is
`hub demo` (hub/cli/demo_cmd.py). Everything it starts (simulator process, web server thread) is
stopped when the context closes, also on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from hub import PROJECT_ROOT


@dataclass
class DemoContext:
    scale: float = 1.0
    sim_port: int = 0
    web_port: int = 8000
    host: str = "127.0.0.1"
    workers: int | None = None
    say: callable = print
    progress: object = None
    # set when the run is over and the UI is being served: the web server logs requests from then on
    serving: threading.Event = field(default_factory=threading.Event)
    # filled in as the stages run
    store: object = None
    sim_url: str | None = None
    web_url: str | None = None
    results: list = field(default_factory=list)
    pushes: list = field(default_factory=list)
    evaluation: dict | None = None
    report_dir: Path | None = None
    timings: dict = field(default_factory=dict)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def close(self):
        self._stack.close()


def start_simulator(ctx: DemoContext):
    from hub.simulate import start_in_subprocess

    ctx.sim_url, stop = start_in_subprocess(scale=ctx.scale, port=ctx.sim_port, host=ctx.host)
    ctx._stack.callback(stop)
    # The registry's base URLs read this, in this process and in the harvest workers it spawns.
    os.environ["HUB_SIMULATOR_URL"] = ctx.sim_url
    ctx.say(f"simulated provincial networks: {ctx.sim_url}")


def init_store(ctx: DemoContext):
    from hub.harvest.prepare import prepare_store

    ctx.store = prepare_store()


def start_web(ctx: DemoContext):
    from werkzeug.serving import WSGIRequestHandler, make_server

    from hub.web import create_app

    class Handler(WSGIRequestHandler):
        # The pushes' requests to this server are the demo's own, not the user's: logged, they came
        # between the progress lines. Once the UI is served, its requests are logged as usual.
        def log_request(self, *args, **kwargs):
            if ctx.serving.is_set():
                super().log_request(*args, **kwargs)

    # The demo signs its resumption tokens with a key of its own run (outside the demo a missing
    # HUB_SECRET_KEY stops start-up).
    app = create_app({"STORE": ctx.store, "SECRET_KEY": os.environ.get("HUB_SECRET_KEY") or secrets.token_urlsafe(32)})
    server = make_server(ctx.host, ctx.web_port, app, threaded=True, request_handler=Handler)
    thread = threading.Thread(target=server.serve_forever, name="hub-web", daemon=True)
    thread.start()
    ctx._stack.callback(server.shutdown)
    ctx.web_url = f"http://{ctx.host}:{server.server_port}"


def harvest(ctx: DemoContext):
    from hub.config import Registry, settings
    from hub.harvest.parallel import harvest_many

    networks = [n for n in Registry.load() if n.pulled and n.enabled]
    # Most networks are bound by their rate limits and page times, not by our CPU: run many at once.
    workers = ctx.workers or min(8, len(networks))
    ctx.say(f"harvesting {len(networks)} pulled networks, {workers} at a time …")
    if hasattr(ctx.progress, "begin"):
        ctx.progress.begin()
    ctx.results = harvest_many(
        ctx.store,
        settings(),
        networks,
        year=settings().service_year,
        workers=workers,
        progress=ctx.progress,
        on_result=getattr(ctx.progress, "finished", None),
    )
    if hasattr(ctx.progress, "done"):
        ctx.progress.done()


def periods() -> list[int]:
    """The demo's two periods: the configured service year and the one before (the ranking page
    shows the movement between them)."""
    from hub.config import settings

    year = settings().service_year
    return [year - 1, year]


def harvest_previous_period(ctx: DemoContext):
    """The earlier period's service statistics of the pulled networks (the main harvest fetched the
    service year's)."""
    from hub.config import Registry, settings
    from hub.harvest.pipeline import Harvester

    year = periods()[0]
    networks = [n for n in Registry.load() if n.pulled and n.enabled]
    ctx.say(f"fetching the {year} service statistics of {len(networks)} pulled networks …")
    harvester = Harvester(ctx.store, settings())
    ctx.results += [harvester.harvest_service(n, year) for n in networks]


def push(ctx: DemoContext):
    """The pushing provinces send their files through the real feed endpoint, with their own tokens."""
    from hub.config import Registry
    from hub.demo_push import push_networks

    pushing = [n for n in Registry.load() if not n.pulled and n.enabled]
    if pushing:
        ctx.say(f"pushing {len(pushing)} provinces through {ctx.web_url}/api/v1/networks/…/batches …")
        ctx.pushes = push_networks(ctx.store, ctx.web_url, pushing, scale=ctx.scale, years=periods())


def evaluate(ctx: DemoContext):
    from hub.evaluation.service import run_evaluation, save_evaluation, write_outputs

    conf = PROJECT_ROOT / "conf" / "evaluation"
    report, report_bytes = run_evaluation(
        ctx.store, conf / "networks-2013.yaml", inputs=[conf / "inputs-2013-sample.csv"], periods=periods()
    )
    ctx.evaluation = {"id": save_evaluation(ctx.store, report, report_bytes, created_by="hub demo", published=True), "report": report}
    ctx.report_dir = PROJECT_ROOT / "var" / "demo-report"
    write_outputs(report, report_bytes, ctx.report_dir)


STAGES = [
    ("simulator", start_simulator),
    ("store", init_store),
    ("web", start_web),
    ("harvest", harvest),
    ("previous period", harvest_previous_period),
    ("push", push),
    ("evaluation", evaluate),
]


def run_demo(ctx: DemoContext) -> DemoContext:
    for name, stage in STAGES:
        started = time.perf_counter()
        stage(ctx)
        ctx.timings[name] = time.perf_counter() - started
    return ctx
