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


def test_library_edges_undefined_values_and_mixed_labels():
    """Where the libraries return NaN or refuse input, the functions say None or cope:
    no items, one label throughout, every value identical, labels of mixed types."""
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None
    assert cohen_kappa([("a", 1), None, "b"], [("a", 1), "b", "b"]) == pytest.approx(
        cohen_kappa([0, 1, 2], [0, 2, 2]))
    assert krippendorff_alpha([("a", "a"), ("a", "a")]) is None
    assert krippendorff_alpha([("a", None), (None, "b")]) is None  # nothing pairable
    assert krippendorff_alpha([]) is None
    # Same data as the by-hand case, labels as strings and a unit only one coder coded.
    units = [("yes" if x else "no", "yes" if y else "no") for x, y in zip(A, B, strict=True)]
    assert krippendorff_alpha([*units, ("yes", None)]) == pytest.approx(0.62)
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 2])
