"""Suppression: primary and secondary, and by linear algebra that no suppressed value can
be worked out from what is published (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from observatory_core.stats import Category, load_rule, one_way, two_way
from observatory_core.stats.suppression import grid_values, parse_rule, protect

RULE = load_rule()


def equations(cells, row_totals, col_totals):
    """Every published linear equation over the grid: list of {cell: coefficient}."""
    n_rows, n_cols = len(cells), len(cells[0])
    eqs = []
    if row_totals:
        for i in range(n_rows):
            eqs.append({**{(i, j): 1 for j in range(n_cols)}, (i, n_cols): -1})
    if col_totals:
        for j in range(n_cols):
            eqs.append({**{(i, j): 1 for i in range(n_rows)}, (n_rows, j): -1})
    if row_totals and col_totals:
        eqs.append({**{(n_rows, j): 1 for j in range(n_cols)}, (n_rows, n_cols): -1})
        eqs.append({**{(i, n_cols): 1 for i in range(n_rows)}, (n_rows, n_cols): -1})
    return eqs


def rank(rows):
    rows = [list(r) for r in rows]
    r = 0
    width = len(rows[0]) if rows else 0
    for c in range(width):
        pivot = next((k for k in range(r, len(rows)) if rows[k][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        for k in range(len(rows)):
            if k != r and rows[k][c] != 0:
                f = Fraction(rows[k][c], rows[r][c])
                rows[k] = [a - f * b for a, b in zip(rows[k], rows[r], strict=True)]
        r += 1
    return r


def recoverable(cells, hidden, row_totals, col_totals):
    """Hidden cells whose value is determined by the published numbers: e_k lies in the
    row space of the equations restricted to the hidden cells."""
    unknown = sorted(hidden)
    index = {cell: k for k, cell in enumerate(unknown)}
    matrix = []
    for eq in equations(cells, row_totals, col_totals):
        row = [Fraction(0)] * len(unknown)
        for cell, coef in eq.items():
            if cell in index:
                row[index[cell]] = Fraction(coef)
        if any(row):
            matrix.append(row)
    base = rank(matrix) if matrix else 0
    found = []
    for cell, k in index.items():
        unit = [Fraction(0)] * len(unknown)
        unit[k] = Fraction(1)
        if rank(matrix + [unit]) == base:
            found.append(cell)
    return found


small_or_big = st.one_of(st.integers(0, 6), st.integers(0, 60))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda c: st.lists(
    st.lists(small_or_big, min_size=c, max_size=c), min_size=1, max_size=6)),
    st.booleans())
def test_no_suppressed_value_recoverable_from_totals(cells, both_margins):
    row_totals, col_totals = both_margins, True
    hidden = protect(cells, RULE, row_totals=row_totals, col_totals=col_totals)
    values = grid_values(cells, row_totals=row_totals, col_totals=col_totals)
    for cell, v in values.items():
        if RULE.is_small(v):
            assert hidden.get(cell) == "primary"
    assert recoverable(cells, hidden, row_totals, col_totals) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(small_or_big, min_size=1, max_size=12))
def test_one_way_table_hides_small_counts_and_protects_them(counts):
    cats = [Category(f"k{i}", f"K{i}", c) for i, c in enumerate(counts)]
    table = one_way("t", "T", cats, public=True)
    published = {}
    for i, row in enumerate(table.all_rows()):
        cell = row.cells[0]
        if cell.suppressed:
            assert cell.value is None and cell.n is None
            assert row.cells[1].suppressed  # the percentage goes with it
        else:
            assert not RULE.is_small(cell.value)
            published[i] = cell.value
    hidden = [i for i, row in enumerate(table.all_rows()) if row.cells[0].suppressed]
    assert len(hidden) != 1  # one hidden cell alone is the total minus the rest


def test_one_small_cell_gets_a_secondary_partner():
    hidden = protect([[3], [10], [12]], RULE, row_totals=False, col_totals=True)
    assert hidden == {(0, 0): "primary", (1, 0): "secondary"}


def test_two_way_secondary_forms_a_cycle():
    hidden = protect([[3, 10, 12], [20, 30, 40]], RULE, row_totals=True, col_totals=True)
    assert hidden[(0, 0)] == "primary"
    assert set(hidden) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_zero_is_shown_and_nothing_hidden_without_small_counts():
    assert protect([[0], [10], [12]], RULE, row_totals=False, col_totals=True) == {}


def test_non_additive_tables_get_primary_only():
    hidden = protect([[3], [10]], RULE, row_totals=False, col_totals=True, additive=False)
    assert hidden == {(0, 0): "primary"}


def test_rule_is_data_and_threshold_configurable():
    rule = parse_rule({"threshold": 10, "statement": "under {threshold} hidden"})
    assert rule.is_small(9) and not rule.is_small(10) and rule.describe() == "under 10 hidden"
    assert "suppressed" in RULE.describe() and RULE.source


def test_unsuppressed_output_marks_what_public_output_hides():
    cats = [Category("a", "A", 3), Category("b", "B", 30), Category("c", "C", 40)]
    analyst = one_way("t", "T", cats, public=False)
    assert analyst.rows[0].cells[0].value == 3 and analyst.rows[0].cells[0].would_suppress
    public = one_way("t", "T", cats, public=True)
    assert public.rows[0].cells[0].suppressed and public.rows[1].cells[0].suppressed
    assert public.rule and "c" in public.records()[0].values()


def test_two_way_test_withheld_in_public_when_cells_hidden():
    rows = [Category("a", "A", 0), Category("b", "B", 0)]
    cols = [Category("x", "X", 0), Category("y", "Y", 0)]
    table = two_way("t", "T", rows, cols, [[1, 4], [6, 2]], public=True, test=True)
    assert table.test is None
    table = two_way("t", "T", rows, cols, [[1, 4], [6, 2]], public=False, test=True)
    assert table.test is not None and "Fisher" in table.test.name


def test_suppression_rule_file_shape_is_checked():
    """pydantic checks the file: a misspelt key, a boolean threshold (True passed the old
    isinstance(int) check as 1) and a threshold below 1 are refused, naming the problem."""
    with pytest.raises(ValueError, match="threshold must be a whole number"):
        parse_rule({"threshold": True})
    with pytest.raises(ValueError, match="threshold must be a whole number"):
        parse_rule({"threshold": 0})
    with pytest.raises(ValueError, match="suppres_zero: Extra inputs"):
        parse_rule({"threshold": 5, "suppres_zero": True})
    assert parse_rule({"threshold": 5, "symbol": "*"}).symbol == "*"
