"""Small-number suppression with secondary suppression, the rule read from data.

Primary: a count from 1 to threshold-1 (and 0 if the rule says so) is hidden, in the body
of a table and in its totals. Secondary: published totals are linear equations over the
cells (each row sums to its row total, each column to its column total, and the totals to
the grand total). A hidden cell can be worked out exactly from the published numbers when,
in the graph whose nodes are those equations and whose edges are the hidden cells, its edge
is a bridge (it lies on no cycle). Lines whose total is not published impose no equation
and are merged into one free node. While any hidden cell is a bridge, the cheapest path of
further cells (small interior cells first, totals last) that closes a cycle through it is
hidden as well. The tests check the result by linear algebra, independently of this graph
argument.
"""

from __future__ import annotations

import heapq
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

RULE_FILE = Path(__file__).resolve().parent.parent / "data" / "analysis" / "suppression.toml"
PRIMARY, SECONDARY = "primary", "secondary"
Cell = tuple[int, int]


@dataclass(frozen=True)
class SuppressionRule:
    threshold: int
    suppress_zero: bool
    secondary: bool
    symbol: str
    statement: str
    source: str

    def is_small(self, value: int) -> bool:
        return (value == 0 and self.suppress_zero) or 0 < value < self.threshold

    def describe(self) -> str:
        return self.statement.format(threshold=self.threshold, max=self.threshold - 1,
                                     symbol=self.symbol)


class _RuleModel(BaseModel):
    """The shape of suppression.toml (pydantic checks it when read)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    threshold: int = Field(ge=1)
    suppress_zero: bool = False
    secondary: bool = True
    symbol: str = Field(default="c", min_length=1)
    statement: str = ""
    source: str = ""


def parse_rule(data: dict, origin: str = "suppression rule") -> SuppressionRule:
    try:
        parsed = _RuleModel.model_validate(data)
    except ValidationError as exc:
        if any(err["loc"] == ("threshold",) for err in exc.errors()):
            raise ValueError(f"{origin}: threshold must be a whole number of 1 or more"
                             ) from None
        raise ValueError(f"{origin}: " + "; ".join(
            f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in exc.errors())
        ) from None
    return SuppressionRule(**parsed.model_dump())


@lru_cache(maxsize=4)
def load_rule(path: Path = RULE_FILE) -> SuppressionRule:
    return parse_rule(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def grid_values(cells: Sequence[Sequence[int]], *, row_totals: bool,
                col_totals: bool) -> dict[Cell, int]:
    """The published grid: interior (i, j), row totals (i, C), column totals (R, j) and the
    grand total (R, C) when both margins are published."""
    n_rows = len(cells)
    n_cols = len(cells[0]) if n_rows else 0
    values = {(i, j): int(cells[i][j]) for i in range(n_rows) for j in range(n_cols)}
    if row_totals:
        for i in range(n_rows):
            values[(i, n_cols)] = sum(int(v) for v in cells[i])
    if col_totals:
        for j in range(n_cols):
            values[(n_rows, j)] = sum(int(cells[i][j]) for i in range(n_rows))
    if row_totals and col_totals:
        values[(n_rows, n_cols)] = sum(int(v) for row in cells for v in row)
    return values


def protect(cells: Sequence[Sequence[int]], rule: SuppressionRule, *, row_totals: bool,
            col_totals: bool, additive: bool = True,
            published: frozenset[Cell] = frozenset()) -> dict[Cell, str]:
    """Which cells of the published grid to hide, and why ('primary' / 'secondary').

    ``published`` cells are printed elsewhere in the same output (a report's headline), so
    secondary suppression chooses other cells, as it does the margins.

    ``additive=False`` is for tables whose cells do not sum to the totals (a review counted
    under several categories): the totals are then no equation and only primary
    suppression applies."""
    values = grid_values(cells, row_totals=row_totals, col_totals=col_totals)
    hidden = {cell: PRIMARY for cell, v in values.items() if rule.is_small(v)}
    if not rule.secondary or not additive or not hidden:
        return hidden
    n_rows = len(cells)
    n_cols = len(cells[0]) if n_rows else 0
    both = row_totals and col_totals

    def ends(cell: Cell) -> tuple[str, str]:
        i, j = cell
        row_eq = (i < n_rows and row_totals) or (i == n_rows and both)
        col_eq = (j < n_cols and col_totals) or (j == n_cols and both)
        return (f"r{i}" if row_eq else "F"), (f"c{j}" if col_eq else "F")

    def cost(cell: Cell) -> float:
        i, j = cell
        margin = i == n_rows or j == n_cols or cell in published
        return 1 + values[cell] + (1e9 if margin else 0)

    endpoints = {cell: ends(cell) for cell in values}
    for _ in range(len(values) + 1):
        bridge = _find_bridge(hidden, endpoints)
        if bridge is None:
            return hidden
        path = _cheapest_cycle(bridge, hidden, endpoints, cost)
        if not path:
            raise RuntimeError(f"cannot protect cell {bridge}")
        for cell in path:
            hidden.setdefault(cell, SECONDARY)
    raise RuntimeError("secondary suppression did not converge")


def _find_bridge(hidden: dict[Cell, str], endpoints: dict[Cell, tuple[str, str]]
                 ) -> Cell | None:
    adjacency: dict[str, list[tuple[str, Cell]]] = defaultdict(list)
    for cell in hidden:
        u, v = endpoints[cell]
        adjacency[u].append((v, cell))
        adjacency[v].append((u, cell))
    for cell in sorted(hidden):
        u, v = endpoints[cell]
        if u == v:
            continue
        seen = {u}
        stack = [u]
        while stack and v not in seen:
            node = stack.pop()
            for other, edge in adjacency[node]:
                if edge != cell and other not in seen:
                    seen.add(other)
                    stack.append(other)
        if v not in seen:
            return cell
    return None


def _cheapest_cycle(bridge: Cell, hidden: dict[Cell, str],
                    endpoints: dict[Cell, tuple[str, str]], cost) -> list[Cell]:
    """Cells to hide so that ``bridge`` lies on a cycle: the cheapest path between its ends
    that does not use it (hidden cells cost nothing)."""
    start, goal = endpoints[bridge]
    adjacency: dict[str, list[tuple[str, Cell]]] = defaultdict(list)
    for cell, (u, v) in endpoints.items():
        if cell == bridge or u == v:
            continue
        adjacency[u].append((v, cell))
        adjacency[v].append((u, cell))
    best = {start: 0.0}
    back: dict[str, tuple[str, Cell]] = {}
    queue = [(0.0, start)]
    while queue:
        dist, node = heapq.heappop(queue)
        if node == goal:
            break
        if dist > best.get(node, float("inf")):
            continue
        for other, cell in adjacency[node]:
            step = 0.0 if cell in hidden else cost(cell)
            if dist + step < best.get(other, float("inf")):
                best[other] = dist + step
                back[other] = (node, cell)
                heapq.heappush(queue, (dist + step, other))
    if goal not in back:
        return []
    path = []
    node = goal
    while node != start:
        node, cell = back[node]
        if cell not in hidden:
            path.append(cell)
    return path
