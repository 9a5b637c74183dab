"""The progress line of `hub harvest` and `hub remap` on a terminal."""

from __future__ import annotations

import io
import re

from hub.cli import _output
from hub.harvest.jobs import Counts


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def shown_rates(text: str) -> list[int]:
    return [int(r.replace(",", "")) for r in re.findall(r"([\d,]+)/s", text)]


def test_the_first_progress_line_shows_the_rate_since_the_run_began(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(_output.time, "perf_counter", clock)
    stream = io.StringIO()
    progress = _output.Progress(enabled=True, stream=stream)
    clock.now += 2.0  # the first batch of 500 records took two seconds to read and write
    progress("420000", "full", Counts(fetched=500))
    clock.now += 2.0
    progress("420000", "full", Counts(fetched=1000))
    # It showed "64,416,389/s" for the first batch: its clock started at the first report.
    assert shown_rates(stream.getvalue()) == [250, 250]
