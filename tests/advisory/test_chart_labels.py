"""The last label under a chart's x axis is centred on the last point: it must fit inside the
chart, not be cut off at the right edge (dashboard trends, proposal projection)."""

from __future__ import annotations

import re

from advisory.charts import fan_chart, line_chart

# A 10px label character is at most ~6px wide in the fonts we ship.
CHAR_WIDTH = 6.0


def _last_x_label_right_edge(svg: str, text: str) -> float:
    """Where the label `text` under the x axis ends on the right: labels are centred on their
    point, or slanted and anchored at their end when there are many (advisory.charts)."""
    x, anchor = re.search(
        rf'<text x="([\d.]+)" y="[\d.]+" [^>]*text-anchor="(\w+)"[^>]*>{re.escape(text)}</text>', svg
    ).groups()
    width = len(text) * CHAR_WIDTH
    return float(x) + {"middle": width / 2, "end": 0.0, "start": width}[anchor]


def test_line_chart_last_month_label_fits():
    labels = [f"26-{m:02d}" for m in range(1, 13)]
    svg = str(line_chart(labels, {"v": [float(i) for i in range(12)]}, width=560, height=220))
    assert _last_x_label_right_edge(svg, "26-12") <= 560


def test_projection_last_year_label_fits():
    labels = [str(2026 + i) for i in range(11)]
    bands = {k: [100.0 + i for i in range(11)] for k in ("p10", "p25", "p50", "p75", "p90")}
    svg = str(fan_chart(labels, bands, width=560, height=240))
    assert _last_x_label_right_edge(svg, "2036") <= 560
