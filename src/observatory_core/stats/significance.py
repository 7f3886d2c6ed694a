"""Comparing two cohorts: Pearson's chi-square, or Fisher's exact test for a 2x2 table with
small expected counts. Pure Python (no SciPy), checked against SciPy in the tests."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .types import TestResult

MIN_EXPECTED = 5


def _gammq(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (Numerical Recipes gser/gcf)."""
    if x < 0 or a <= 0:
        raise ValueError("bad arguments")
    if x == 0:
        return 1.0
    gln = math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        ap = a
        for _ in range(1000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(-x + a * math.log(x) - gln))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - gln) * h


def chi2_sf(x: float, df: int) -> float:
    return _gammq(df / 2, x / 2)


def expected_counts(table: Sequence[Sequence[int]]) -> list[list[float]]:
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    n = sum(rows)
    return [[r * c / n for c in cols] for r in rows]


def chi_square(table: Sequence[Sequence[int]]) -> tuple[float, int, float]:
    """Pearson's chi-square (no continuity correction) -> (statistic, df, p)."""
    table = _drop_empty(table)
    exp = expected_counts(table)
    stat = sum((o - e) ** 2 / e for orow, erow in zip(table, exp, strict=True)
               for o, e in zip(orow, erow, strict=True) if e > 0)
    df = (len(table) - 1) * (len(table[0]) - 1)
    return stat, df, chi2_sf(stat, df) if df > 0 else 1.0


def _log_hyper(a: int, b: int, c: int, d: int) -> float:
    def lc(n: int, k: int) -> float:
        return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)

    return lc(a + b, a) + lc(c + d, c) - lc(a + b + c + d, a + c)


def fisher_exact(table: Sequence[Sequence[int]]) -> float:
    """Two-sided Fisher's exact test for a 2x2 table (sum of tables no more likely)."""
    (a, b), (c, d) = table
    r1, c1, n = a + b, a + c, a + b + c + d
    observed = _log_hyper(a, b, c, d)
    p = 0.0
    for x in range(max(0, c1 + r1 - n), min(r1, c1) + 1):
        lp = _log_hyper(x, r1 - x, c1 - x, n - r1 - c1 + x)
        if lp <= observed + 1e-7:
            p += math.exp(lp)
    return min(1.0, p)


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
