"""Run an evaluation end to end (load, check, compute, report) and store it: what the CLI and the web
layer call."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, insert, select

from hub.evaluation import audit as audit_mod
from hub.evaluation import report as report_mod
from hub.evaluation import uncertainty
from hub.evaluation.awards import AwardError, allocate
from hub.evaluation.engine import EvaluationError, evaluate
from hub.evaluation.framework import STORE_UNITS, Framework, load_framework
from hub.evaluation.inputs import Inputs, read_table
from hub.evaluation.metrics import METRICS
from hub.evaluation.owners import aggregates as owner_aggregates
from hub.evaluation.owners import load_owner_snapshots
from hub.evaluation.periods import panel
from hub.evaluation.snapshot import iso, load_snapshots, stats_years, utc
from hub.evaluation.units import from_inputs, from_owners, from_store
from hub.store.models import Evaluation, Instrument

DEFAULT_SEED = 20130101


def prepare(framework_path, inputs=None) -> tuple[Framework, Inputs]:
    """Load the framework and its input tables (given ones, else the framework's own `inputs`), and
    check that every column the framework reads is there."""
    fw = load_framework(framework_path)
    paths = [Path(p) for p in inputs] if inputs else fw.default_inputs
    tables = Inputs([read_table(p, fw.unit_id) for p in paths])
    fw.check_columns(tables.columns, tables.describe())
    return fw, tables


def _store_units(store, fw: Framework, tables: Inputs, period: int, as_of):
    """(UnitData, Window, extra report sections) of a framework over the store, for one period."""
    if store is None:
        raise ValueError(f"a `units: {fw.units}` framework needs a store")
    stats_metrics = [m for m in fw.metrics_needed() if METRICS.get(m).meta["uses"] == "stats"]
    if fw.units == "owners":
        snaps, names, trace, notes, window = load_owner_snapshots(store, fw.network, period)
        if not snaps:
            raise EvaluationError(_no_stats(store, period, fw.network))
        data = from_owners(fw, snaps, names, trace, notes)
        return data, window, {"aggregates": owner_aggregates(snaps)}
    snaps, names, trace, window = load_snapshots(store, period, fw.metric_options["harvest_window_days"], as_of)
    if window.as_of is not None and not any(s.instruments for s in snaps.values()):
        # Nobody ranked, exit 0 and report files with 60 warnings (an evaluator's --as-of 2020-01-01).
        raise EvaluationError(_nothing_listed(store, window.as_of))
    if stats_metrics and not any(s.stats for s in snaps.values()):
        # Ranking on the other indicators alone would look like an answer for a year nobody reported.
        raise EvaluationError(_no_stats(store, period, None, stats_metrics))
    data = from_store(fw, tables, snaps, names, trace)
    if stats_metrics and (without := [u for u in data.ids if not snaps[u].stats]):
        # The same, for the networks that did not report: with 2010's figures from Beijing alone, 29
        # networks were ranked on their catalogues without a word (an evaluator's probe).
        data.notes.append(
            f"no service statistics for period {period} from {len(without)} of the {len(data.ids)} networks ranked "
            f"({', '.join(without)}): their indicators {', '.join(stats_metrics)} are missing, and each is scored on "
            "its other indicators"
        )
    return data, window, {}


def _nothing_listed(store, as_of) -> str:
    with store.read() as conn:
        first, last = conn.execute(select(func.min(Instrument.first_seen), func.max(Instrument.first_seen))).one()
    held = f"the store's instruments were first seen from {iso(utc(first))} to {iso(utc(last))}" if first else "the store holds none"
    return f"no network listed any instrument at {iso(as_of)} (as of): {held}; evaluate as of a later date, or harvest first"


def _no_stats(store, period, network, metrics=()) -> str:
    years = stats_years(store, network)
    held = ", ".join(map(str, years)) if years else "none"
    whose = f"network {network}" if network else "any network"
    needs = f" (the framework's indicators {', '.join(metrics)} need them)" if metrics else ""
    harvest = f"hub harvest {network} --year {period}" if network else f"hub harvest --all --year {period}"
    return (
        f"no service statistics for period {period} from {whose} in the store{needs}; years held: {held}. Harvest them first: `{harvest}`"
    )


def evaluate_period(
    store, fw: Framework, tables: Inputs, period, seed: int, runs: int | None, as_of=None, *, uncertainty_runs=True
) -> dict:
    """The report dict (not yet canonical) of one period."""
    window, extras = None, {}
    if fw.units in STORE_UNITS:
        data, window, extras = _store_units(store, fw, tables, period, as_of)
    else:
        data = from_inputs(fw, tables)
    nom = evaluate(fw, data)
    n_runs = (fw.uncertainty.runs if runs is None else runs) if uncertainty_runs else 0
    mc = uncertainty.run(fw, nom, n_runs, seed)
    kept_ids = [u for u, k in zip(data.ids, nom.kept) if k]
    if len(kept_ids) >= audit_mod.MIN_UNITS:
        extras["audit"] = audit_mod.audit(fw, nom, kept_ids)
    report = report_mod.build(
        fw, tables, data, nom, mc, period=period if fw.units in STORE_UNITS else None, seed=seed, window=window, extras=extras
    )
    if fw.awards is not None:
        try:
            report["awards"] = allocate(fw.awards, report["units"])
        except AwardError as exc:
            raise EvaluationError(f"{fw.path}: {exc}") from None
    return report


def check_periods(fw: Framework, years) -> None:
    """Several periods side by side need a framework over the store."""
    if len(set(years)) > 1 and fw.units not in STORE_UNITS:
        raise EvaluationError(f"{fw.path}: periods need a framework over the store (units: networks or owners); this one scores {fw.units}")


def run_evaluation(
    store,
    framework_path,
    period: int = 2012,
    inputs=(),
    seed: int = DEFAULT_SEED,
    runs: int | None = None,
    as_of: datetime | None = None,
    periods=None,
) -> tuple[dict, bytes]:
    """Score the units of a framework and return (report dict, report.json bytes).

    `store` is needed for `units: networks` and `units: owners` frameworks (it may be None
    otherwise); `runs` overrides the framework's Monte Carlo runs (0 switches the analysis off);
    `as_of` overrides the evaluation date used for the harvest window (default: the end of the
    store's latest job). `periods` (several years) evaluates each and reports the latest with the
    panel of all of them (hub.evaluation.periods); the Monte Carlo runs for the latest only.
    """
    fw, tables = prepare(framework_path, list(inputs) or None)
    years = sorted(set(periods)) if periods else [period]
    check_periods(fw, years)
    reports = [evaluate_period(store, fw, tables, y, seed, runs, as_of, uncertainty_runs=(y == years[-1])) for y in years]
    report = reports[-1]
    if len(years) > 1:
        report["panel"] = panel(reports)
    # The dict handed back is exactly what report.json says (plain types, rounded floats).
    report = report_mod.canonical(report)
    return report, report_mod.to_json_bytes(report)


def write_outputs(report: dict, report_bytes: bytes, out_dir) -> dict[str, Path]:
    """report.json, report.csv and report.html in `out_dir`, whole or not at all.

    The csv and html are drawn from report.json as stored (`report_bytes`), as the API draws them
    from a stored evaluation, so the files and the downloads are the same bytes. Everything is drawn
    before anything is written, and each file replaces its predecessor in one rename: a report that
    cannot be drawn leaves the previous set as it was, never a new report.json beside an old html.
    (`report` is the dict `run_evaluation` returned with the bytes; the files follow the bytes.)"""
    from hub.evaluation import html

    stored = json.loads(report_bytes)
    bodies = {"json": report_bytes, "csv": report_mod.to_csv_bytes(stored), "html": html.to_html_bytes(stored)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {kind: out / f"report.{kind}" for kind in bodies}
    for kind, body in bodies.items():
        part = files[kind].with_name(f".{files[kind].name}.part")
        part.write_bytes(body)
        part.replace(files[kind])
    return files


def save_evaluation(
    store, report: dict, report_bytes: bytes, *, created_by: str | None = None, published: bool = False, title: str | None = None
) -> int:
    """Store a report in the `evaluations` table exactly as written, and say so in the audit log (as a
    request through the API does); returns its id. `created_by` is who ran it (`cli:<user>` from
    `hub evaluate --save`): a stored evaluation had no creator and no audit entry."""
    from hub.auth import audit

    row = evaluation_row(report, report_bytes, created_by=created_by, published=published, title=title)
    with store.write() as conn:
        eid = insert_evaluation(conn, row)
        detail = {
            "framework": report["framework"]["file"],
            "framework_sha256": report["framework"]["sha256"],
            "period": report.get("period"),
        }
        audit.record(conn, actor=created_by or "unknown", role="admin", action="evaluation.created", target=eid, detail=detail)
        if published:
            audit.record(conn, actor=created_by or "unknown", role="admin", action="evaluation.published", target=eid)
        return eid


def evaluation_row(
    report: dict, report_bytes: bytes, *, created_by: str | None = None, published: bool = False, title: str | None = None
) -> dict:
    """The `evaluations` row of a report, exactly as written."""
    return {
        "framework": report["framework"]["file"],
        "title": title or report["framework"]["title"],
        "period": None if report.get("period") is None else str(report["period"]),
        "created_at": datetime.now(timezone.utc),
        "created_by": created_by,
        "published": published,
        "report_sha256": report_mod.sha256(report_bytes),
        "report": report_bytes.decode("utf-8"),
    }


def insert_evaluation(conn, row: dict) -> int:
    """Insert an `evaluation_row` within the caller's transaction; returns its id."""
    return int(conn.execute(insert(Evaluation).values(**row).returning(Evaluation.id)).scalar_one())


def load_evaluation(store, evaluation_id: int) -> dict | None:
    """A stored evaluation's row (the report as its JSON text) or None."""
    with store.read() as conn:
        row = conn.execute(select(Evaluation).where(Evaluation.id == evaluation_id)).mappings().first()
    return dict(row) if row else None
