"""Research access rules and output checking (observatory_core.research,
observatory_core.output_checking): pure functions on plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from observatory_core import output_checking as oc
from observatory_core.research import (
    Request,
    ResearchScope,
    check_application,
    coarsen,
    load_rules,
    pseudonym,
    watermark,
)
from observatory_core.stats.suppression import load_rule

TODAY = date(2026, 12, 1)
FIELDS = frozenset({"outcome", "decision_date", "summary"})


def request(**changes) -> Request:
    base = dict(role="researcher", areas=frozenset({"1"}), year_from=2014, year_to=2016,
                document_kinds=frozenset({"imr"}), fields=("outcome",), coded_data=False,
                starts=TODAY, ends=date(2027, 6, 1), has_ethics_evidence=True,
                terms_accepted=True)
    return Request(**{**base, **changes})


def test_a_complete_application_has_no_problems():
    assert check_application(request(), TODAY, FIELDS) == []


@pytest.mark.parametrize(("changes", "words"), [
    ({"ends": date(2026, 11, 30)}, "end date is in the past"),
    ({"has_ethics_evidence": False}, "ethics approval"),
    ({"document_kinds": frozenset({"genogram"})}, "wider than your role allows: genogram"),
    ({"role": "practitioner"}, "may not apply"),
    ({"year_from": 2000, "year_to": 2016}, "At most 10 years"),
    ({"ends": date(2031, 1, 1)}, "at most 1096 days"),
    ({"terms_accepted": False}, "Accept the terms"),
    ({"fields": ("shoe_size",)}, "Unknown dataset fields: shoe_size"),
    ({"members_roles": ("partnership",)}, "not: partnership"),
    ({"areas": frozenset()}, "at least one region"),
])
def test_bad_applications_are_refused_with_reasons(changes, words):
    problems = check_application(request(**changes), TODAY, FIELDS)
    assert any(words in p for p in problems), problems


def test_scope_covers_only_its_areas_years_and_kinds():
    scope = ResearchScope(areas=frozenset({1}), year_from=2014, year_to=2016,
                          document_kinds=frozenset({7}))
    assert scope.covers(1, 2015) and scope.covers(1, 2016, 7)
    assert not scope.covers(2, 2015)
    assert not scope.covers(1, 2013) and not scope.covers(1, 2017)
    assert not scope.covers(1, None)
    assert not scope.covers(1, 2015, 8)


def test_pseudonyms_are_stable_in_a_grant_and_differ_between_grants():
    one, two = b"k" * 32, b"j" * 32
    assert pseudonym(one, "review", 5) == pseudonym(one, "review", 5)
    assert pseudonym(one, "review", 5) != pseudonym(two, "review", 5)
    assert pseudonym(one, "review", 5) != pseudonym(one, "review", 6)
    assert pseudonym(one, "review", 5)[1:] != "5"


def test_dates_are_coarsened_as_the_grant_says():
    day = date(2015, 3, 9)
    assert coarsen(day, "year") == "2015"
    assert coarsen(day, "month") == "2015-03"
    assert coarsen(day, "none") == "2015-03-09"
    assert coarsen(None, "year") == ""


def test_watermark_names_grant_and_holder():
    text = watermark("RG-0001", "res1", date(2027, 1, 1))
    assert "RG-0001" in text and "res1" in text and "2027-01-01" in text
    assert load_rules().source  # the rules cite their source


def table(rows):
    return oc.table_from_rows(rows)


def test_output_rules_threshold_follows_the_public_suppression_rule():
    assert oc.load_rules().threshold == load_rule().threshold
    assert all(oc.load_rules().sources.values())


def test_small_cell_is_held_with_its_reason():
    found = oc.check(table([{"area": "North", "died": 12, "harmed": 3},
                            {"area": "South", "died": 9, "harmed": 14}]))
    assert [(f.rule, f.row, f.column) for f in found] == [("threshold", "North", "harmed")]
    assert "under the minimum of 5" in found[0].reason


def test_a_safe_table_passes():
    assert oc.check(table([{"area": "North", "died": 12, "harmed": 30},
                           {"area": "South", "died": 9, "harmed": 14}])) == []


def test_zero_cells_that_disclose_a_group():
    found = oc.check(table([{"area": "North", "died": 12, "harmed": 0},
                            {"area": "South", "died": 9, "harmed": 14}]))
    # The zero says everyone in North died (the row) and everyone harmed is in South (the
    # column).
    assert [(f.rule, f.row, f.column) for f in found] == [("zeros", "North", "died"),
                                                          ("zeros", "South", "harmed")]


def test_dominance_nk_and_p_percent():
    rows = [{"agency": "A", "cost": 100, "cost largest": 80, "cost second": 10},  # n,k
            {"agency": "B", "cost": 100, "cost largest": 50, "cost second": 46},  # both
            {"agency": "C", "cost": 100, "cost largest": 30, "cost second": 20}]  # safe
    found = oc.check(table(rows))
    assert [(f.row, f.reason[-8:]) for f in found] == [
        ("A", "k rule)."), ("B", "k rule)."), ("B", "% rule).")]
    # The p% rule on its own (n,k switched off by k=100): only B's rest is too small.
    only_p = replace(oc.load_rules(), k=100)
    assert [f.row for f in oc.check(table(rows), only_p)] == ["B"]


def test_differencing_between_nested_tables():
    all_ages = table([{"group": "Neglect", "reviews": 20, "other": 30}])
    under_one = table([{"group": "Neglect", "reviews": 18, "other": 30}])
    found = oc.check(under_one, others=[("All ages", all_ages)])
    assert [(f.rule, f.column) for f in found] == [("differencing", "reviews")]
    assert "All ages" in found[0].reason


@pytest.mark.parametrize("rows", [[], [{"a": 1, "b": 2}], [{"x": "r", "n": "lots"}]])
def test_unreadable_tables_are_refused(rows):
    with pytest.raises(oc.TableProblem):
        table(rows)


def test_rule_files_with_a_misspelt_key_are_refused(tmp_path):
    from observatory_core.research import RULE_FILE

    bad = tmp_path / "access.toml"
    bad.write_text(RULE_FILE.read_text().replace("max_years", "max_yeers"))
    with pytest.raises(ValueError, match="max_yeers: unknown key"):
        load_rules(bad)
    checking = tmp_path / "output_checking.toml"
    checking.write_text(oc.RULE_FILE.read_text().replace("\nn = 2", "\nnn = 2"))
    with pytest.raises(ValueError, match="dominance.nn: unknown key"):
        oc.load_rules(checking)
