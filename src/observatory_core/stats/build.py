"""Turning counts into Tables: percentages with Wilson intervals, counts with Byar
intervals, rates per 10,000, summary statistics; suppression applied before anything
leaves this module.

``public=True`` hides suppressed cells; ``public=False`` (roles allowed unsuppressed
figures) shows every value and marks the cells public output would hide.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .intervals import PER, byar, rate, wilson
from .prose import count_value
from .significance import compare
from .suppression import SuppressionRule, load_rule, protect
from .types import Column, Row, StatCell, Table


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    count: int
    drilldown: Mapping[str, str] = field(default_factory=dict)


def _cell(value, n, hidden: str | None, public: bool, **kw) -> StatCell:
    if hidden and public:
        return StatCell(None, None, True, hidden, kind=kw.get("kind", "count"))
    return StatCell(value, n, False, "", would_suppress=bool(hidden), **kw)


def one_way(name: str, title: str, categories: Sequence[Category], *, public: bool,
            rule: SuppressionRule | None = None, unit: str = "reviews",
            row_header: str = "", additive: bool = True, base: int | None = None,
            percent: bool = True, count_ci: bool = False,
            populations: Mapping[str, float] | None = None, population_label: str = "",
            notes: Sequence[str] = (), source: str = "", filters: Mapping[str, str] | None = None,
            total_drilldown: Mapping[str, str] | None = None, empty_message: str = "",
            total_label: str = "Total", published: Sequence[str] = ()) -> Table:
    """A count per category, its share of ``base`` (default: the total) and optionally a
    Poisson interval on the count and a rate per 10,000 of ``populations[key]``.
    ``published``: keys of categories whose count the same output prints elsewhere, kept
    out of secondary suppression where another cell can protect."""
    rule = rule or load_rule()
    counts = [[c.count] for c in categories]
    total = sum(c.count for c in categories) if additive else (base or 0)
    base = base if base is not None else total
    shown = frozenset((i, 0) for i, c in enumerate(categories) if c.key in published)
    hidden = protect(counts, rule, row_totals=False, col_totals=True, additive=additive,
                     published=shown) if categories else {}
    if not additive and rule.is_small(total):
        hidden[(len(categories), 0)] = "primary"
    columns = [Column("count", f"Number of {unit}", "count")]
    if percent:
        # The base is printed in the heading only where public output may show it.
        shown = count_value(base, public=public, rule=rule) if base else None
        columns.append(Column("percent", f"Percentage of {shown:,} {unit}"
                              if shown is not None else "Percentage", "percent"))
    if populations is not None:
        columns.append(Column("rate", f"Rate per {PER:,} {population_label}".strip(), "rate"))
    rows = []
    for i, c in enumerate(categories):
        why = hidden.get((i, 0))
        cells = [_cell(c.count, c.count, why, public, drilldown=c.drilldown,
                       **_count_ci(c.count, count_ci))]
        if percent:
            cells.append(_percent(c.count, base, why, public, c.drilldown))
        if populations is not None:
            cells.append(_rate(c.count, populations.get(c.key), why, public, c.drilldown))
        rows.append(Row(c.key, c.label, tuple(cells)))
    total_row = None
    if categories:
        why = hidden.get((len(categories), 0))
        cells = [_cell(total, total, why, public, drilldown=total_drilldown or {},
                       **_count_ci(total, count_ci))]
        if percent:
            cells.append(_cell(100.0 if additive and total else None, total, why, public,
                               kind="percent"))
        if populations is not None:
            pop = sum(populations.get(c.key) or 0 for c in categories) if additive else None
            cells.append(_rate(total, pop or None, why, public, {}))
        total_row = Row("total", total_label, tuple(cells))
    if not additive:
        notes = (*notes, f"A review can be counted in more than one row; the total is the "
                         f"number of {unit} in scope, not the sum of the rows.")
    return Table(name, title, tuple(columns), tuple(rows), total_row, unit=unit,
                 row_header=row_header, notes=tuple(notes), rule=rule.describe(),
                 suppressed_output=public, source=source, filters=dict(filters or {}),
                 empty_message=empty_message or f"No {unit} match these filters.")


def _count_ci(count: int, wanted: bool) -> dict:
    if not wanted:
        return {}
    low, high = byar(count)
    return {"low": low, "high": high}


def _percent(k: int, n: int, why: str | None, public: bool,
             drilldown: Mapping[str, str]) -> StatCell:
    if n <= 0:
        # No base, no percentage: the cell carries no count either (its count is in the
        # count column, suppressed there if small).
        return _cell(None, None, why, public, kind="percent")
    low, high = wilson(min(k, n), n)
    return _cell(100 * k / n, k, why, public, kind="percent", low=100 * low,
                 high=100 * high, drilldown=drilldown)


def _rate(count: int, population: float | None, why: str | None, public: bool,
          drilldown: Mapping[str, str]) -> StatCell:
    if not population:
        # No population, no rate. The cell still follows its count's suppression and carries
        # no count of its own: an empty rate cell once published {"n": 3} beside a 'c'.
        return _cell(None, None, why, public, kind="rate")
    value, low, high = rate(count, population)
    return _cell(value, count, why, public, kind="rate", low=low, high=high,
                 drilldown=drilldown)


def two_way(name: str, title: str, rows: Sequence[Category], columns: Sequence[Category],
            counts: Sequence[Sequence[int]], *, public: bool,
            rule: SuppressionRule | None = None, unit: str = "reviews",
            row_header: str = "", drilldowns: Sequence[Sequence[Mapping[str, str]]] = (),
            notes: Sequence[str] = (), source: str = "", filters: Mapping[str, str] | None = None,
            test: bool = False, empty_message: str = "", percent_of: int | None = None,
            extra: Sequence[tuple[Column, Sequence[float | None]]] = (),
            total_label: str = "Total") -> Table:
    """Rows x columns of counts with row totals, column totals and the grand total.

    ``percent_of=j`` adds column j as a percentage of the row total (Wilson interval);
    ``extra`` adds per-row values (e.g. a median) hidden when the row total is small or
    hidden."""
    rule = rule or load_rule()
    n_rows, n_cols = len(rows), len(columns)
    hidden = protect(counts, rule, row_totals=True, col_totals=True) if n_rows else {}
    cols = tuple(Column(c.key, c.label, "count") for c in columns) + (
        Column("total", total_label, "count"),)
    if percent_of is not None:
        cols += (Column("percent", f"Percentage {columns[percent_of].label.lower()}",
                        "percent"),)
    cols += tuple(column for column, _ in extra)

    def derived(i: int, k: int, total: int, hidden_k: str | None, hidden_t: str | None,
                extra_values: Sequence[float | None]) -> list[StatCell]:
        cells = []
        if percent_of is not None:
            cells.append(_percent(k, total, hidden_k or hidden_t, public, {}))
        for value in extra_values:
            why = hidden_t or ("primary" if rule.is_small(total) else None)
            cells.append(_cell(value, total, why, public, kind="number"))
        return cells
    out_rows = []
    for i, r in enumerate(rows):
        cells = []
        for j in range(n_cols):
            dd = drilldowns[i][j] if drilldowns else {**r.drilldown, **columns[j].drilldown}
            cells.append(_cell(counts[i][j], counts[i][j], hidden.get((i, j)), public,
                               drilldown=dd))
        row_total = sum(counts[i])
        cells.append(_cell(row_total, row_total, hidden.get((i, n_cols)), public,
                           drilldown=r.drilldown))
        k = counts[i][percent_of] if percent_of is not None else 0
        cells += derived(i, k, row_total, hidden.get((i, percent_of or 0)),
                         hidden.get((i, n_cols)), [values[i] for _, values in extra])
        out_rows.append(Row(r.key, r.label, tuple(cells)))
    total_row = None
    if n_rows:
        cells = []
        for j in range(n_cols):
            col_total = sum(counts[i][j] for i in range(n_rows))
            cells.append(_cell(col_total, col_total, hidden.get((n_rows, j)), public,
                               drilldown=columns[j].drilldown))
        grand = sum(sum(r) for r in counts)
        cells.append(_cell(grand, grand, hidden.get((n_rows, n_cols)), public))
        k = sum(counts[i][percent_of] for i in range(n_rows)) if percent_of is not None else 0
        cells += derived(n_rows, k, grand, hidden.get((n_rows, percent_of or 0)),
                         hidden.get((n_rows, n_cols)), [None for _ in extra])
        total_row = Row("total", "Total", tuple(cells))
    result = None
    if test and n_rows and n_cols >= 2:
        # The test reads the full counts; in public output it is reported only when no
        # cell is suppressed (a statistic could otherwise narrow a hidden value).
        transposed = [[counts[i][j] for i in range(n_rows)] for j in range(n_cols)]
        if not (public and hidden):
            result = compare(transposed)
        else:
            notes = (*notes, "No significance test is published for a table with suppressed "
                             "cells.")
    return Table(name, title, cols, tuple(out_rows), total_row, unit=unit,
                 row_header=row_header, notes=tuple(notes), rule=rule.describe(),
                 suppressed_output=public, test=result, source=source, filters=dict(filters or {}),
                 empty_message=empty_message or f"No {unit} match these filters.")


@dataclass(frozen=True)
class Group:
    """Per-record values for one summary row, e.g. recommendations per review for one
    agency (one value per review in scope, zeros included)."""

    key: str
    label: str
    values: Sequence[int]
    drilldown: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Spread:
    """A summary row given by its aggregates rather than every value (the database sums
    them): the total over ``records`` records, how many have any, the smallest and largest
    value (zeros included)."""

    key: str
    label: str
    total: int
    with_any: int
    records: int
    smallest: int | None
    largest: int | None
    drilldown: Mapping[str, str] = field(default_factory=dict)


def spread(group: Group | Spread) -> Spread:
    if isinstance(group, Spread):
        return group
    v = group.values
    return Spread(group.key, group.label, sum(v), sum(1 for x in v if x), len(v),
                  min(v) if v else None, max(v) if v else None, group.drilldown)


def summary(name: str, title: str, groups: Sequence[Group | Spread], *, public: bool,
            rule: SuppressionRule | None = None, unit: str = "recommendations",
            per: str = "review", row_header: str = "", notes: Sequence[str] = (),
            source: str = "", filters: Mapping[str, str] | None = None, empty_message: str = "",
            total: Group | Spread | None = None) -> Table:
    """Total, records with any, mean per record and range, per group (001 Table 1)."""
    rule = rule or load_rule()
    groups = [spread(g) for g in groups]
    totals = [[g.total] for g in groups]
    hidden = protect(totals, rule, row_totals=False, col_totals=True) if groups else {}
    columns = (Column("count", f"Number of {unit}", "count"),
               Column("with_any", f"{per.capitalize()}s with any", "count"),
               Column("mean", f"Mean per {per}", "mean"),
               Column("range", "Range", "text"))

    def row(g: Spread, why: str | None) -> Row:
        count, with_any = g.total, g.with_any
        few = g.records < rule.threshold
        small_any = rule.is_small(with_any)
        # total / records is what statistics.fmean gives for whole numbers.
        mean = count / g.records if g.records else None
        span = f"{g.smallest} to {g.largest}" if g.records else None
        return Row(g.key, g.label, (
            _cell(count, count, why, public, drilldown=g.drilldown),
            _cell(with_any, with_any, why or ("primary" if small_any else None), public,
                  drilldown=g.drilldown),
            _cell(round(mean, 2) if mean is not None else None, g.records,
                  why or ("primary" if few else None), public, kind="mean"),
            _cell(span, g.records, why or ("primary" if few or small_any else None),
                  public, kind="text"),
        ))

    rows = tuple(row(g, hidden.get((i, 0))) for i, g in enumerate(groups))
    total_row = row(spread(total), hidden.get((len(groups), 0))) if total and groups else None
    return Table(name, title, columns, rows, total_row, unit=unit, row_header=row_header,
                 notes=tuple(notes), rule=rule.describe(), suppressed_output=public,
                 source=source, filters=dict(filters or {}),
                 empty_message=empty_message or f"No {unit} match these filters.")


def columns_table(name: str, title: str, rows: Sequence[Category],
                  columns: Sequence[Column], counts: Sequence[Sequence[int]], *, public: bool,
                  rule: SuppressionRule | None = None, unit: str = "reviews",
                  row_header: str = "", drilldowns: Sequence[Sequence[Mapping[str, str]]] = (),
                  extra: Sequence[tuple[Column, Sequence[str]]] = (),
                  notes: Sequence[str] = (), source: str = "",
                  filters: Mapping[str, str] | None = None, empty_message: str = "") -> Table:
    """Several counts per row that do not add up across columns or rows (a review can be
    in several rows and columns): each small count is hidden (primary suppression only,
    since no totals are published); ``extra`` text columns are hidden with any hidden
    count of their row."""
    rule = rule or load_rule()
    out = []
    for i, r in enumerate(rows):
        cells = []
        any_hidden = None
        for j in range(len(columns)):
            value = counts[i][j]
            why = "primary" if rule.is_small(value) else None
            any_hidden = any_hidden or why
            dd = drilldowns[i][j] if drilldowns else r.drilldown
            cells.append(_cell(value, value, why, public, drilldown=dd))
        for _, values in extra:
            cells.append(_cell(values[i], None, any_hidden, public, kind="text"))
        out.append(Row(r.key, r.label, tuple(cells)))
    return Table(name, title, tuple(columns) + tuple(c for c, _ in extra), tuple(out), None,
                 unit=unit, row_header=row_header, notes=tuple(notes), rule=rule.describe(),
                 suppressed_output=public, source=source, filters=dict(filters or {}),
                 empty_message=empty_message or f"No {unit} match these filters.")


def with_notes(table: Table, *notes: str) -> Table:
    return replace(table, notes=(*table.notes, *notes))


@dataclass(frozen=True)
class Point:
    key: str
    label: str
    x: int  # e.g. cases in which the theme arose
    y: int  # e.g. recommendations on the theme
    quadrant: str = ""


QUADRANTS = {
    (True, True): "frequent theme, many recommendations",
    (True, False): "frequent theme, few recommendations",
    (False, True): "rare theme, many recommendations",
    (False, False): "rare theme, few recommendations",
}


def quadrants(points: Sequence[Point]) -> tuple[list[Point], float, float]:
    """001 Figure 3: each theme placed by how often it arises (x) and how many
    recommendations address it (y), split at the medians. Returns points, x and y split."""
    if not points:
        return [], 0.0, 0.0
    mx = statistics.median(p.x for p in points)
    my = statistics.median(p.y for p in points)
    return [replace(p, quadrant=QUADRANTS[(p.x > mx, p.y > my)]) for p in points], mx, my
