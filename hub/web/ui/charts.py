"""Charts for the statistics pages: matplotlib, rendered on the server to SVG.

SVG needs no JavaScript and nothing from a CDN. Glyphs are written as paths (matplotlib's default
`svg.fonttype`), so the reader's browser needs no CJK font — only the server does. Debian's
`fonts-noto-cjk` (or `fonts-wqy-microhei`) provides one; without any, Chinese labels would render as
empty boxes, so the chart falls back to each bar's fallback label (English name or code) instead.

Rendering costs tens of milliseconds, so SVGs are cached by a digest of everything drawn: changed
data give a new key, and the old entry ages out of a small LRU.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from hub.fonts import RENDER_LOCK, cjk_font

BAR_COLOUR = "#2c6e9b"
TEXT_COLOUR = "#222222"
CACHE_SIZE = 64
#: Drawn widths in inches (96 px an inch), by the `size` a page asks for: a phone's chart (the page's
#: <picture> asks for it under 760 px) fits the ~310 px of its box. The page's one, scrolled there,
#: showed a third of its bars: the six largest networks all reached the edge, 25,334 looked as long
#: as 36,892.
WIDTHS = {"page": 7.2, "phone": 3.2}


@dataclass(frozen=True)
class Bar:
    label: str  # in the page's language
    fallback: str  # shown when `label` needs glyphs the server has no font for
    value: float


@lru_cache(maxsize=1)
def _needs_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in text)


def chart_labels(bars: list[Bar], font: str | None) -> list[str]:
    """What each bar is called on the chart: its label, unless that needs a CJK font we lack."""
    return [b.label if font or not _needs_cjk(b.label) else b.fallback for b in bars]


class _SvgCache:
    def __init__(self, size: int):
        self.size, self._items, self._lock = size, OrderedDict(), RENDER_LOCK
        self.hits = self.misses = 0

    def get_or_render(self, key: str, render) -> str:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            # Rendering under the lock every rendering holds (matplotlib is not thread-safe), and a
            # second request for the same chart then waits for the first instead of drawing it again.
            svg = render()
            self._items[key] = svg
            if len(self._items) > self.size:
                self._items.popitem(last=False)
            return svg


CACHE = _SvgCache(CACHE_SIZE)


def bar_chart_svg(title: str, bars: list[Bar], *, value_format: str = "{:,.0f}", size: str = "page") -> str:
    """A horizontal bar chart as an SVG document (largest bar first, as given), `size` wide (WIDTHS)."""
    font = cjk_font()
    labels = chart_labels(bars, font)
    width = WIDTHS[size]
    key = hashlib.sha256(json.dumps([title, labels, [b.value for b in bars], value_format, font, width]).encode()).hexdigest()
    return CACHE.get_or_render(
        key, lambda: _render(title if font or not _needs_cjk(title) else "", labels, [b.value for b in bars], value_format, font, width)
    )


def _render(title: str, labels: list[str], values: list[float], value_format: str, font: str | None, width: float) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    props = FontProperties(family=[font, "DejaVu Sans"] if font else ["DejaVu Sans"], size=10)
    height = 0.9 + 0.32 * max(len(labels), 1)
    fig = Figure(figsize=(width, height), dpi=96)
    FigureCanvasSVG(fig)
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    ax.barh(positions, values, color=BAR_COLOUR, height=0.65)
    ax.set_yticks(positions, labels, fontproperties=props, color=TEXT_COLOUR)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 instruments
    ax.tick_params(axis="x", labelsize=9, colors="#555555")
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e3e3e3", linewidth=0.8)
    ax.set_axisbelow(True)
    peak = max(values, default=0) or 1
    ax.set_xlim(0, peak * 1.18)
    for y, value in zip(positions, values):
        ax.text(value + peak * 0.01, y, value_format.format(value), va="center", fontproperties=props, color=TEXT_COLOUR, fontsize=9)
    if title:
        ax.set_title(title, fontproperties=props, loc="left", color=TEXT_COLOUR, fontsize=12)
    fig.tight_layout()
    out = io.StringIO()
    # No date and a fixed id salt: the same data give byte-identical SVGs (cacheable, diffable).
    fig.savefig(out, format="svg", metadata={"Date": None}, transparent=True)
    return out.getvalue()
