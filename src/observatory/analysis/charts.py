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


# A character of the chart font is about this wide, per font-size pixel (for wrapping
# labels so that none is cut off at the chart's edge).
CHAR_WIDTH = 0.56


def wrap(text: str, size: int, room: float, lines: int = 3) -> list[str]:
    """``text`` in at most ``lines`` lines that fit ``room`` pixels at ``size``; a last
    line that still does not fit ends with an ellipsis (the table beside it has it all)."""
    per_line = max(4, int(room / (size * CHAR_WIDTH)))
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= per_line:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:per_line - 1].rstrip() + "…"
    return [line if len(line) <= per_line else line[:per_line - 1] + "…" for line in out]


def _text_lines(x: float, y: float, lines: list[str], size: int, anchor: str) -> str:
    first = y - (len(lines) - 1) * size * 0.6
    spans = "".join(f'<tspan x="{x:.0f}" y="{first + i * size * 1.2:.0f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text text-anchor="{anchor}" font-size="{size}" fill="{DARK}">{spans}</text>'


def _bars(table: Table) -> str:
    rows = list(table.rows)[:40]
    left, width, label_size = 230, 720, 12
    labels = [wrap(r.label, label_size, left - 12) for r in rows]
    heights = [max(22, 8 + 15 * len(lines)) for lines in labels]
    top_pad, axis = 30, 40
    height = top_pad + sum(heights) + axis
    values = [r.cells[0].value for r in rows if not r.cells[0].suppressed
              and isinstance(r.cells[0].value, int | float)]
    top = max(values or [1]) or 1
    parts = _open(width, height, table.title, alt_text(table, "bar"))
    # Axis titles: what the bars are (rows) and what they measure (the first column).
    parts.append(f'<text x="{left - 6}" y="16" text-anchor="end" font-size="12" '
                 f'font-weight="bold" fill="{DARK}">{escape(table.row_header or "")}</text>')
    base = height - axis + 4
    parts.append(f'<line x1="{left}" y1="{top_pad - 4}" x2="{left}" y2="{base}" '
                 f'stroke="{DARK}"/><line x1="{left}" y1="{base}" x2="{width - 70}" '
                 f'y2="{base}" stroke="{DARK}"/>')
    for tick in (0, top / 2, top):
        x = left + (width - left - 70) * tick / top
        parts.append(f'<text x="{x:.0f}" y="{base + 14}" text-anchor="middle" font-size="11" '
                     f'fill="{DARK}">{tick:,.0f}</text>')
    parts.append(f'<text x="{(left + width - 70) / 2:.0f}" y="{height - 4}" '
                 f'text-anchor="middle" font-size="12" font-weight="bold" fill="{DARK}">'
                 f'{escape(table.columns[0].label)}</text>')
    y = top_pad
    for r, lines, h in zip(rows, labels, heights, strict=True):
        cell = r.cells[0]
        middle = y + h / 2
        parts.append(_text_lines(left - 6, middle + 4, lines, label_size, "end"))
        if cell.suppressed:
            parts.append(f'<text x="{left + 4}" y="{middle + 4:.0f}" font-size="12" '
                         f'fill="{DARK}">c (suppressed)</text>')
        else:
            value = cell.value if isinstance(cell.value, int | float) else 0
            w = max(1, int((width - left - 70) * value / top)) if value else 0
            parts.append(f'<rect x="{left}" y="{middle - 8:.0f}" width="{w}" height="16" '
                         f'fill="{BLUE}"/>')
            parts.append(f'<text x="{left + w + 4}" y="{middle + 4:.0f}" font-size="12" '
                         f'fill="{DARK}">{cell.display()}</text>')
        y += h
    parts.append("</svg>")
    return "".join(parts)


def _line(table: Table) -> str:
    rows = [r for r in table.rows if r.key != "none"]
    width, height, left, bottom = 720, 320, 70, 60
    highs = [r.cells[0].high or r.cells[0].value for r in rows if not r.cells[0].suppressed]
    top = max([h for h in highs if isinstance(h, int | float)] or [1]) or 1
    n = max(1, len(rows) - 1)
    parts = _open(width, height, table.title, alt_text(table, "line"))

    def xy(i: int, v: float) -> tuple[float, float]:
        return (left + (width - left - 30) * i / n,
                height - bottom - (height - bottom - 30) * v / top)

    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
                 f'y2="{height - bottom}" stroke="{DARK}"/><line x1="{left}" y1="24" '
                 f'x2="{left}" y2="{height - bottom}" stroke="{DARK}"/>')
    for tick in (0, top / 2, top):  # the vertical axis: its scale and what it counts
        _, ty = xy(0, tick)
        parts.append(f'<text x="{left - 6}" y="{ty + 4:.0f}" text-anchor="end" font-size="11" '
                     f'fill="{DARK}">{tick:,.0f}</text>')
    parts.append(f'<text x="16" y="{(height - bottom) / 2 + 12:.0f}" font-size="12" '
                 f'font-weight="bold" fill="{DARK}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {(height - bottom) / 2 + 12:.0f})">'
                 f'{escape(table.columns[0].label)}</text>')
    parts.append(f'<text x="{(left + width) / 2:.0f}" y="{height - 6}" text-anchor="middle" '
                 f'font-size="12" font-weight="bold" fill="{DARK}">'
                 f'{escape(table.row_header or "")}</text>')
    # Every label when they fit, else every k-th (the table beside the chart has them all).
    step = max(1, -(-len(rows) * 40 // (width - left)))
    points = []
    for i, r in enumerate(rows):
        c = r.cells[0]
        x, _ = xy(i, 0)
        if i % step == 0 or i == len(rows) - 1:
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
    parts.append(f'<text x="{left + 6}" y="14" font-size="11" fill="{DARK}">'
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
        # A label near the right edge is written leftwards of its point, never cut off.
        room = width - x - 12
        lines = wrap(label, 11, max(room, 140), lines=2)
        right = room < 140
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BLUE}"/>'
                     + _text_lines(x - 6 if right else x + 6, y + 4, lines, 11,
                                   "end" if right else "start"))
    parts.append("</svg>")
    return "".join(parts)
