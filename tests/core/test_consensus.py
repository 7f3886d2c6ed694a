"""The consensus core: scale, rules as data, results from counts, percentages to counts."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from observatory_core.consensus import (
    AGREEING,
    DISAGREEING,
    SCALE,
    CountsError,
    RuleError,
    available_rules,
    change_between,
    counts_from_percentages,
    get_rule,
    parse_rule,
    retention,
    round_half_up,
    statement_result,
    tally,
)

RULE = get_rule()


def counts(*values: int) -> dict[str, int]:
    return dict(zip(SCALE, values, strict=True))


def test_scale_in_questionnaire_order():
    assert SCALE == ("strongly_disagree", "disagree", "mildly_disagree", "mildly_agree",
                     "agree", "strongly_agree", "unable")


def test_default_rule_is_the_scoping_studys():
    assert RULE.key == "scoping_study_2010"
    assert "Seed 000" in RULE.source
    assert RULE.unable_in_denominator is True
    assert [(t.answers, t.min_percent) for t in RULE.agreement] == [
        (("agree", "strongly_agree"), 75),
        (("mildly_agree", "agree", "strongly_agree"), 95)]
    # Disagreement mirrors agreement.
    assert [(t.answers, t.min_percent) for t in RULE.disagreement] == [
        (("strongly_disagree", "disagree"), 75),
        (("strongly_disagree", "disagree", "mildly_disagree"), 95)]


def test_every_shipped_rule_loads():
    rules = available_rules()
    assert "scoping_study_2010" in rules and len(rules) >= 2
    assert rules["simple_majority_excluding_unable"].unable_in_denominator is False


@pytest.mark.parametrize("values, expected", [
    ((0, 0, 0, 0, 75, 0, 25), "agree"),           # exactly 75% agree
    ((0, 0, 0, 1, 74, 0, 25), "none"),            # 74% agree, 75% with mildly: neither
    ((0, 0, 0, 20, 0, 75, 5), "agree"),
    ((0, 0, 0, 95, 0, 0, 5), "agree"),            # 95% counting mildly agree
    ((0, 0, 1, 94, 0, 0, 5), "none"),
    ((40, 35, 0, 0, 0, 0, 25), "disagree"),       # 75% disagree or strongly
    ((0, 0, 95, 5, 0, 0, 0), "disagree"),         # 95% counting mildly disagree
    ((0, 0, 0, 0, 0, 0, 0), "none"),              # nobody answered
])
def test_scoping_rule_boundaries(values, expected):
    assert statement_result(counts(*values), RULE).consensus == expected


def test_unable_in_or_out_of_the_denominator():
    data = counts(0, 0, 0, 0, 70, 0, 10)  # 70 agree, 10 unable: 87.5% or 100%
    inside = statement_result(data, RULE)
    assert inside.pct_agreeing == 88 and inside.pct_unable == 13 and inside.consensus == "agree"
    looser = parse_rule({**RULE.to_dict(), "key": "x", "unable_in_denominator": False})
    outside = statement_result(data, looser)
    assert outside.denominator == 70 and outside.pct_agreeing == 100
    assert outside.pct_unable == 13  # unable is always a share of everyone answering
    strict = parse_rule({**RULE.to_dict(), "key": "y", "agreement": [
        {"answers": ["agree", "strongly_agree"], "min_percent": 90}]})
    assert statement_result(data, strict).consensus == "none"
    assert statement_result(data, parse_rule(
        {**strict.to_dict(), "unable_in_denominator": False})).consensus == "agree"


def test_seed_table1_statement1_from_its_appendix_percentages():
    # Seed 000, Appendix 3, local learning statement 1, round 2 (as if 100 respondents).
    result = statement_result(counts(0, 2, 9, 5, 42, 35, 7), RULE)
    assert (result.pct_disagreeing, result.pct_agreeing, result.pct_unable) == (11, 82, 7)
    assert result.consensus == "agree"


@pytest.mark.parametrize("bad, message", [
    ({"key": "x", "label": "x", "source": "somewhere else"}, "agreement"),
    ({"key": "x", "label": "x", "source": "s", "agreement": [
        {"answers": ["agree"], "min_percent": 120}]}, "at most 100"),
    ({"key": "x", "label": "x", "source": "s", "agreement": [
        {"answers": ["unable"], "min_percent": 50}]}, "unknown or unusable"),
    ({"key": "x", "label": "x", "source": "s", "agreement": [
        {"answers": ["disagree"], "min_percent": 50}]}, "only use agreeing"),
    ({"label": "x", "source": "s", "agreement": [
        {"answers": ["agree"], "min_percent": 50}]}, "'key' is required"),
    ({"key": "x", "label": "x", "source": "s", "unable_in_denominator": "yes", "agreement": [
        {"answers": ["agree"], "min_percent": 50}]}, "true or false"),
])
def test_bad_rules_are_refused_with_reasons(bad, message):
    with pytest.raises(RuleError, match=message):
        parse_rule(bad)


def test_unknown_rule_key():
    with pytest.raises(RuleError, match="no consensus rule"):
        get_rule("nope")


def test_rule_round_trips_through_plain_data():
    assert parse_rule(RULE.to_dict()) == RULE
    assert "75%" in RULE.describe() and "95%" in RULE.describe()


def test_tally_and_bad_counts():
    assert tally(["agree", "agree", "unable"]) == counts(0, 0, 0, 0, 2, 0, 1)
    with pytest.raises(CountsError):
        tally(["maybe"])
    with pytest.raises(CountsError):
        statement_result({"agree": -1}, RULE)
    with pytest.raises(CountsError):
        statement_result({"sort_of": 1}, RULE)


def test_counts_from_percentages_of_55_respondents():
    # Seed 000, Appendix 3, national analysis statement 6, round 2: sums to exactly 100.
    conversion = counts_from_percentages(
        dict(zip(SCALE, (2, 16, 11, 13, 35, 18, 5), strict=True)), 55)
    assert conversion.counts == counts(1, 9, 6, 7, 19, 10, 3)
    assert conversion.notes == ()
    # Local learning statement 8, round 2: the rounded percentages sum to 98.
    conversion = counts_from_percentages(
        dict(zip(SCALE, (16, 47, 13, 5, 7, 5, 5), strict=True)), 55)
    assert sum(conversion.counts.values()) == 55
    assert conversion.notes == ("the percentages add up to 98, not 100 (rounding)",)


def test_counts_from_percentages_refuses_rows_that_are_not_rows():
    with pytest.raises(CountsError, match="add up to 90"):
        counts_from_percentages({"agree": 90}, 55)
    with pytest.raises(CountsError, match="between 0 and 100"):
        counts_from_percentages({"agree": 101}, 55)
    with pytest.raises(CountsError, match="not a number"):
        counts_from_percentages({"agree": "lots"}, 55)
    with pytest.raises(CountsError, match="respondents"):
        counts_from_percentages({"agree": 100}, 0)


def test_counts_that_do_not_reach_the_respondents_are_noted():
    conversion = counts_from_percentages({"agree": 50, "disagree": 50}, 3)
    assert conversion.counts["agree"] == 2 and conversion.counts["disagree"] == 2
    assert "add up to 4, not the 3 respondents" in conversion.notes[0]


def test_round_half_up():
    assert [round_half_up(Fraction(n, 2)) for n in range(6)] == [0, 1, 1, 2, 2, 3]
    assert round_half_up(Fraction(149, 10)) == 15 and round_half_up(Fraction(1449, 100)) == 14


def test_change_and_retention():
    before = statement_result(counts(0, 10, 0, 0, 90, 0, 0), RULE)
    after = statement_result(counts(0, 5, 0, 0, 95, 0, 0), RULE)
    assert change_between(before, after) == {"pct_disagreeing": -5, "pct_agreeing": 5,
                                             "pct_unable": 0, "consensus_before": "agree"}
    assert change_between(None, after)["pct_agreeing"] is None
    assert retention([{1, 2, 3, 4}, {2, 3, 5}]) == [
        {"round": 1, "participants": 4, "also_in_previous_round": None, "retention_pct": None},
        {"round": 2, "participants": 3, "also_in_previous_round": 2, "retention_pct": 50}]


# -- properties ---------------------------------------------------------------------------
count_lists = st.lists(st.integers(min_value=0, max_value=500), min_size=7, max_size=7)


@given(count_lists)
def test_percentages_are_consistent(values):
    result = statement_result(counts(*values), RULE)
    if result.answered == 0:
        assert result.consensus == "none" and result.agreeing == 0
        return
    assert result.disagreeing + result.agreeing + result.unable == 100
    assert result.consensus in ("agree", "disagree", "none")


@given(count_lists)
def test_consensus_agrees_with_the_rule_in_plain_arithmetic(values):
    data = counts(*values)
    result = statement_result(data, RULE)
    total = sum(values)
    strong_a = data["agree"] + data["strongly_agree"]
    all_a = strong_a + data["mildly_agree"]
    strong_d = data["disagree"] + data["strongly_disagree"]
    all_d = strong_d + data["mildly_disagree"]
    agrees = total > 0 and (strong_a * 100 >= 75 * total or all_a * 100 >= 95 * total)
    disagrees = total > 0 and (strong_d * 100 >= 75 * total or all_d * 100 >= 95 * total)
    assert not (agrees and disagrees)
    assert result.consensus == ("agree" if agrees else "disagree" if disagrees else "none")


@given(count_lists)
def test_mirroring_the_answers_mirrors_the_result(values):
    data = counts(*values)
    mirrored = {a: data[b] for a, b in zip(SCALE[:6], reversed(SCALE[:6]), strict=True)}
    mirrored["unable"] = data["unable"]
    one, other = statement_result(data, RULE), statement_result(mirrored, RULE)
    assert one.agreeing == other.disagreeing and one.disagreeing == other.agreeing
    assert {"agree": "disagree", "disagree": "agree", "none": "none"}[one.consensus] == (
        other.consensus)


@given(count_lists.filter(lambda v: sum(v) > 0))
def test_counts_survive_a_trip_through_whole_percentages_when_small(values):
    """Percentages rounded to whole numbers identify counts exactly when there are at most
    50 respondents (each person is 2 points or more), as long as the row sums to ~100."""
    total = sum(values)
    if total > 50:
        return
    published = {a: round_half_up(Fraction(100 * v, total)) for a, v in zip(SCALE, values,
                                                                            strict=True)}
    if abs(sum(published.values()) - 100) > 3:
        return
    assert counts_from_percentages(published, total).counts == counts(*values)


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=7, max_size=7),
       st.integers(min_value=1, max_value=1000))
def test_percentages_to_counts_never_crashes_and_reports(values, respondents):
    published = dict(zip(SCALE, values, strict=True))
    try:
        conversion = counts_from_percentages(published, respondents)
    except CountsError as exc:
        assert "add up to" in str(exc)
        assert abs(sum(values) - 100) > 3
        return
    assert all(v >= 0 for v in conversion.counts.values())
    assert (sum(conversion.counts.values()) != respondents) == any(
        "respondents" in n for n in conversion.notes)


def test_sides_do_not_overlap():
    assert set(AGREEING).isdisjoint(DISAGREEING)
