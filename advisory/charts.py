"""Server-side SVG charts: no JavaScript and no internet, the same markup on screen and in PDFs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f5f8b", "#4aa3a2", "#f2a541", "#c8553d", "#7d5ba6", "#5c946e", "#8c8c8c"]


def _num(value: float) -> str:
    return f"{value:.1f}"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 520,
    height: int = 220,
    unit: str = "",
    color: str = PALETTE[0],
    title: str = "",
) -> SafeString:
    pad_l, pad_b, pad_t = 44, 34, 16
    count = max(len(values), 1)
    top = max([abs(v) for v in values] + [1e-9])
    plot_w, plot_h = width - pad_l - 8, height - pad_b - pad_t
    bar_w = plot_w / count * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" aria-label="{escape(title)}">'
    ]
    for i in range(5):
        y = pad_t + plot_h * i / 4
        parts.append(f'<line x1="{pad_l}" y1="{_num(y)}" x2="{width - 8}" y2="{_num(y)}" stroke="#e5e7eb"/>')
        parts.append(
            f'<text x="{pad_l - 6}" y="{_num(y + 4)}" font-size="10" text-anchor="end" fill="#6b7280">{_num(top * (4 - i) / 4)}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        x = pad_l + plot_w * i / count + (plot_w / count - bar_w) / 2
        h = plot_h * abs(value) / top
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(pad_t + plot_h - h)}" width="{_num(bar_w)}" height="{_num(h)}" fill="{color}" rx="2"><title>{escape(str(label))}: {value:,.2f}{escape(unit)}</title></rect>'
        )
        parts.append(
            f'<text x="{_num(x + bar_w / 2)}" y="{height - pad_b + 14}" font-size="10" text-anchor="middle" fill="#374151">{escape(str(label))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    width: int = 560,
    height: int = 220,
    target: float | None = None,
    title: str = "",
    y_label: str = "",
    target_label: str = "",
) -> SafeString:
    """A line chart as inline SVG. Axis texts are 12 units high (readable when the chart is
    scaled down into a card); with more than six x labels they are slanted so they never overlap.
    `y_label` names the unit of the values and `target_label` the dashed target line (pass them
    translated)."""
    slant = len(labels) > 6
    # The right pad leaves room for half of the last label (centred on the last point).
    pad_l, pad_b, pad_t, pad_r = 52 if y_label else 44, 46 if slant else 30, 18 if target_label else 14, 22
    values = [v for s in series.values() for v in s if v is not None] + (
        [target] if target is not None else []
    )
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if math.isclose(lo, hi):
        lo, hi = lo - 1, hi + 1
    n = max(len(labels), 2)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_b - pad_t

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad_l + plot_w * i / (n - 1), pad_t + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" aria-label="{escape(title)}">'
    ]
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        _, y = xy(0, v)
        parts.append(
            f'<line x1="{pad_l}" y1="{_num(y)}" x2="{width - pad_r}" y2="{_num(y)}" stroke="#e5e7eb"/>'
        )
        parts.append(
            f'<text x="{pad_l - 6}" y="{_num(y + 4)}" font-size="12" text-anchor="end" fill="#4b5563">{v:,.1f}</text>'
        )
    if y_label:
        mid = pad_t + plot_h / 2
        parts.append(
            f'<text x="12" y="{_num(mid)}" font-size="12" text-anchor="middle" fill="#4b5563" '
            f'transform="rotate(-90 12 {_num(mid)})">{escape(str(y_label))}</text>'
        )
    step = max(1, len(labels) // 12)
    base = pad_t + plot_h
    for i, label in enumerate(labels):
        if i % step == 0:
            x, _ = xy(i, lo)
            if slant:
                parts.append(
                    f'<text x="{_num(x)}" y="{_num(base + 14)}" font-size="12" text-anchor="end" fill="#374151" '
                    f'transform="rotate(-40 {_num(x)} {_num(base + 14)})">{escape(str(label))}</text>'
                )
            else:
                parts.append(
                    f'<text x="{_num(x)}" y="{height - 10}" font-size="12" text-anchor="middle" fill="#374151">{escape(str(label))}</text>'
                )
    if target is not None:
        _, y = xy(0, target)
        parts.append(
            f'<line x1="{pad_l}" y1="{_num(y)}" x2="{width - pad_r}" y2="{_num(y)}" stroke="#c8553d" stroke-dasharray="4 3"/>'
        )
        if target_label:
            parts.append(
                f'<text x="{width - pad_r}" y="{_num(max(y - 4, 12))}" font-size="12" text-anchor="end" fill="#c8553d">{escape(str(target_label))}</text>'
            )
    for k, (name, points) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        coords = [xy(i, v) for i, v in enumerate(points) if v is not None]
        if coords:
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"><title>{escape(name)}</title></polyline>'
            )
            for x, y in coords:
                parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="{color}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def donut_chart(
    labels: Sequence[str], values: Sequence[float], *, size: int = 200, title: str = ""
) -> SafeString:
    total = sum(v for v in values if v > 0) or 1.0
    r, cx, cy, stroke = size * 0.32, size / 2, size / 2, size * 0.16
    circumference = 2 * math.pi * r
    offset = 0.0
    legend_x = size + 12
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size + 190} {size}" class="chart" role="img" aria-label="{escape(title)}">'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        share = max(value, 0) / total
        color = PALETTE[i % len(PALETTE)]
        dash = circumference * share
        parts.append(
            f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="none" stroke="{color}" stroke-width="{_num(stroke)}" '
            f'stroke-dasharray="{_num(dash)} {_num(circumference - dash)}" stroke-dashoffset="{_num(-offset)}" '
            f'transform="rotate(-90 {_num(cx)} {_num(cy)})"><title>{escape(str(label))}: {share:.1%}</title></circle>'
        )
        offset += dash
        y = 18 + i * 20
        parts.append(f'<rect x="{legend_x}" y="{y - 10}" width="12" height="12" fill="{color}" rx="2"/>')
        parts.append(
            f'<text x="{legend_x + 18}" y="{y}" font-size="12" fill="#111827">{escape(str(label))} {share:.1%}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def fan_chart(
    labels: Sequence[str],
    bands: dict[str, Sequence[float]],
    *,
    width: int = 560,
    height: int = 240,
    target: float | None = None,
    title: str = "",
) -> SafeString:
    """Percentile fan: bands has keys p10, p25, p50, p75, p90 with one value per label."""
    keys = ["p10", "p25", "p50", "p75", "p90"]
    values = [v for k in keys for v in bands.get(k, [])] + ([target] if target is not None else [])
    lo, hi = (0.0, max(values)) if values else (0.0, 1.0)
    hi = hi or 1.0
    # The right pad leaves room for half of the last year label (centred on the last point).
    pad_l, pad_b, pad_t, pad_r = 64, 28, 12, 24
    n = max(len(labels), 2)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_b - pad_t

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad_l + plot_w * i / (n - 1), pad_t + plot_h * (1 - (v - lo) / (hi - lo))

    def area(low: Sequence[float], high: Sequence[float]) -> str:
        up = [xy(i, v) for i, v in enumerate(high)]
        down = [xy(i, v) for i, v in enumerate(low)][::-1]
        return " ".join(f"{_num(x)},{_num(y)}" for x, y in up + down)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" aria-label="{escape(title)}">'
    ]
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        _, y = xy(0, v)
        parts.append(
            f'<line x1="{pad_l}" y1="{_num(y)}" x2="{width - pad_r}" y2="{_num(y)}" stroke="#e5e7eb"/>'
        )
        parts.append(
            f'<text x="{pad_l - 6}" y="{_num(y + 4)}" font-size="10" text-anchor="end" fill="#6b7280">{v:,.0f}</text>'
        )
    if all(bands.get(k) for k in keys):
        parts.append(
            f'<polygon points="{area(bands["p10"], bands["p90"])}" fill="#1f5f8b" fill-opacity="0.15"/>'
        )
        parts.append(
            f'<polygon points="{area(bands["p25"], bands["p75"])}" fill="#1f5f8b" fill-opacity="0.3"/>'
        )
        median = " ".join(f"{_num(x)},{_num(y)}" for x, y in (xy(i, v) for i, v in enumerate(bands["p50"])))
        parts.append(f'<polyline points="{median}" fill="none" stroke="#1f5f8b" stroke-width="2"/>')
    if target is not None:
        _, y = xy(0, target)
        parts.append(
            f'<line x1="{pad_l}" y1="{_num(y)}" x2="{width - pad_r}" y2="{_num(y)}" stroke="#c8553d" stroke-dasharray="4 3"/>'
        )
    step = max(1, len(labels) // 10)
    for i, label in enumerate(labels):
        if i % step == 0:
            x, _ = xy(i, lo)
            parts.append(
                f'<text x="{_num(x)}" y="{height - 8}" font-size="10" text-anchor="middle" fill="#374151">{escape(str(label))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


HEAT_COLORS = {"low": "#5c946e", "medium": "#f2c14e", "high": "#f28c38", "critical": "#c8553d"}


def heat_map(
    cells: dict[tuple[int, int], int], levels: dict[tuple[int, int], str], *, size: int = 320
) -> SafeString:
    """5x5 probability (x) by impact (y) grid; `cells` counts items, `levels` names each cell's level."""
    from django.utils.translation import gettext as _

    pad = 36
    cell = (size - pad) / 5
    summary = _(
        "Heat map: number of risks per probability (1–5, across) and impact (1–5, up); %(n)s in all."
    ) % {"n": sum(cells.values())}
    cell_title = _("Probability %(p)s × impact %(i)s: %(n)s")
    axis_label = _("probability")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="chart heat-map" role="img"'
        f' aria-label="{escape(summary)}">'
    ]
    for p in range(1, 6):
        for i in range(1, 6):
            x, y = pad + (p - 1) * cell, (5 - i) * cell
            color = HEAT_COLORS.get(levels.get((p, i), "low"), "#ddd")
            count = cells.get((p, i), 0)
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(cell - 2)}" height="{_num(cell - 2)}" fill="{color}" rx="3"><title>{escape(cell_title % {"p": p, "i": i, "n": count})}</title></rect>'
            )
            if count:
                parts.append(
                    f'<text x="{_num(x + cell / 2)}" y="{_num(y + cell / 2 + 5)}" font-size="15" font-weight="bold" text-anchor="middle" fill="#111827">{count}</text>'
                )
    for k in range(1, 6):
        parts.append(
            f'<text x="{_num(pad + (k - 0.5) * cell)}" y="{size - 14}" font-size="11" text-anchor="middle">{k}</text>'
        )
        parts.append(
            f'<text x="{pad - 10}" y="{_num((5 - k + 0.5) * cell + 4)}" font-size="11" text-anchor="middle">{k}</text>'
        )
    parts.append(
        f'<text x="{_num(pad + 2.5 * cell)}" y="{size - 1}" font-size="10" text-anchor="middle" fill="#4b5563">{escape(axis_label)} →</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
