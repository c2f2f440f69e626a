"""Charts as server-side SVG: horizontal bars, a line over months and 100 % stacked shares. No script, no
library: the markup is printable, readable without JavaScript and the same in a saved page. Every label is
escaped; values are numbers the caller computed (a chart never computes a figure itself)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif"
PALETTE = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f", "#9e9d24")
LATE = "#c62828"


def _fmt(value) -> str:
    if value is None:
        return "—"
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:.1f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="12" class="sf-chart">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 — every label above is escaped


def bar_chart(items, *, title: str, unit: str = "", width: int = 640, label_width: int = 200) -> SafeString:
    """Horizontal bars, one per ``(label, value)`` or ``(label, value, late)`` item."""
    items = [(i[0], i[1] or 0, i[2] if len(i) > 2 else False) for i in items]
    row, top = 22, 26
    height = top + row * max(len(items), 1) + 8
    peak = max([float(v) for _l, v, _x in items] or [0]) or 1
    room = width - label_width - 70
    body = [f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    if not items:
        body.append(f'<text x="0" y="{top + 14}" fill="#78909c">暂无数据</text>')
    for n, (label, value, late) in enumerate(items):
        y = top + n * row
        length = max(1.0, room * float(value) / peak) if value else 0
        colour = LATE if late else PALETTE[0]
        body.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{escape(str(label)[:24])}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="14" fill="{colour}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 14}">{_fmt(value)}{escape(unit)}</text>'
        )
    return _svg(width, height, title, body)


def line_chart(points, *, title: str, unit: str = "", width: int = 640, height: int = 220) -> SafeString:
    """A line through ``(label, value)`` points (months of a year), with each value written above."""
    left, right, top, bottom = 36, 12, 30, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([float(v or 0) for _l, v in points] or [0]) or 1
    step = plot_w / max(len(points) - 1, 1)
    body = [
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#90a4ae"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#90a4ae"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="#607d8b">{_fmt(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" fill="#607d8b">0</text>',
    ]
    coords = []
    for n, (label, value) in enumerate(points):
        x = left + n * step
        y = top + plot_h - plot_h * float(value or 0) / peak
        coords.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[0]}"/>'
            f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="11">{_fmt(value)}</text>'
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#455a64">'
            f"{escape(str(label))}</text>"
        )
    if coords:
        body.insert(
            5, f'<polyline points="{" ".join(coords)}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>'
        )
    del unit  # the unit is in the title: a line over months has one
    return _svg(width, height, title, body)


def stacked_share(rows, series, *, title: str, width: int = 640, label_width: int = 120) -> SafeString:
    """100 % stacked bars: each row ``(label, [value per series])``; ``series`` are the segment names."""
    row, top = 24, 48
    height = top + row * max(len(rows), 1) + 8
    room = width - label_width - 50
    body = [f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    x = 0
    for n, name in enumerate(series):
        body.append(
            f'<rect x="{x}" y="26" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="35" font-size="11">{escape(str(name))}</text>'
        )
        x += 14 + 12 * len(str(name)) + 14
    if not rows:
        body.append(f'<text x="0" y="{top + 14}" fill="#78909c">暂无数据</text>')
    for n, (label, values) in enumerate(rows):
        y = top + n * row
        total = sum(float(v or 0) for v in values)
        body.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(str(label)[:12])}</text>'
        )
        offset = float(label_width)
        for k, value in enumerate(values):
            if not total or not value:
                continue
            part = room * float(value) / total
            body.append(
                f'<rect x="{offset:.1f}" y="{y + 3}" width="{part:.1f}" height="16" '
                f'fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(str(series[k]))}: {_fmt(value)}</title></rect>"
            )
            if part > 26:
                body.append(
                    f'<text x="{offset + part / 2:.1f}" y="{y + 15}" text-anchor="middle" fill="#fff" '
                    f'font-size="10">{round(100 * float(value) / total)}%</text>'
                )
            offset += part
        body.append(f'<text x="{label_width + room + 4}" y="{y + 15}">{_fmt(total)}</text>')
    return _svg(width, height, title, body)
