"""The dashboard's 30-day charts (daily availability, daily p50/p95 latency): matplotlib SVG, drawn
like the catalogue's statistics charts and cached in the same LRU (hub.web.ui.charts)."""

from __future__ import annotations

import hashlib
import io
import json

from hub.fonts import cjk_font
from hub.web.ui.charts import BAR_COLOUR, CACHE, TEXT_COLOUR

DOWN_COLOUR = "#b3261e"


def availability_svg(series: list[dict], title: str = "", axis: str = "% probes OK") -> str:
    """`axis` labels the y axis, in the page's language (the caller translates it)."""
    return _cached("availability", series, title, axis, _render_availability)


def latency_svg(series: list[dict], title: str = "", axis: str = "ms") -> str:
    return _cached("latency", series, title, axis, _render_latency)


def _cached(kind, series, title, axis, render):
    key = hashlib.sha256(json.dumps([kind, title, axis, series], default=str).encode()).hexdigest()
    return CACHE.get_or_render(key, lambda: render(series, title, axis))


def _figure():
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 2.4), dpi=96)
    FigureCanvasSVG(fig)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8, colors="#555555")
    return fig, ax


def _label_y(ax, axis: str) -> None:
    """The y axis's label, in the page's language: with the server's CJK font where one is installed."""
    from matplotlib.font_manager import FontProperties

    font = cjk_font()
    props = FontProperties(family=[font, "DejaVu Sans"] if font else ["DejaVu Sans"], size=8)
    ax.set_ylabel(axis, fontproperties=props, color="#555555")


def _days(series):
    return [s["day"][5:] for s in series]  # MM-DD


def _finish(fig, ax, series, title) -> str:
    labels = _days(series)
    step = max(1, len(labels) // 10)
    ax.set_xticks(range(0, len(labels), step), labels[::step])
    if title:
        ax.set_title(title, loc="left", color=TEXT_COLOUR, fontsize=11)
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None}, transparent=True)
    return out.getvalue()


def _render_availability(series, title, axis) -> str:
    fig, ax = _figure()
    values = [100 * s["availability"] if s["availability"] is not None else 0 for s in series]
    colours = [BAR_COLOUR if (s["availability"] or 0) >= 0.99 else DOWN_COLOUR for s in series]
    ax.bar(range(len(series)), values, color=colours, width=0.8)
    for i, s in enumerate(series):
        if not s["probes"]:
            ax.text(i, 2, "–", ha="center", color="#999999", fontsize=8)  # no probes that day
    ax.set_ylim(0, 105)
    _label_y(ax, axis)
    return _finish(fig, ax, series, title)


def _render_latency(series, title, axis) -> str:
    fig, ax = _figure()
    x = range(len(series))
    for key, style, label in (("p50_ms", "-", "p50"), ("p95_ms", "--", "p95")):
        ax.plot(list(x), [s[key] if s[key] is not None else float("nan") for s in series], style, color=BAR_COLOUR, marker=".", label=label)
    ax.set_ylim(bottom=0)
    _label_y(ax, axis)
    ax.legend(fontsize=8, frameon=False)
    return _finish(fig, ax, series, title)
