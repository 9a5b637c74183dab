"""`hub simulate`: serve the simulated provincial networks on localhost in the foreground.

Defined here rather than in hub/cli so `python -m hub.simulate` starts without importing every command."""

from __future__ import annotations

import signal
import sys

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8790, show_default=True, type=int, help="0 picks a free port.")
@click.option("--scale", default=1.0, show_default=True, type=float, help="Multiply every network's size.")
@click.option(
    "--network", "networks", multiple=True, metavar="CODE", help="Serve only these networks (repeatable); default: every simulated network."
)
@click.option("--seed", default=1, show_default=True, type=int, help="Another seed, other (still deterministic) data.")
@click.option("--realistic-latency", is_flag=True, help="Slow pages (0.2–2 s on HTML sites) and about 1% 502s, as the real sites behave.")
@click.option(
    "--warm",
    is_flag=True,
    help="Build every record before serving and keep them (about 3 KB a record): no generating while a client "
    "runs, as for a benchmark sharing the machine's cores with the simulator.",
)
def simulate(host, port, scale, networks, seed, realistic_latency, warm):
    """Serve realistic simulated provincial networks (sdyq-xml, hbkx-json, yqlm-html) until Ctrl-C."""
    from hub.simulate.server import SimulatorServer

    server = SimulatorServer(
        networks=list(networks) or None, scale=scale, port=port, host=host, seed=seed, realistic=realistic_latency, warm=warm
    )

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    click.echo(f"simulator listening on {server.url}")
    for code in server.networks:
        spec = server.state(code).spec
        click.echo(f"  {code} {spec.province} {spec.family:10s} {server.state(code).total:6d} instruments  {server.base_url(code)}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()
    click.echo("simulator stopped")
