"""Several periods side by side: each network's rank and score per period, and its movement between
the last two (the panel of report.json; the ranking page draws it as a small time series).

Scores of different periods are each on their own period's scale (min-max and percentile
normalisations are relative to the units of that period), so a score change says how a unit moved
against the others, not how much it grew; the rank change is the plainer of the two.
"""

from __future__ import annotations

import math


def panel(reports: list[dict]) -> dict:
    """From the reports of successive periods (oldest first) -> {periods, units: [...]}, units in the
    order of the latest ranking; a unit absent from a period has null rank and score there."""
    periods = [r["period"] for r in reports]
    by_period = [{u["id"]: u for u in r["units"]} for r in reports]
    latest = reports[-1]["units"]
    ids = [u["id"] for u in latest] + sorted({i for p in by_period[:-1] for i in p} - {u["id"] for u in latest})
    units = []
    for uid in ids:
        series = []
        for period, units_of in zip(periods, by_period):
            u = units_of.get(uid) or {}
            series.append({"period": period, "rank": u.get("rank"), "score": u.get("score")})
        label = next((p[uid].get("label") for p in reversed(by_period) if uid in p), None)
        prev, last = series[-2], series[-1]
        move = {"rank_change": None, "score_change": None}
        if prev["rank"] is not None and last["rank"] is not None:
            move["rank_change"] = prev["rank"] - last["rank"]  # positive: moved up the ranking
        if prev["score"] is not None and last["score"] is not None:
            move["score_change"] = last["score"] - prev["score"]
        units.append({"id": uid, "label": label, "series": series, **move})
    changed = _changed_indicators(reports[-2], reports[-1])
    return {"periods": periods, "from": periods[-2], "to": periods[-1], "units": units, "changed_indicators": changed}


def _changed_indicators(before: dict, after: dict) -> list[str]:
    """The indicators whose raw value differs, for a unit of both periods, between the two: a year's
    service statistics do, a catalogue read once for every period does not. An evaluator read a
    movement "from 2011 to 2012" as a comparison of everything, where only these had moved."""
    earlier = {u["id"]: u["indicators"] for u in before["units"]}
    out: dict[str, None] = {}
    for u in after["units"]:
        then = earlier.get(u["id"])
        if then is None:
            continue
        for ind, now in u["indicators"].items():
            if ind in then and not _same(then[ind].get("raw"), now.get("raw")):
                out[ind] = None
    order = list(after["units"][0]["indicators"]) if after["units"] else []
    return [i for i in order if i in out]


def _same(a, b) -> bool:
    """Equal raw values, a value missing in both periods included (missing is NaN in a report before
    it is written: NaN never equals NaN, and the pushed networks' harvest indicators read as changed)."""
    return a == b or (_missing(a) and _missing(b))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
