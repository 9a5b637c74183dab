"""A report file downloaded before the hub drew it differently is sent again, not confirmed.

report.csv and report.html are drawn from the stored report.json each time a process starts, and
their ETag was the report's sha256 plus the file name. When an upgrade changed how they are drawn
(report.csv began to neutralise labels that a spreadsheet would run as formulas), a browser or proxy
revalidating its copy with If-None-Match got 304 and kept the old file, formulas included. The
validator is now the digest of the bytes served.
"""

from __future__ import annotations

from collections import OrderedDict

from hub.evaluation import report as report_mod
from hub.web.rendered_reports import RENDERED


def test_a_file_drawn_differently_is_not_answered_304(client, created, monkeypatch):
    eid = created({"framework": "provinces", "runs": 0, "publish": True})["id"]
    for name in ("report.csv", "report.html"):
        first = client.get(f"/api/v1/evaluations/{eid}/{name}")
        assert first.status_code == 200
        same = client.get(f"/api/v1/evaluations/{eid}/{name}", headers={"If-None-Match": first.headers["ETag"]})
        assert same.status_code == 304  # unchanged bytes still revalidate

    # An older hub drew report.csv differently (here: CRLF line ends) from the same stored report.
    drawn = report_mod.to_csv_bytes
    monkeypatch.setattr(report_mod, "to_csv_bytes", lambda report: drawn(report).replace(b"\n", b"\r\n"))
    monkeypatch.setattr(RENDERED, "_items", OrderedDict())
    old = client.get(f"/api/v1/evaluations/{eid}/report.csv")
    assert b"\r\n" in old.data
    # Upgraded: the same report, drawn anew; the old copy's validator must not match.
    monkeypatch.setattr(report_mod, "to_csv_bytes", drawn)
    monkeypatch.setattr(RENDERED, "_items", OrderedDict())
    new = client.get(f"/api/v1/evaluations/{eid}/report.csv", headers={"If-None-Match": old.headers["ETag"]})
    assert new.status_code == 200, "the browser was told to keep the file the older hub drew"
    assert b"\r\n" not in new.data
