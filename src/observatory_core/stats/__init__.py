"""Statistics for the observatory: typed tables whose cells carry their count, their
suppression and the filters that drill down to the records behind them. No Django."""

from .build import Category, Group, Point, Spread, one_way, quadrants, summary, two_way
from .intervals import byar, rate, wilson
from .prose import count_figure, count_phrase, count_value, unsafe_cells
from .significance import chi_square, compare, fisher_exact
from .suppression import SuppressionRule, load_rule, protect
from .types import Column, Row, StatCell, Table, TestResult

__all__ = ["Category", "Column", "Group", "Point", "Row", "Spread", "StatCell",
           "SuppressionRule", "Table", "TestResult", "byar", "chi_square", "compare",
           "count_figure", "count_phrase", "count_value", "unsafe_cells",
           "fisher_exact", "load_rule", "one_way", "protect", "quadrants", "rate", "summary",
           "two_way", "wilson"]
