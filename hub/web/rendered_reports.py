"""Files and charts drawn from a stored evaluation report (report.csv, report.html, the pages' SVG
charts), kept in memory per report: the API and the public pages serve the same bytes."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from hub.evaluation import report as report_mod


def _html():
    from hub.evaluation import html  # matplotlib: imported when a chart is first drawn

    return html


class Rendered:
    """Files and charts drawn from a stored report, kept per report sha256 (a report never changes,
    and drawing 30 charts takes seconds); the least recently used reports are dropped first."""

    def __init__(self, reports: int = 8):
        self._reports = reports
        self._items: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def _entry(self, sha: str) -> dict:
        with self._lock:
            entry = self._items.setdefault(sha, {})
            self._items.move_to_end(sha)
            while len(self._items) > self._reports:
                self._items.popitem(last=False)
            return entry

    def report(self, row) -> dict:
        entry = self._entry(row["report_sha256"])
        if "report" not in entry:
            entry["report"] = json.loads(row["report"])
        return entry["report"]

    def get(self, row, what: str, *args):
        """`what` drawn from the row's report: csv, html, score (chart in the language args[0], as
        wide as the size args[1]),
        unit (chart of units[args[0]] in the language args[1])."""
        entry, key = self._entry(row["report_sha256"]), (what, *args)
        if key not in entry:
            report = self.report(row)
            draw = {
                "csv": lambda: report_mod.to_csv_bytes(report),
                "html": lambda: _html().to_html_bytes(report),
                "score": lambda: _html().score_chart(report, *args, names=chart_names(report, args[0])).encode("utf-8"),
                "unit": lambda: _html().dimension_chart(report, report["units"][args[0]], *args[1:]).encode("utf-8"),
            }[what]
            entry[key] = draw()  # two requests may draw the same chart at once; both get the same bytes
        return entry[key]


def chart_names(report: dict, lang: str) -> dict:
    """Unit id → (name, short name) on a chart in `lang`: a network's English name on an English page,
    and on a phone its province, as the page's table names it (首都科技条件平台 is 北京市's)."""
    from hub.web.ui import places

    names = {}
    for u in report["units"]:
        label = places.unit_label(u["id"], u.get("label"), lang)
        short = places.unit_place(u["id"], lang) or _html().short_name(dict(u, label=label))
        names[u["id"]] = (f"{u['id']} {label}" if u.get("label") else u["id"], short)
    return names


RENDERED = Rendered()
