"""Charts name both axes and cut no label off: long category names wrap inside the chart."""

from __future__ import annotations

import re

from observatory.analysis.charts import CHAR_WIDTH, svg, wrap
from observatory_core.stats import Category
from observatory_core.stats import build as core

LONG = "Parental mental ill health, including post-natal depression and anxiety"


def _table(labels, counts, row_header="Family characteristic", **extra):
    cats = [Category(str(i), label, n, {}) for i, (label, n) in
            enumerate(zip(labels, counts, strict=True))]
    return core.one_way("t", "Reviews by family characteristic", cats, public=False,
                        row_header=row_header, **extra)


def _texts(chart: str) -> list[tuple[float, str, int, str]]:
    """(x, anchor, font size, words) of every line of text in the chart."""
    out = []
    for attrs, body in re.findall(r"<text([^>]*)>(.*?)</text>", chart):
        if "rotate(" in attrs:  # a vertical axis title: checked by its own test
            continue
        anchor = re.search(r'text-anchor="(\w+)"', attrs)
        size = int(re.search(r'font-size="(\d+)"', attrs).group(1))
        spans = re.findall(r'<tspan x="([\d.]+)"[^>]*>(.*?)</tspan>', body)
        if spans:
            out += [(float(x), anchor.group(1) if anchor else "start", size, t) for x, t in spans]
        else:
            x = float(re.search(r'x="([\d.]+)"', attrs).group(1))
            out.append((x, anchor.group(1) if anchor else "start", size, body))
    return out


def _inside(chart: str) -> None:
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', chart).group(1))
    for x, anchor, size, text in _texts(chart):
        length = len(text) * size * CHAR_WIDTH
        left = x - length if anchor == "end" else x - length / 2 if anchor == "middle" else x
        assert left >= 0 and left + length <= width, (text, x, anchor)


def test_bar_chart_names_its_axes_and_wraps_long_labels():
    chart = svg(_table([LONG, "Domestic abuse"], [12, 30]), "bar")
    words = " ".join(t for *_, t in _texts(chart))
    assert "Family characteristic" in words  # what the bars are
    assert "Number of reviews" in words  # what they measure
    assert "post-natal depression" in words and "anxiety" in words  # not cut at 34 characters
    _inside(chart)


def test_line_chart_names_its_axes_and_keeps_labels_inside():
    years = [str(y) for y in range(2000, 2026)]
    chart = svg(_table(years, [5 + i for i in range(len(years))], row_header="Year"), "line")
    words = [t for *_, t in _texts(chart)]
    assert "Year" in words  # the horizontal axis; the vertical one is checked below
    assert "2000" in words and "2025" in words
    _inside(chart)
    title = re.search(r'<text x="16" y="([\d.]+)"[^>]*rotate[^>]*>([^<]+)</text>', chart)
    middle, text = float(title.group(1)), title.group(2)
    assert text == "Number of reviews"
    assert middle - len(text) * 12 * CHAR_WIDTH / 2 >= 0  # the vertical title fits too


def test_wrap_never_exceeds_its_room():
    for line in wrap(LONG * 3, 12, 200):
        assert len(line) * 12 * CHAR_WIDTH <= 200 + 12
