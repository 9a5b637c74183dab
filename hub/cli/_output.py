"""Terminal output shared by commands: progress lines and plain aligned tables."""

from __future__ import annotations

import sys
import time

import click


class Progress:
    """One self-overwriting status line per network on a terminal; silent elsewhere."""

    def __init__(self, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._started: dict[tuple, float] = {}

    def __call__(self, network: str, kind: str, counts) -> None:
        if not self.enabled:
            return
        key = (network, kind)
        started = self._started.setdefault(key, time.perf_counter())
        rate = counts.fetched / max(time.perf_counter() - started, 1e-6)
        self.stream.write(
            f"\r{network} {kind:<11} fetched {counts.fetched:>7,}  new {counts.created:>6,}  changed {counts.updated:>6,}"
            f"  unchanged {counts.unchanged:>6,}  rejected {counts.rejected:>5,}  {rate:>7,.0f}/s "
        )
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self._started:
            self.stream.write("\n")
            self.stream.flush()
            self._started.clear()


def table(headers: list[str], rows: list[list], *, right: set[int] = frozenset()) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]

    def line(row):
        out = []
        for i, value in enumerate(row):
            pad = " " * (widths[i] - _width(value))
            out.append(pad + value if i in right else value + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]])


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def echo_table(headers, rows, **kw):
    click.echo(table(headers, rows, **kw))
