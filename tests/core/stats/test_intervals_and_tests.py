from __future__ import annotations

import math

import pytest

from observatory_core.stats import byar, compare, fisher_exact, rate, wilson
from observatory_core.stats.significance import chi_square
from observatory_core.stats.timeliness import load_limits


def test_wilson_known_value():
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0


def test_byar_close_to_exact_poisson():
    scipy = pytest.importorskip("scipy.stats")
    for k in (1, 5, 20, 100):
        low, high = byar(k)
        assert low == pytest.approx(scipy.chi2.ppf(0.025, 2 * k) / 2, rel=0.02)
        assert high == pytest.approx(scipy.chi2.ppf(0.975, 2 * k + 2) / 2, rel=0.02)
    assert byar(0)[0] == 0.0


def test_rate_per_10000():
    value, low, high = rate(50, 100_000)
    assert value == 5.0 and low < 5 < high


def test_chi_square_and_fisher_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    table = [[12, 30, 8], [20, 25, 15]]
    stat, df, p = chi_square(table)
    ref = stats.chi2_contingency(table, correction=False)
    assert stat == pytest.approx(ref.statistic) and df == ref.dof
    assert p == pytest.approx(ref.pvalue, rel=1e-6)
    for t in ([[1, 9], [11, 3]], [[0, 5], [5, 0]], [[3, 1], [1, 3]]):
        assert fisher_exact(t) == pytest.approx(stats.fisher_exact(t)[1], rel=1e-6)


def test_compare_chooses_the_test_and_says_why():
    small = compare([[1, 4], [6, 2]])
    assert "Fisher" in small.name and "below 5" in small.reason
    big = compare([[30, 40], [45, 35]])
    assert "chi-square" in big.name and "All expected counts" in big.reason
    assert compare([[0, 0], [1, 2]]) is None
    assert math.isfinite(big.p_value)


def test_timeliness_limit_depends_on_the_date_of_decision():
    from datetime import date

    limits = load_limits()
    assert limits.for_review("scr", date(2008, 1, 1)).months == 4
    assert limits.for_review("scr", date(2011, 1, 1)).months == 6
    assert limits.for_review("lcspr", date(2020, 1, 1)).months == 6
    assert limits.for_review("scr", date(2001, 1, 1)) is None
    assert limits.source


def test_timeliness_limit_is_the_newest_that_applies_first_listed_on_a_tie():
    from datetime import date

    from observatory_core.stats.timeliness import parse_limits

    limits = parse_limits({"limits": [
        {"guidance": "A", "effective_from": date(2006, 4, 1), "months": 4},
        {"guidance": "B", "effective_from": date(2010, 3, 1), "months": 6,
         "review_types": ["scr"]},
        {"guidance": "C", "effective_from": date(2010, 3, 1), "months": 7},
        {"guidance": "D", "effective_from": date(2018, 6, 29), "months": 12,
         "review_types": ["lcspr"]}]})
    assert limits.for_review("scr", date(2012, 1, 1)).guidance == "B"
    assert limits.for_review("other", date(2012, 1, 1)).guidance == "C"
    assert limits.for_review("scr", date(2019, 1, 1)).guidance == "B"
    assert limits.for_review("lcspr", date(2019, 1, 1)).guidance == "D"
    assert limits.for_review(None, date(2007, 1, 1)).guidance == "A"
    assert limits.for_review("scr", date(2005, 1, 1)) is None
    assert limits.for_review("scr", None) is None


@pytest.mark.parametrize("k", [101, 150, 250, 388])
def test_exact_poisson_interval_above_100_events(k):
    """The exact interval's defining property, well above 100 events: P(X >= k | low) and
    P(X <= k | high) are each 2.5%."""
    from scipy.stats import poisson

    low, high = byar(k)
    assert poisson.sf(k - 1, low) == pytest.approx(0.025, rel=1e-6)
    assert poisson.cdf(k, high) == pytest.approx(0.025, rel=1e-6)


def test_exact_and_byar_meet_at_389_events():
    """Exact below 389, Byar from 389: the switch moves a limit by under 0.1%."""
    from observatory_core.stats.intervals import EXACT_BELOW, _poisson_exact

    exact, approx = _poisson_exact(EXACT_BELOW), byar(EXACT_BELOW)
    assert approx != exact
    assert approx[0] == pytest.approx(exact[0], rel=1e-3)
    assert approx[1] == pytest.approx(exact[1], rel=1e-3)


def test_wilson_edges_and_other_levels():
    """k = 0 and k = n are clipped to [0, 1]; a 99% level (z = 2.5758) widens it; the
    closed form agrees."""
    assert wilson(0, 1)[0] == 0.0 and wilson(1, 1)[1] == 1.0
    k, n, z = 3, 40, 2.5758293035489
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson(k, n, z) == pytest.approx((centre - half, centre + half), rel=1e-9)
    assert wilson(k, n, z)[0] < wilson(k, n)[0]
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_fisher_on_a_table_with_an_empty_margin_and_chi_square_on_a_large_one():
    assert fisher_exact([[0, 0], [3, 4]]) == 1.0
    stat, df, p = chi_square([[500, 300, 200], [480, 320, 200]])
    assert df == 2 and 0 < p < 1 and stat > 0


def test_no_hand_written_distributions_remain():
    """The statistics come from SciPy, not a copy of Numerical Recipes."""
    from observatory_core.stats import intervals, significance

    assert not hasattr(significance, "_gammq") and not hasattr(significance, "_log_hyper")
    assert "scipy" in intervals.__doc__ + (significance.__doc__ or "")


def test_timeliness_file_shape_is_checked():
    from datetime import date

    from observatory_core.stats.timeliness import parse_limits

    good = {"guidance": "A", "effective_from": date(2006, 4, 1), "months": 4}
    with pytest.raises(ValueError, match="limit 1: effective_from"):
        parse_limits({"limits": [{**good, "effective_from": "2006-04-01"}]})
    with pytest.raises(ValueError, match="limit 2: months"):
        parse_limits({"limits": [good, {**good, "months": 0}]})
    with pytest.raises(ValueError, match="limit 1: review_type .*Extra inputs"):
        parse_limits({"limits": [{**good, "review_type": ["scr"]}]})
    assert parse_limits({"limits": [good]}).limits[0].months == 4.0
