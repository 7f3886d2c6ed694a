"""Comparing two cohorts: Pearson's chi-square, or Fisher's exact test for a 2x2 table with
small expected counts. The tests are SciPy's (``scipy.stats``); this module chooses between
them and says why."""

from __future__ import annotations

from collections.abc import Sequence

from .types import TestResult

MIN_EXPECTED = 5


def _scipy():
    """scipy.stats, imported when first used (it takes a second or more to load)."""
    from scipy import stats

    return stats


def chi2_sf(x: float, df: int) -> float:
    return float(_scipy().chi2.sf(x, df))


def expected_counts(table: Sequence[Sequence[int]]) -> list[list[float]]:
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    n = sum(rows)
    return [[r * c / n for c in cols] for r in rows]


def chi_square(table: Sequence[Sequence[int]]) -> tuple[float, int, float]:
    """Pearson's chi-square (no continuity correction) -> (statistic, df, p)."""
    table = _drop_empty(table)
    df = (len(table) - 1) * (len(table[0]) - 1)
    if df <= 0:
        return 0.0, df, 1.0
    result = _scipy().chi2_contingency(table, correction=False)
    return float(result.statistic), int(result.dof), float(result.pvalue)


def fisher_exact(table: Sequence[Sequence[int]]) -> float:
    """Two-sided Fisher's exact test for a 2x2 table (sum of tables no more likely)."""
    return float(_scipy().fisher_exact(table, alternative="two-sided").pvalue)


def _drop_empty(table: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [list(r) for r in table if sum(r) > 0]
    if not rows:
        return rows
    keep = [j for j in range(len(rows[0])) if sum(r[j] for r in rows) > 0]
    return [[r[j] for j in keep] for r in rows]


def compare(table: Sequence[Sequence[int]]) -> TestResult | None:
    """Choose and run the test for a cohorts x categories table of counts.

    2x2 with any expected count below 5: Fisher's exact test. Otherwise Pearson's
    chi-square, with a warning when expected counts are small. None when there is nothing
    to compare (a cohort or every category empty)."""
    table = _drop_empty(table)
    if len(table) < 2 or len(table[0]) < 2:
        return None
    exp = expected_counts(table)
    small = sum(1 for row in exp for e in row if e < MIN_EXPECTED)
    cells = sum(len(row) for row in exp)
    if len(table) == 2 and len(table[0]) == 2 and small:
        return TestResult("Fisher's exact test (two-sided)", None, None, fisher_exact(table),
                          f"Chosen because {small} of 4 expected counts are below "
                          f"{MIN_EXPECTED}.")
    stat, df, p = chi_square(table)
    reason = f"All expected counts are {MIN_EXPECTED} or more." if not small else (
        f"Caution: {small} of {cells} expected counts are below {MIN_EXPECTED}, so the "
        "chi-square approximation may be unreliable; combine categories or read the counts.")
    return TestResult("Pearson's chi-square test", round(stat, 6), df, p, reason)
