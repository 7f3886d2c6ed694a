"""The shapes every analysis returns: a Table of StatCells, suppression already applied.

A renderer (HTML, JSON, CSV, XLSX, PDF) never sees a suppressed number: ``value`` and ``n``
are ``None`` in a suppressed cell, and derived cells (percentages, rates, intervals) are
suppressed with the count they come from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("count", "percent", "rate", "mean", "number", "text", "interval")
DIGITS = {"percent": 1, "rate": 2, "mean": 1, "number": 1, "interval": 1}


@dataclass(frozen=True)
class StatCell:
    """One published number: its value, the count behind it, whether it is suppressed, and
    the filters that select the records behind it (for drill-down)."""

    value: float | int | str | None
    n: int | None = None
    suppressed: bool = False
    reason: str = ""  # "primary" | "secondary" | "" ; why it is suppressed
    drilldown: Mapping[str, str] = field(default_factory=dict)
    low: float | None = None
    high: float | None = None
    kind: str = "count"
    # True in unsuppressed (analyst) output where public output would hide this cell.
    would_suppress: bool = False

    @property
    def digits(self) -> int:
        """Decimal places shown (and written to CSV/XLSX): rates per 10,000 children are
        small (a local area's reviews are a few per 100,000 children), so two places."""
        return DIGITS.get(self.kind, 1)

    def rounded(self) -> float | int | str | None:
        """The value as displayed, for downloads: a CSV holds what the page shows."""
        if isinstance(self.value, float):
            return round(self.value, self.digits)
        return self.value

    def display(self, symbol: str = "c", digits: int | None = None) -> str:
        digits = self.digits if digits is None else digits
        if self.suppressed:
            return symbol
        if self.value is None:
            return ""
        if isinstance(self.value, str):
            return self.value
        if self.kind in ("count",) or isinstance(self.value, int):
            return f"{int(self.value):,}"
        if self.kind == "percent":
            return f"{self.value:.{digits}f}%"
        return f"{self.value:,.{digits}f}"

    def interval(self, digits: int | None = None) -> str:
        digits = self.digits if digits is None else digits
        if self.suppressed or self.low is None or self.high is None:
            return ""
        return f"{self.low:.{digits}f} to {self.high:.{digits}f}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "n": self.n, "suppressed": self.suppressed}
        if self.reason:
            out["reason"] = self.reason
        if self.low is not None and not self.suppressed:
            out["ci"] = [round(self.low, 4), round(self.high or 0.0, 4)]
        if self.drilldown and not self.suppressed:
            out["drilldown"] = dict(self.drilldown)
        if self.would_suppress:
            out["would_suppress_in_public"] = True
        return out


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[StatCell, ...]


@dataclass(frozen=True)
class TestResult:
    """A significance test and why it was chosen."""

    name: str
    statistic: float | None
    df: int | None
    p_value: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"test": self.name, "statistic": self.statistic, "df": self.df,
                "p_value": self.p_value, "reason": self.reason}

    def sentence(self) -> str:
        stat = (f"statistic {self.statistic:.3f}, " if self.statistic is not None else "")
        df = f"df {self.df}, " if self.df is not None else ""
        return f"{self.name}: {stat}{df}p = {self.p_value:.4g}. {self.reason}"


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    unit: str = "reviews"
    row_header: str = ""
    notes: tuple[str, ...] = ()
    rule: str = ""  # the suppression rule as stated on every output
    suppressed_output: bool = True  # public (suppressed) output or unsuppressed
    test: TestResult | None = None
    source: str = ""
    empty_message: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    # Where a chart splits its axes (x, y), e.g. the medians of the quadrant chart.
    splits: tuple[float, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.rows

    def all_rows(self) -> tuple[Row, ...]:
        return self.rows + ((self.total,) if self.total else ())

    def records(self, symbol: str = "c") -> list[dict[str, Any]]:
        """Flat rows for CSV/XLSX: the row label, then each column (and its interval)."""
        out = []
        for row in self.all_rows():
            record: dict[str, Any] = {self.row_header or "category": row.label}
            for column, cell in zip(self.columns, row.cells, strict=True):
                record[column.label] = symbol if cell.suppressed else (
                    "" if cell.value is None else cell.rounded())
                if cell.low is not None or (cell.suppressed and column.kind in ("rate",
                                                                                "percent")):
                    record[f"{column.label} (95% CI)"] = cell.interval() if not cell.suppressed \
                        else symbol
            out.append(record)
        return out

    def record_columns(self) -> list[str]:
        columns = [self.row_header or "category"]
        for record in self.records():
            for key in record:
                if key not in columns:
                    columns.append(key)
        return columns

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "unit": self.unit,
            "row_header": self.row_header,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [{"key": r.key, "label": r.label, "cells": [c.as_dict() for c in r.cells]}
                     for r in self.rows],
            "total": ({"key": self.total.key, "label": self.total.label,
                       "cells": [c.as_dict() for c in self.total.cells]}
                      if self.total else None),
            "suppression_rule": self.rule, "suppressed_output": self.suppressed_output,
            "test": self.test.as_dict() if self.test else None,
            "notes": list(self.notes), "source": self.source, "filters": dict(self.filters),
            "empty_message": self.empty_message if self.empty else "",
            **({"splits": list(self.splits)} if self.splits else {}),
        }
