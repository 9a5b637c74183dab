"""Charts rendered at once by several request threads come out as each kind should: matplotlib's
settings are global, and the evaluation charts change them while they draw."""

from __future__ import annotations

import threading

from hub.evaluation.html import dimension_chart
from hub.web.ui import charts

REPORT = {
    "framework": {"index": "I"},
    "nodes": [{"id": f"D{i}", "parent": "I", "name": name} for i, name in enumerate(["体制建设", "运行服务", "用户体验", "网络环境"])],
}
UNIT = {"scores": {"D0": 0.5, "D1": 0.25, "D2": 0.75, "D3": 0.1}, "indicators": {}}


def test_evaluation_and_ui_charts_drawn_concurrently_keep_their_own_settings():
    errors = []

    def evaluation():
        for _ in range(25):
            svg = dimension_chart(REPORT, UNIT)
            if "<text" not in svg:  # the evaluation's charts keep text as text (svg.fonttype none)
                errors.append("evaluation chart drew its text as paths")

    def ui(worker):
        for i in range(25):
            svg = charts.bar_chart_svg("", [charts.Bar(f"液相色谱仪 {worker}-{i}", "LC", i + 1.0)])
            if "<text" in svg:  # the UI's charts draw glyphs as paths
                errors.append("UI chart kept text as text")

    threads = [threading.Thread(target=evaluation), threading.Thread(target=ui, args=(1,)), threading.Thread(target=ui, args=(2,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, sorted(set(errors))
