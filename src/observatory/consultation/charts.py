"""Stacked horizontal bar charts as inline SVG, drawn on the server (no JavaScript), with a
text alternative. One bar per statement, one segment per answer, in scale order."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from observatory_core.consensus import LABELS, SCALE

# Disagreeing in reds, agreeing in blues (GOV.UK palette and tints), unable in grey.
COLOURS = {
    "strongly_disagree": "#6e1d12",
    "disagree": "#d4351c",
    "mildly_disagree": "#f0a290",
    "mildly_agree": "#a8c9e8",
    "agree": "#1d70b8",
    "strongly_agree": "#0b2d4d",
    "unable": "#b1b4b6",
}
WIDTH, LABEL_W, BAR_H, GAP, LEGEND_H = 640, 56, 22, 8, 64


def stacked_bars(rows: list[dict[str, Any]], *, chart_id: str, title: str) -> SafeString:
    """``rows``: dicts with number, consensus and counts (as from round_results)."""
    bar_w = WIDTH - LABEL_W - 8
    height = LEGEND_H + len(rows) * (BAR_H + GAP) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="obs-chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(rows))}</desc>',
    ]
    # Legend, two lines of four.
    for i, answer in enumerate(SCALE):
        x = (i % 4) * (WIDTH // 4)
        y = 8 + (i // 4) * 22
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" '
                     f'fill="{COLOURS[answer]}" stroke="#0b0c0c" stroke-width="0.5"/>')
        parts.append(f'<text x="{x + 20}" y="{y + 12}" font-size="13" fill="#0b0c0c">'
                     f'{escape(LABELS[answer])}</text>')
    for index, row in enumerate(rows):
        y = LEGEND_H + index * (BAR_H + GAP)
        label = f"{row['number']}{'**' if row['consensus'] != 'none' else ''}"
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 6}" font-size="14" '
                     f'text-anchor="end" fill="#0b0c0c">{escape(label)}</text>')
        total = sum(row["counts"].values())
        x = float(LABEL_W)
        for answer in SCALE:
            count = row["counts"][answer]
            if not total or not count:
                continue
            width = bar_w * count / total
            parts.append(f'<rect x="{x:.2f}" y="{y}" width="{width:.2f}" height="{BAR_H}" '
                         f'fill="{COLOURS[answer]}"><title>{escape(LABELS[answer])}: '
                         f'{row["pct_per_answer"][answer]}%</title></rect>')
            x += width
    axis_y = LEGEND_H + len(rows) * (BAR_H + GAP) + 14
    for pct in (0, 25, 50, 75, 100):
        ax = LABEL_W + bar_w * pct / 100
        anchor = "start" if pct == 0 else "end" if pct == 100 else "middle"
        parts.append(f'<text x="{ax:.1f}" y="{axis_y}" font-size="12" fill="#0b0c0c" '
                     f'text-anchor="{anchor}">{pct}%</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric


def describe(rows: list[dict[str, Any]]) -> str:
    """The chart in words: what a screen reader announces in place of the picture."""
    if not rows:
        return "No statements."
    sentences = []
    for row in rows:
        consensus = {"agree": "consensus agreement", "disagree": "consensus disagreement",
                     "none": "no consensus"}[row["consensus"]]
        sentences.append(f"Statement {row['number']}: {row['pct_disagreeing']}% disagreeing, "
                         f"{row['pct_agreeing']}% agreeing, {row['pct_unable']}% unable to "
                         f"answer; {consensus}.")
    return "Bars from left (strongly disagree) to right (strongly agree, then unable to " \
           "answer); ** marks consensus. " + " ".join(sentences)
