"""`hub demo`: the whole hub on simulated networks, in one command (the README's main job)."""

from __future__ import annotations

import time

import click

from hub.cli._output import Progress, echo_table
from hub.cli.harvest_cmd import SUMMARY_HEADERS, SUMMARY_RIGHT, summary_rows, terminate_cleanly


@click.command()
@click.option("--scale", type=click.FloatRange(0.001, 100), default=1.0, show_default=True, help="Multiply every simulated network's size.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port of the web UI and API (0: any free port; default 8000, and with --no-serve any free port: the server "
    "only takes the demo's own pushes, and a taken 8000 stopped a run that serves nobody).",
)
@click.option("--workers", type=click.IntRange(1, 32), help="Networks harvested at once (default: one per core).")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Keep serving the UI after the run, until Ctrl-C.")
def demo(scale, port, workers, serve):
    """Start the simulated networks, harvest and receive them into the store, rank them, serve the UI.

    Uses the configured store (SQLite at var/hub.sqlite by default). Run it again and the harvest is
    incremental: nothing that did not change is written again.
    """
    from hub.demo import DemoContext, run_demo

    terminate_cleanly()
    started = time.perf_counter()
    if port is None:
        port = 8000 if serve else 0
    ctx = DemoContext(scale=scale, web_port=port, workers=workers, say=lambda m: click.echo(m, err=True), progress=Progress())
    try:
        run_demo(ctx)
        click.echo()
        echo_table(SUMMARY_HEADERS, summary_rows(ctx.results), right=SUMMARY_RIGHT)
        for report in ctx.pushes:
            counts = report.get("counts") or {}
            click.echo(
                f"pushed {report['network']} {report.get('kind')} {report.get('mode') or ''}: {report['state']} "
                + "  ".join(f"{k} {v:,}" for k, v in counts.items() if isinstance(v, int))
            )
        from hub.cli.store_cmd import network_stats

        stats = network_stats(ctx.store)
        total = sum(s["instruments"] for s in stats)
        click.echo(
            f"\n{total:,} instruments from {sum(1 for s in stats if s['instruments'])} networks; "
            f"harvest {ctx.timings.get('harvest', 0):.0f} s, pushes {ctx.timings.get('push', 0):.0f} s, "
            f"evaluation {ctx.timings.get('evaluation', 0):.0f} s, all {time.perf_counter() - started:.0f} s"
        )
        if ctx.evaluation:
            panel = ctx.evaluation["report"].get("panel")
            if panel:
                from hub.cli.evaluate_cmd import echo_panel

                echo_panel(panel, top=30)
            click.echo(f"ranking: {ctx.web_url}/evaluations/{ctx.evaluation['id']}  (report files: {ctx.report_dir})")
        click.echo(f"catalogue: {ctx.web_url}/   API: {ctx.web_url}/api/v1/instruments   API docs: {ctx.web_url}/api/docs")
        failed = [r for r in ctx.results if r.state != "succeeded"]
        if serve:
            click.echo("serving until Ctrl-C …", err=True)
            ctx.serving.set()
            while True:
                time.sleep(3600)
        return 1 if failed else 0
    except KeyboardInterrupt:
        return 0
    finally:
        ctx.close()


COMMANDS = [demo]
