"""The national dashboard as an overview a person takes in at a glance: a few headline
figures with the change since the year before, the trend, what is new, and the standard
tables one click away. Every number comes from a standard table built for the user's scope
(tables.build), so it is suppressed exactly as the table is, and links to the reviews
behind it. A change is shown only when both years' figures are shown: a difference with a
suppressed figure would reveal it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from observatory_core.stats import Table, load_rule

from .present import drill_url
from .tables import Scope, build


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    table: str  # the standard table the figures come from
    row: str | None  # its row key (None: the total row)


HEADLINES = (
    Headline("reviews", "Reviews decided", "reviews_by_outcome", None),
    Headline("deaths", "Reviews where the child died", "reviews_by_outcome", "death"),
    Headline("harm", "Reviews where the child was seriously harmed", "reviews_by_outcome",
             "serious_harm"),
)


def _cell(table: Table, row: str | None):
    if row is None:
        return table.total.cells[0] if table.total else None
    return next((r.cells[0] for r in table.rows if r.key == row), None)


def _figure(table: Table, row: str | None) -> dict[str, Any]:
    cell = _cell(table, row)
    symbol = load_rule().symbol
    if cell is None:
        return {"text": "0", "value": 0, "suppressed": False, "url": ""}
    value = None if cell.suppressed else cell.value
    url = drill_url(table.name, dict(cell.drilldown)) if (
        cell.drilldown and not cell.suppressed and cell.value) else ""
    return {"text": cell.display(symbol), "value": value, "suppressed": cell.suppressed,
            "url": url}


def latest_year(scope: Scope) -> int | None:
    """The latest year of the decision to review among the reviews in scope."""
    trend = build("reviews_by_year", scope)
    years = [int(r.key) for r in trend.rows if r.key.isdigit()]
    return max(years) if years else None


def headlines(scope: Scope, year: int) -> list[dict[str, Any]]:
    out = []
    tables = {}
    for y in (year, year - 1):
        filters = {k: v for k, v in scope.filters.items()
                   if k not in ("year", "year_from", "year_to")}
        tables[y] = {name: build(name, Scope(scope.user, {**filters, "year": str(y)},
                                             public=scope.public))
                     for name in {h.table for h in HEADLINES}}
    for h in HEADLINES:
        now = _figure(tables[year][h.table], h.row)
        before = _figure(tables[year - 1][h.table], h.row)
        change = None
        if now["value"] is not None and before["value"] is not None:
            change = int(now["value"]) - int(before["value"])
        so_far = " so far" if year == date.today().year else ""
        out.append({"key": h.key, "label": f"{h.label} in {year}{so_far}", "figure": now,
                    "previous": before, "previous_year": year - 1, "change": change,
                    "change_text": _change_text(change, before, year - 1)})
    return out


def _change_text(change: int | None, before: dict[str, Any], previous: int) -> str:
    if change is None:
        return (f"Change since {previous} not shown: a figure is too small to publish"
                if before["suppressed"] or before["value"] is None else "")
    if change == 0:
        return f"The same as in {previous} ({before['text']})"
    direction = "up" if change > 0 else "down"
    return f"{direction.capitalize()} {abs(change):,} on {previous} ({before['text']})"
