"""Server-rendered SVG charts of a Table, each with alt text; the data table is always
shown beside the chart. Suppressed cells are drawn as gaps labelled 'c', never as values."""

from __future__ import annotations

import hashlib
from html import escape

from observatory_core.stats import Table

BLUE, GREY, DARK = "#1d70b8", "#b1b4b6", "#0b0c0c"


def alt_text(table: Table, chart: str) -> str:
    if table.empty or chart == "none":
        return ""
    shown = [(r.label, r.cells[0]) for r in table.rows]
    hidden = sum(1 for _, c in shown if c.suppressed)
    visible = [(label, c.value) for label, c in shown if not c.suppressed
               and isinstance(c.value, int | float)]
    kind = {"line": "Line chart", "scatter": "Scatter chart"}.get(chart, "Bar chart")
    if chart == "scatter" and len(table.splits) == 2:
        return _quadrant_alt(table)
    text = f"{kind} of {table.title.lower()}: {len(shown)} categories"
    if visible:
        top = max(visible, key=lambda lv: lv[1])
        text += f"; the largest is {top[0]} ({top[1]:,g})"
    if hidden:
        text += f"; {hidden} suppressed"
    return text + ". The same figures are in the table beside it."


def _quadrant_alt(table: Table) -> str:
    """001 Figure 3 in words: the axes, where they are split and which themes fall in each
    quadrant (the quadrant of a suppressed theme is not named)."""
    x, y = table.columns[0].label, table.columns[1].label
    text = (f"Quadrant chart of {table.title.lower()}: {len(table.rows)} themes placed by "
            f"{x.lower()} and {y.lower()}, split at the medians ({table.splits[0]:g} and "
            f"{table.splits[1]:g})")
    groups: dict[str, list[str]] = {}
    hidden = 0
    for r in table.rows:
        cell = r.cells[2] if len(r.cells) > 2 else None
        if cell is None or cell.suppressed or not cell.value:
            hidden += 1
            continue
        groups.setdefault(str(cell.value), []).append(r.label)
    for quadrant, labels in groups.items():
        text += f"; {quadrant}: {', '.join(labels)}"
    if hidden:
        text += f"; {hidden} suppressed"
    return text + ". The same figures are in the table beside it."


def svg(table: Table, chart: str) -> str:
    if table.empty or chart == "none" or not table.columns:
        return ""
    if chart == "scatter" and len(table.columns) >= 2:
        return _scatter(table)
    if chart == "line":
        return _line(table)
    return _bars(table)


def _open(width: int, height: int, title: str, desc: str) -> list[str]:
    # Pages and reports hold many charts: their title/desc ids must be unique per chart.
    key = "chart-" + hashlib.sha1(f"{title}\n{desc}".encode()).hexdigest()[:10]
    return [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="obs-chart" '
            f'viewBox="0 0 {width} {height}" width="100%" aria-labelledby="{key}-t {key}-d">'
            f'<title id="{key}-t">{escape(title)}</title>'
            f'<desc id="{key}-d">{escape(desc)}</desc>']


def _bars(table: Table) -> str:
    rows = list(table.rows)[:40]
    bar_h, left, width = 22, 230, 720
    height = 20 + bar_h * len(rows)
    values = [r.cells[0].value for r in rows if not r.cells[0].suppressed
              and isinstance(r.cells[0].value, int | float)]
    top = max(values or [1]) or 1
    parts = _open(width, height, table.title, alt_text(table, "bar"))
    for i, r in enumerate(rows):
        y = 10 + i * bar_h
        cell = r.cells[0]
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
                     f'fill="{DARK}">{escape(r.label[:34])}</text>')
        if cell.suppressed:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" font-size="12" fill="{DARK}">'
                         f'c (suppressed)</text>')
            continue
        value = cell.value if isinstance(cell.value, int | float) else 0
        w = max(1, int((width - left - 70) * value / top)) if value else 0
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w}" height="{bar_h - 6}" '
                     f'fill="{BLUE}"/>')
        parts.append(f'<text x="{left + w + 4}" y="{y + 15}" font-size="12" fill="{DARK}">'
                     f'{cell.display()}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _line(table: Table) -> str:
    rows = [r for r in table.rows if r.key != "none"]
    width, height, left, bottom = 720, 300, 50, 40
    highs = [r.cells[0].high or r.cells[0].value for r in rows if not r.cells[0].suppressed]
    top = max([h for h in highs if isinstance(h, int | float)] or [1]) or 1
    n = max(1, len(rows) - 1)
    parts = _open(width, height, table.title, alt_text(table, "line"))

    def xy(i: int, v: float) -> tuple[float, float]:
        return (left + (width - left - 20) * i / n,
                height - bottom - (height - bottom - 20) * v / top)

    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
                 f'y2="{height - bottom}" stroke="{DARK}"/>')
    points = []
    for i, r in enumerate(rows):
        c = r.cells[0]
        x, _ = xy(i, 0)
        parts.append(f'<text x="{x:.0f}" y="{height - bottom + 16}" text-anchor="middle" '
                     f'font-size="11" fill="{DARK}">{escape(r.label)}</text>')
        if c.suppressed or not isinstance(c.value, int | float):
            parts.append(f'<text x="{x:.0f}" y="{height - bottom - 6}" text-anchor="middle" '
                         f'font-size="11" fill="{DARK}">c</text>')
            continue
        if c.low is not None and c.high is not None:
            _, y1 = xy(i, c.low)
            _, y2 = xy(i, c.high)
            parts.append(f'<line x1="{x:.1f}" y1="{y1:.1f}" x2="{x:.1f}" y2="{y2:.1f}" '
                         f'stroke="{GREY}" stroke-width="4"/>')
        points.append(xy(i, c.value))
    if points:
        parts.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            BLUE, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)))
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BLUE}"/>')
    parts.append(f'<text x="{left}" y="14" font-size="11" fill="{DARK}">'
                 f'Grey bars: 95% interval</text></svg>')
    return "".join(parts)


def _scatter(table: Table) -> str:
    width, height, left, bottom = 720, 360, 60, 40
    pts = [(r.label, r.cells[0], r.cells[1]) for r in table.rows]
    xs = [c.value for _, c, _ in pts if not c.suppressed] or [1]
    ys = [c.value for _, _, c in pts if not c.suppressed] or [1]
    mx, my = max(xs) or 1, max(ys) or 1
    parts = _open(width, height, table.title, alt_text(table, "scatter"))
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
                 f'y2="{height - bottom}" stroke="{DARK}"/><line x1="{left}" y1="10" '
                 f'x2="{left}" y2="{height - bottom}" stroke="{DARK}"/>')
    parts.append(f'<text x="{width // 2}" y="{height - 8}" font-size="12" text-anchor="middle"'
                 f' fill="{DARK}">{escape(table.columns[0].label)}</text>')
    parts.append(f'<text x="14" y="{height // 2}" font-size="12" fill="{DARK}" '
                 f'transform="rotate(-90 14 {height // 2})" text-anchor="middle">'
                 f'{escape(table.columns[1].label)}</text>')
    if len(table.splits) == 2:  # the medians that make the quadrants (001 Figure 3)
        sx = left + (width - left - 150) * table.splits[0] / mx
        sy = height - bottom - (height - bottom - 20) * table.splits[1] / my
        parts.append(f'<line x1="{sx:.1f}" y1="10" x2="{sx:.1f}" y2="{height - bottom}" '
                     f'stroke="{GREY}" stroke-dasharray="6 4"/><line x1="{left}" '
                     f'y1="{sy:.1f}" x2="{width - 10}" y2="{sy:.1f}" stroke="{GREY}" '
                     f'stroke-dasharray="6 4"/>')
        for tx, ty, anchor, words in (
                (left + 6, 22, "start", "rare theme, many recommendations"),
                (width - 14, 22, "end", "frequent theme, many recommendations"),
                (left + 6, height - bottom - 6, "start", "rare theme, few recommendations"),
                (width - 14, height - bottom - 6, "end", "frequent theme, few recommendations")):
            parts.append(f'<text x="{tx}" y="{ty}" font-size="10" fill="{DARK}" '
                         f'text-anchor="{anchor}" font-style="italic">{words}</text>')
    for label, cx, cy in pts:
        if cx.suppressed or cy.suppressed:
            continue
        x = left + (width - left - 150) * cx.value / mx
        y = height - bottom - (height - bottom - 20) * cy.value / my
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BLUE}"/>'
                     f'<text x="{x + 6:.1f}" y="{y + 4:.1f}" font-size="11" fill="{DARK}">'
                     f'{escape(label[:28])}</text>')
    parts.append("</svg>")
    return "".join(parts)
