"""Kappa and alpha against values computed by hand (and Krippendorff's published example)."""

from __future__ import annotations

import pytest

from observatory_core.coding.agreement import cohen_kappa, compare, krippendorff_alpha

A = [1, 1, 0, 0, 1, 0, 1, 1, 0, 0]
B = [1, 0, 0, 0, 1, 0, 1, 1, 1, 0]


def test_cohen_kappa_by_hand():
    # observed 8/10; both coders say yes half the time: expected 0.5 -> (0.8-0.5)/0.5
    assert cohen_kappa(A, B) == pytest.approx(0.6)
    assert cohen_kappa(A, A) == pytest.approx(1.0)
    assert cohen_kappa([1, 1], [1, 1]) is None
    # 3 categories: observed 4/6; expected (2*2+2*1+2*3)/36 = 12/36
    assert cohen_kappa("aabbcc", "abbccc") == pytest.approx((4 / 6 - 1 / 3) / (2 / 3))


def test_krippendorff_alpha_two_coders_by_hand():
    # coincidences: o11 = o00 = 8, o01 = o10 = 2; n = 20 -> 1 - 4 / (200 / 19) = 0.62
    assert krippendorff_alpha(zip(A, B, strict=True)) == pytest.approx(0.62)


def test_krippendorff_alpha_published_example_with_missing_values():
    # Krippendorff (2011) 'Computing Krippendorff's alpha-reliability', nominal example: 0.743
    n = None
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert krippendorff_alpha(zip(*data, strict=True)) == pytest.approx(0.743, abs=5e-4)


def test_compare_per_code_and_disagreements():
    units = list(range(10))
    ann = {(u, "x") for u, v in zip(units, A, strict=True) if v}
    bob = {(u, "x") for u, v in zip(units, B, strict=True) if v} | {(3, "y")}
    result = compare({"ann": ann, "bob": bob}, units, ["x", "y"])
    x = result.per_code[0]
    assert x.kappa == pytest.approx(0.6) and x.disagreed == 2
    assert result.per_code[1].kappa == pytest.approx(0.0)
    assert (1, "x", ("ann",), ("bob",)) in result.disagreements
    assert (3, "y", ("bob",), ("ann",)) in result.disagreements
    three = compare({"ann": ann, "bob": bob, "cy": ann}, units, ["x"])
    assert three.alpha is not None and three.kappa is not None
