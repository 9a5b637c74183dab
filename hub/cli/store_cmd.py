"""`hub init` and `hub stats`: set up the store and report what it holds."""

from __future__ import annotations

import json

import click
from sqlalchemy import func, select

from hub.cli._output import echo_table
from hub.config import Registry
from hub.harvest.jobs import JOBS, as_utc, changes_catalogue
from hub.harvest.prepare import prepare_store as init_store
from hub.store.db import open_store
from hub.store.models import Instrument


@click.command()
def init():
    """Create or migrate the store, register the networks of conf/networks.yaml, mark the jobs of
    processes that died as crashed and free the leases they held."""
    store = init_store()
    click.echo(f"store ready: {_safe_url(store.url)} ({len(Registry.load())} networks registered)")


def network_stats(store) -> list[dict]:
    t = Instrument.__table__
    with store.read() as conn:
        totals = {
            r.network: r
            for r in conn.execute(
                # no stated value: the total is unknown (null), not 0 yuan, as on /networks and in the API
                select(t.c.network, func.count().label("n"), func.sum(t.c.original_value).label("value"))
                .where(t.c.withdrawn_at.is_(None))
                .group_by(t.c.network)
            )
        }
        last = {}
        for r in conn.execute(
            select(JOBS.c.network, JOBS.c.kind, JOBS.c.state, JOBS.c.finished_at, JOBS.c.started_at)
            .where(changes_catalogue())  # harvests and pushes of instruments, as /networks and the API
            .order_by(JOBS.c.started_at)
        ):
            last[r.network] = r
    out = []
    for network in Registry.load():
        t_ = totals.get(network.code)
        job = last.get(network.code)
        out.append(
            dict(
                network=network.code,
                name=network.name,
                family=network.family,
                instruments=t_.n if t_ else 0,
                total_value_yuan=str(t_.value) if t_ and t_.value is not None else None,
                # in UTC and saying so: SQLite hands back naive times, printed without a zone beside pages in Beijing time
                last_harvest=as_utc(job.finished_at or job.started_at).isoformat(timespec="seconds") if job else None,
                last_state=job.state if job else None,
            )
        )
    return out


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats(as_json):
    """Per network: instruments listed, total original value, last harvest."""
    rows = network_stats(open_store())
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    echo_table(
        ["network", "name", "family", "instruments", "total value (亿元)", "last harvest", "state"],
        [
            [
                r["network"],
                r["name"],
                r["family"],
                f"{r['instruments']:,}",
                f"{float(r['total_value_yuan']) / 1e8:,.3f}" if r["total_value_yuan"] is not None else "unknown",
                r["last_harvest"] or "never",
                r["last_state"] or "",
            ]
            for r in rows
        ],
        right={3, 4},
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


COMMANDS = [init, stats]
