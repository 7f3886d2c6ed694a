"""Confidence intervals: Wilson for proportions; for Poisson counts and rates the exact
interval below 389 events and Byar's approximation above (the convention of English public
health statistics, e.g. the Public Health England/OHID technical guidance on confidence
intervals). The distributions are SciPy's (issue 11.8: libraries for what libraries do)."""

from __future__ import annotations

import math
from functools import lru_cache

Z95 = 1.959963984540054
PER = 10_000


def _scipy():
    """scipy.stats, imported when first used (it takes a second or more to load)."""
    from scipy import stats

    return stats


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for the proportion k/n, as fractions (0-1)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    low, high = _scipy().binomtest(k, n).proportion_ci(
        confidence_level=_confidence(z), method="wilson")
    return max(0.0, float(low)), min(1.0, float(high))


def _confidence(z: float) -> float:
    """The two-sided confidence level of a normal quantile (1.96 -> 0.95)."""
    return 1 - 2 * float(_scipy().norm.sf(z))


EXACT_BELOW = 389


@lru_cache(maxsize=4096)
def _poisson_exact(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) interval from the chi-square distribution: lower = chi2(alpha/2, 2k)/2,
    upper = chi2(1 - alpha/2, 2k + 2)/2."""
    low = 0.0 if count == 0 else float(_scipy().chi2.ppf(alpha / 2, 2 * count)) / 2
    return low, float(_scipy().chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2


def byar(count: int, z: float = Z95) -> tuple[float, float]:
    """95% interval for a Poisson count: exact below 389 events, Byar's approximation
    from there (where the two agree closely)."""
    if count < 0:
        raise ValueError("count must not be negative")
    if count < EXACT_BELOW and abs(z - Z95) < 1e-9:
        return _poisson_exact(count)
    low = 0.0 if count == 0 else count * (
        1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    k = count + 1
    high = k * (1 - 1 / (9 * k) + z / (3 * math.sqrt(k))) ** 3
    return max(0.0, low), high


def rate(count: int, population: int | float, per: int = PER) -> tuple[float, float, float]:
    """Crude rate per ``per`` population with Byar's 95% interval: (rate, low, high)."""
    if population <= 0:
        raise ValueError("population must be positive")
    low, high = byar(count)
    return count / population * per, low / population * per, high / population * per
