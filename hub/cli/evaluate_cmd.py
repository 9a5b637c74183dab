"""`hub evaluate`: score and rank units with a framework file; writes report.json / .csv / .html."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from hub.cli._output import echo_table
from hub.config import conf_dir
from hub.errors import ConfigError


def resolve_framework(name: str) -> Path:
    """A path, or the name of a framework in conf/evaluation/ (with or without `.yaml`)."""
    path = Path(name)
    if path.exists():
        return path
    for candidate in (conf_dir() / "evaluation" / name, conf_dir() / "evaluation" / f"{name}.yaml"):
        if candidate.exists():
            return candidate
    raise ConfigError(name, None, f"framework file not found (looked here and in {conf_dir() / 'evaluation'})")


@click.command("evaluate")
@click.argument("framework")
@click.option(
    "--period",
    "periods",
    type=int,
    multiple=True,
    help=(
        "Service-statistics year (default: settings service_year); repeat for several periods side by side (the latest is ranked with "
        "uncertainty, the panel shows the movement)."
    ),
)
@click.option(
    "--inputs",
    "inputs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Evaluator input table (CSV, first column the unit id); repeat for several. Default: the framework's own.",
)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Output directory (default var/evaluations/<framework>)."
)
@click.option("--seed", type=int, default=None, help="Seed of the Monte Carlo (same seed, same report).")
@click.option("--runs", type=int, default=None, help="Monte Carlo runs (default: the framework's; 0 = none).")
@click.option("--as-of", "as_of", default=None, help="Evaluation date for the harvest window, ISO (default: end of the latest job).")
@click.option("--save", is_flag=True, help="Also store the report in the evaluations table.")
@click.option("--publish", is_flag=True, help="With --save: mark the stored evaluation published.")
@click.option("--top", type=int, default=10, show_default=True, help="Rows of the ranking to print.")
def evaluate(framework, periods, inputs, out_dir, seed, runs, as_of, save, publish, top):
    """Score and rank the units of FRAMEWORK (a file, or a name in conf/evaluation/)."""
    from hub import PROJECT_ROOT
    from hub.config import settings
    from hub.evaluation.framework import load_framework
    from hub.evaluation.service import DEFAULT_SEED, run_evaluation, save_evaluation, write_outputs

    path = resolve_framework(framework)
    fw = load_framework(path)
    store = None
    if fw.units in ("networks", "owners") or save:
        from hub.store.db import open_store

        store = open_store()
    when = None
    if as_of:
        try:
            when = datetime.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter(f"expected an ISO date, got {as_of!r}", param_hint="--as-of") from None
    years = sorted(set(periods)) or [settings().service_year]
    report, data = run_evaluation(store, path, years[-1], inputs, DEFAULT_SEED if seed is None else seed, runs, when, periods=years)
    out = Path(out_dir) if out_dir else PROJECT_ROOT / "var" / "evaluations" / path.stem
    files = write_outputs(report, data, out)
    rows = []
    for u in report["units"][:top]:
        unc = u.get("uncertainty") or {}
        # a unit kept but without an index score (no data at all) has no interval
        interval = f"{unc['rank_p05']:.0f}–{unc['rank_p95']:.0f}" if unc.get("rank_p05") is not None else ""
        score = "" if u.get("score") is None else f"{u['score']:.3f}"
        rows.append([u["rank"] if u["rank"] is not None else "-", u["id"], u["label"] or "", score, interval])
    echo_table(["rank", "unit", "name", "score", "5–95% rank"], rows, right={0, 3, 4})
    if report.get("panel"):
        echo_panel(report["panel"], top)
    if report.get("aggregates"):
        echo_aggregates(report["aggregates"], report.get("period"))
    if report.get("awards"):
        echo_awards(report["awards"])
    for w in report["warnings"][:10]:
        click.echo(f"warning: {w}", err=True)
    for kind, p in files.items():
        click.echo(f"{kind}: {p}")
    if save:
        from hub.auth.audit import cli_actor

        eid = save_evaluation(store, report, data, created_by=cli_actor(), published=publish)
        click.echo(f"stored as evaluation {eid}")
    return 0


def echo_panel(panel: dict, top: int):
    click.echo(f"\nmovement {panel['from']} → {panel['to']} (rank change: + moved up)")
    periods = panel["periods"]
    rows = []
    for u in panel["units"][:top]:
        ranks = [s["rank"] if s["rank"] is not None else "-" for s in u["series"]]
        change = u["rank_change"]
        score = u["score_change"]
        rows.append(
            [
                u["id"],
                u["label"] or "",
                *ranks,
                "" if change is None else (f"{change:+d}" if change else "0"),
                "" if score is None else f"{score:+.2f}",
            ]
        )
    echo_table(["unit", "name", *map(str, periods), "rank change", "score change"], rows, right=set(range(2, len(periods) + 4)))


def echo_aggregates(a: dict, period):
    """The appraisal's totals as the province publishes them (exact sums of the appraised rows)."""
    share = lambda v: "–" if v is None else f"{v * 100:.2f} %"  # noqa: E731
    click.echo(f"\nappraisal {period}: {a['units']:,} units, {a['instruments']:,} instruments")
    click.echo(
        f"  external services  {a['external_services']:,} (enterprises {a['enterprise_services']:,} = {share(a['enterprise_share'])})"
    )
    click.echo(f"  samples            {a['samples']:,} (external {a['external_samples']:,} = {share(a['external_sample_share'])})")
    click.echo(f"  hours of use       {a['effective_hours']:,} (external {a['external_hours']:,})")


def echo_awards(awards: dict):
    rule = awards["rule"]
    click.echo(f"\nawards: {rule['title']} — budget {rule['budget']:,} yuan, step {rule['step']:,}, cap {rule['cap'] or 0:,} per unit")
    rows = [
        [u["rank"], u["id"], u["label"] or "", u["band"], f"{u['score']:.2f}", f"{u['award']:,}" + (" (cap)" if u["capped"] else "")]
        for u in awards["units"]
        if u["award"]
    ]
    echo_table(["rank", "unit", "name", "band", "score", "award (yuan)"], rows, right={0, 4, 5})
    unpaid = sum(1 for u in awards["units"] if not u["award"])
    click.echo(f"total awarded {awards['total']:,} yuan = budget {rule['budget']:,} yuan; {unpaid} ranked units without an award")


COMMANDS = [evaluate]
