"""The reliability diagram as inline SVG, drawn on the server (no JavaScript), with a text
alternative; the page puts the same figures in a table beside it."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SIZE, PAD = 320, 40


def reliability_svg(bins: list[dict[str, Any]], *, chart_id: str, title: str) -> SafeString:
    """Stated confidence (x) against the share people confirmed (y), one dot per band sized
    by how many suggestions fell in it; the diagonal is perfect calibration."""
    inner = SIZE - 2 * PAD

    def x(v: float) -> float:
        return PAD + inner * v

    def y(v: float) -> float:
        return SIZE - PAD - inner * v

    most = max((b["count"] for b in bins), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="obs-chart" '
        f'viewBox="0 0 {SIZE} {SIZE}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(bins))}</desc>',
        f'<rect x="{PAD}" y="{PAD}" width="{inner}" height="{inner}" fill="none" '
        f'stroke="#b1b4b6"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#505a5f" '
        f'stroke-dasharray="4 4"/>',
    ]
    for tick in (0, 0.5, 1):
        parts.append(f'<text x="{x(tick):.1f}" y="{SIZE - PAD + 16}" font-size="12" '
                     f'text-anchor="middle" fill="#0b0c0c">{tick:.0%}</text>')
        parts.append(f'<text x="{PAD - 6}" y="{y(tick) + 4:.1f}" font-size="12" '
                     f'text-anchor="end" fill="#0b0c0c">{tick:.0%}</text>')
    parts.append(f'<text x="{SIZE / 2}" y="{SIZE - 6}" font-size="12" text-anchor="middle" '
                 f'fill="#0b0c0c">Stated confidence</text>')
    parts.append(f'<text x="12" y="{SIZE / 2}" font-size="12" text-anchor="middle" '
                 f'fill="#0b0c0c" transform="rotate(-90 12 {SIZE / 2})">Share confirmed</text>')
    points = sorted(bins, key=lambda b: b["confidence"])
    if len(points) > 1:
        path = " ".join(f"{x(b['confidence']):.1f},{y(b['observed']):.1f}" for b in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1d70b8" '
                     f'stroke-width="2"/>')
    for b in points:
        radius = 3 + 6 * (b["count"] / most) ** 0.5
        parts.append(f'<circle cx="{x(b["confidence"]):.1f}" cy="{y(b["observed"]):.1f}" '
                     f'r="{radius:.1f}" fill="#1d70b8"><title>{band(b)}: '
                     f'{b["count"]} suggestions, {b["observed"]:.0%} confirmed</title></circle>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric


def band(b: dict[str, Any]) -> str:
    return f"{b['low']:.0%} to {b['high']:.0%}"


def describe(bins: list[dict[str, Any]]) -> str:
    if not bins:
        return "No held-out suggestions yet."
    return " ".join(f"Stated {band(b)} (mean {b['confidence']:.0%}): {b['observed']:.0%} of "
                    f"{b['count']} confirmed." for b in bins)
