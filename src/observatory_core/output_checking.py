"""Output checking: does a researcher's results table disclose anyone?

The rules are data (``data/research/output_checking.toml``, sources cited there), applied
to tables a researcher uploads (CSV/XLSX read by ``tabular.read_table``). They follow the
checks of ACRO/SACRO and the SDC Handbook for research outputs; ACRO itself checks tables
while they are computed from microdata in a secure environment, so its rules are applied
here to the finished cells instead of adopting the package.

A table is rows of cells: the first column whose values are not numbers is the row label;
numeric columns are counts, except companion columns named ``<column> largest`` and
``<column> second`` that make ``<column>`` a magnitude (the largest contributions to it).

Each finding names the rule, the cell and a plain reason; a table with none passes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .stats.suppression import load_rule as load_suppression_rule

RULE_FILE = Path(__file__).parent / "data" / "research" / "output_checking.toml"
LARGEST, SECOND = " largest", " second"


@dataclass(frozen=True)
class Rules:
    threshold: int
    n: int
    k: float
    p: float
    zeros: bool
    differencing: bool
    sources: dict[str, str]


@dataclass(frozen=True)
class Finding:
    rule: str
    row: str
    column: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "row": self.row, "column": self.column,
                "reason": self.reason}


@dataclass(frozen=True)
class Table:
    """Row labels, count columns, and each row's numbers (None for an empty cell)."""

    label: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, dict[str, float | None]], ...]
    magnitudes: dict[str, tuple[dict[str, float | None], dict[str, float | None]]]


class TableProblem(ValueError):
    pass


def parse_rules(data: dict[str, Any], public_threshold: int) -> Rules:
    threshold = data.get("threshold", {})
    minimum = (public_threshold if threshold.get("use_public_suppression_rule", True)
               else int(threshold["minimum"]))
    dominance, zeros, diff = data["dominance"], data.get("zeros", {}), data.get("differencing", {})
    if not (int(dominance["n"]) >= 1 and 0 < float(dominance["k"]) <= 100
            and 0 < float(dominance["p"]) < 100):
        raise ValueError("output checking: dominance needs n >= 1, 0 < k <= 100, 0 < p < 100")
    return Rules(threshold=minimum, n=int(dominance["n"]), k=float(dominance["k"]),
                 p=float(dominance["p"]), zeros=bool(zeros.get("group_disclosure", True)),
                 differencing=bool(diff.get("enabled", True)),
                 sources={name: str(data[name].get("source", "")) for name in
                          ("threshold", "dominance", "zeros", "differencing") if name in data})


@lru_cache(maxsize=2)
def load_rules(path: Path = RULE_FILE) -> Rules:
    from .datafiles import OutputCheckingFile, shape_problems

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    problems = shape_problems(OutputCheckingFile, data)  # unknown keys, types
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return parse_rules(data, load_suppression_rule().threshold)


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise TableProblem(f"'{value}' is not a number")
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        raise TableProblem(f"'{value}' is not a number") from None


def table_from_rows(rows: Sequence[Mapping[str, Any]]) -> Table:
    """The uploaded rows as a table: the first column with a non-number is the label."""
    if not rows:
        raise TableProblem("The table has no rows.")
    names = list(rows[0].keys())
    label = next((c for c in names if any(_not_number(r.get(c)) for r in rows)), None)
    if label is None:
        raise TableProblem("The table needs a first column of row labels.")
    companions = {c for c in names if c.endswith((LARGEST, SECOND))}
    columns = tuple(c for c in names if c != label and c not in companions)
    if not columns:
        raise TableProblem("The table has no columns of numbers.")
    parsed, largest, second = [], {}, {}
    for index, row in enumerate(rows, start=2):
        name = str(row.get(label) or "").strip() or f"row {index}"
        try:
            parsed.append((name, {c: _number(row.get(c)) for c in columns}))
            for c in columns:
                if f"{c}{LARGEST}" in companions:
                    largest.setdefault(c, {})[name] = _number(row.get(f"{c}{LARGEST}"))
                    second.setdefault(c, {})[name] = _number(row.get(f"{c}{SECOND}"))
        except TableProblem as exc:
            raise TableProblem(f"Row {index}: {exc}") from None
    return Table(label=label, columns=columns, rows=tuple(parsed),
                 magnitudes={c: (largest[c], second.get(c, {})) for c in largest})


def _not_number(value: Any) -> bool:
    try:
        return _number(value) is None and value not in (None, "")
    except TableProblem:
        return True


def check(table: Table, rules: Rules | None = None,
          others: Sequence[tuple[str, Table]] = ()) -> list[Finding]:
    """Every disclosure finding for ``table``; ``others`` are earlier tables of the same
    grant (name, table), compared for differencing."""
    rules = rules or load_rules()
    findings = _small_cells(table, rules)
    findings += _dominance(table, rules)
    if rules.zeros:
        findings += _group_disclosure(table)
    if rules.differencing:
        for name, other in others:
            findings += _differences(table, name, other, rules)
    return findings


def _counts(table: Table) -> list[str]:
    return [c for c in table.columns if c not in table.magnitudes]


def _small_cells(table: Table, rules: Rules) -> list[Finding]:
    out = []
    for name, cells in table.rows:
        for column in _counts(table):
            value = cells[column]
            if value is not None and 0 < value < rules.threshold:
                out.append(Finding("threshold", name, column,
                                   f"A count of {value:g} is under the minimum of "
                                   f"{rules.threshold}."))
    return out


def _dominance(table: Table, rules: Rules) -> list[Finding]:
    out = []
    for column, (largest, second) in table.magnitudes.items():
        for name, cells in table.rows:
            total, top1, top2 = cells[column], largest.get(name), second.get(name) or 0.0
            if total is None or top1 is None or total <= 0:
                continue
            top = top1 + (top2 if rules.n >= 2 else 0.0)
            if top > rules.k / 100 * total:
                out.append(Finding("dominance", name, column,
                                   f"The largest {rules.n} contributions make up "
                                   f"{100 * top / total:.0f}% of the cell, more than "
                                   f"{rules.k:g}% (n,k rule)."))
            if total - top1 - top2 < rules.p / 100 * top1:
                out.append(Finding("dominance", name, column,
                                   "The rest of the cell is within "
                                   f"{rules.p:g}% of its largest contribution, so the "
                                   "second largest contributor could estimate it (p% rule)."))
    return out


def _group_disclosure(table: Table) -> list[Finding]:
    """A row (or column) with a positive total all in one cell, across at least two cells."""
    counts = _counts(table)
    out = []
    if len(counts) >= 2:
        for name, cells in table.rows:
            values = [cells[c] or 0 for c in counts]
            if sum(values) > 0 and sum(1 for v in values if v > 0) == 1:
                column = counts[next(i for i, v in enumerate(values) if v > 0)]
                out.append(Finding("zeros", name, column,
                                   "Every other cell of this row is zero, so everyone in "
                                   "the row is known to be in this column."))
    if len(table.rows) >= 2:
        for column in counts:
            values = [cells[column] or 0 for _, cells in table.rows]
            if sum(values) > 0 and sum(1 for v in values if v > 0) == 1:
                row = table.rows[next(i for i, v in enumerate(values) if v > 0)][0]
                out.append(Finding("zeros", row, column,
                                   "Every other cell of this column is zero, so everyone in "
                                   "the column is known to be in this row."))
    return out


def _differences(table: Table, name: str, other: Table, rules: Rules) -> list[Finding]:
    shared_columns = [c for c in _counts(table) if c in _counts(other)]
    theirs = dict(other.rows)
    out = []
    for row, cells in table.rows:
        if row not in theirs:
            continue
        for column in shared_columns:
            a, b = cells[column], theirs[row][column]
            if a is not None and b is not None and 0 < abs(a - b) < rules.threshold:
                out.append(Finding("differencing", row, column,
                                   f"This cell differs from the same cell of '{name}' by "
                                   f"{abs(a - b):g}, under the minimum of {rules.threshold}: "
                                   "subtracting one from the other reveals a small group."))
    return out
