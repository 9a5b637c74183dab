"""Run an evaluation end to end (load, check, compute, report) and store it: what the CLI and the web
layer call."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert, select

from hub.evaluation import report as report_mod
from hub.evaluation import uncertainty
from hub.evaluation.engine import evaluate
from hub.evaluation.framework import Framework, load_framework
from hub.evaluation.inputs import Inputs, read_table
from hub.evaluation.snapshot import load_snapshots
from hub.evaluation.units import from_inputs, from_store
from hub.store.models import Evaluation

DEFAULT_SEED = 20130101


def prepare(framework_path, inputs=None) -> tuple[Framework, Inputs]:
    """Load the framework and its input tables (given ones, else the framework's own `inputs`), and
    check that every column the framework reads is there."""
    fw = load_framework(framework_path)
    paths = [Path(p) for p in inputs] if inputs else fw.default_inputs
    tables = Inputs([read_table(p, fw.unit_id) for p in paths])
    fw.check_columns(tables.columns, tables.describe())
    return fw, tables


def run_evaluation(store, framework_path, period: int = 2012, inputs=(), seed: int = DEFAULT_SEED, runs: int | None = None,
                   as_of: datetime | None = None) -> tuple[dict, bytes]:
    """Score the units of a framework and return (report dict, report.json bytes).

    `store` is needed for `units: networks` frameworks (it may be None otherwise); `runs` overrides the
    framework's Monte Carlo runs (0 switches the analysis off); `as_of` overrides the evaluation date
    used for the harvest window (default: the end of the store's latest job).
    """
    fw, tables = prepare(framework_path, list(inputs) or None)
    window = None
    if fw.units == "networks":
        if store is None:
            raise ValueError("a `units: networks` framework needs a store")
        snaps, names, trace, window = load_snapshots(store, period, fw.metric_options["harvest_window_days"], as_of)
        data = from_store(fw, tables, snaps, names, trace)
    else:
        data = from_inputs(fw, tables)
    nom = evaluate(fw, data)
    n_runs = fw.uncertainty.runs if runs is None else runs
    mc = uncertainty.run(fw, nom, n_runs, seed)
    report = report_mod.build(fw, tables, data, nom, mc, period=period if fw.units == "networks" else None, seed=seed, window=window)
    # The dict handed back is exactly what report.json says (plain types, rounded floats).
    report = report_mod.canonical(report)
    return report, report_mod.to_json_bytes(report)


def write_outputs(report: dict, report_bytes: bytes, out_dir) -> dict[str, Path]:
    from hub.evaluation.html import to_html_bytes

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"json": out / "report.json", "csv": out / "report.csv", "html": out / "report.html"}
    files["json"].write_bytes(report_bytes)
    files["csv"].write_bytes(report_mod.to_csv_bytes(report))
    files["html"].write_bytes(to_html_bytes(report))
    return files


def save_evaluation(store, report: dict, report_bytes: bytes, *, created_by: str | None = None, published: bool = False,
                    title: str | None = None) -> int:
    """Store a report in the `evaluations` table exactly as written; returns its id."""
    row = {
        "framework": report["framework"]["file"],
        "title": title or report["framework"]["title"],
        "period": None if report.get("period") is None else str(report["period"]),
        "created_at": datetime.now(timezone.utc),
        "created_by": created_by,
        "published": published,
        "report_sha256": report_mod.sha256(report_bytes),
        "report": report_bytes.decode("utf-8"),
    }
    with store.write() as conn:
        return int(conn.execute(insert(Evaluation).values(**row).returning(Evaluation.id)).scalar_one())


def load_evaluation(store, evaluation_id: int) -> dict | None:
    """A stored evaluation's row (the report as its JSON text) or None."""
    with store.read() as conn:
        row = conn.execute(select(Evaluation).where(Evaluation.id == evaluation_id)).mappings().first()
    return dict(row) if row else None
