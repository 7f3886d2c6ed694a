"""Confidence intervals: Wilson for proportions; for Poisson counts and rates the exact
interval below 389 events and Byar's approximation above (the convention of English public
health statistics, e.g. the Public Health England/OHID technical guidance on confidence
intervals)."""

from __future__ import annotations

import math
from functools import lru_cache

Z95 = 1.959963984540054
PER = 10_000


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for the proportion k/n, as fractions (0-1)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


EXACT_BELOW = 389


@lru_cache(maxsize=4096)
def _poisson_exact(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) interval by bisection on the Poisson distribution function."""
    from .significance import _gammq

    def cdf(k: int, lam: float) -> float:  # P(X <= k)
        return _gammq(k + 1, lam) if lam > 0 else 1.0

    def solve(target, lo: float, hi: float) -> float:
        """Root of a decreasing function of lambda, by bisection."""
        for _ in range(80):
            mid = (lo + hi) / 2
            if target(mid) > 0:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    high_bound = count + 20 * math.sqrt(count + 1) + 20
    high = solve(lambda lam: cdf(count, lam) - alpha / 2, 0.0, high_bound)
    low = 0.0 if count == 0 else solve(
        lambda lam: cdf(count - 1, lam) - (1 - alpha / 2), 0.0, high_bound)
    return low, high


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
