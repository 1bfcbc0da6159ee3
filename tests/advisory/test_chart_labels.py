"""The last label under a chart's x axis is centred on the last point: it must fit inside the
chart, not be cut off at the right edge (dashboard trends, proposal projection)."""

from __future__ import annotations

import re

from advisory.charts import fan_chart, line_chart

# A 10px label character is at most ~6px wide in the fonts we ship.
CHAR_WIDTH = 6.0


def _last_x_label(svg: str, y: str) -> tuple[float, str]:
    labels = re.findall(rf'<text x="([\d.]+)" y="{y}" [^>]*text-anchor="middle"[^>]*>([^<]+)</text>', svg)
    x, text = labels[-1]
    return float(x), text


def test_line_chart_last_month_label_fits():
    labels = [f"26-{m:02d}" for m in range(1, 13)]
    svg = str(line_chart(labels, {"v": [float(i) for i in range(12)]}, width=560, height=220))
    x, text = _last_x_label(svg, "210")
    assert text == "26-12"
    assert x + len(text) * CHAR_WIDTH / 2 <= 560


def test_projection_last_year_label_fits():
    labels = [str(2026 + i) for i in range(11)]
    bands = {k: [100.0 + i for i in range(11)] for k in ("p10", "p25", "p50", "p75", "p90")}
    svg = str(fan_chart(labels, bands, width=560, height=240))
    x, text = _last_x_label(svg, "232")
    assert text == "2036"
    assert x + len(text) * CHAR_WIDTH / 2 <= 560
