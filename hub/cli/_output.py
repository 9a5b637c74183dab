"""Terminal output shared by commands: progress lines and plain aligned tables."""

from __future__ import annotations

import sys
import time

import click


class Progress:
    """A self-overwriting status line for a run over one or many networks; silent off a terminal."""

    def __init__(self, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        # The rate counts from the start of the run, which is when a command makes its Progress:
        # timed from the first report, the first batch showed millions a second.
        self._started = time.perf_counter()
        self._shown = False
        self._latest: dict[tuple, object] = {}

    def begin(self) -> None:
        """The run starts now (for a Progress made before other work, as `hub demo` makes it)."""
        self._started = time.perf_counter()

    def __call__(self, network: str, kind: str, counts) -> None:
        if not self.enabled:
            return
        self._shown = True
        self._latest[(network, kind)] = counts
        fetched = sum(c.fetched for c in self._latest.values())
        rejected = sum(c.rejected for c in self._latest.values())
        rate = fetched / max(time.perf_counter() - self._started, 1e-6)
        busy = " ".join(sorted({n for n, _ in self._latest}))
        line = f"\r{fetched:>9,} records  {rejected:>6,} rejected  {rate:>7,.0f}/s  [{busy}]"
        self.stream.write(line[:160].ljust(100))
        self.stream.flush()

    def finished(self, results) -> None:
        """A network is done: print its outcome above the status line."""
        if not self.enabled:
            return
        for r in results:
            self._latest.pop((r.network, r.kind), None)
            self.stream.write(
                f"\r{r.network} {r.kind:<11} {r.state:<9} fetched {r.counts.fetched:>7,}  "
                f"new {r.counts.created:>6,}  changed {r.counts.updated:>6,}  withdrawn {r.counts.withdrawn:>4,}  "
                f"rejected {r.counts.rejected:>5,}  {r.seconds:6.1f}s".ljust(100)
                + "\n"
            )
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
        self._started = time.perf_counter()
        self._shown = False
        self._latest.clear()


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
