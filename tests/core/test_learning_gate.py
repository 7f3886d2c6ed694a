"""The publication gate for learning (observatory_core.learning.gate) and the briefing form:
every refusal named, figures through the one suppression rule, the identifiability rule as
data."""

from __future__ import annotations

import pytest

from observatory_core.learning import briefing, gate
from observatory_core.stats.suppression import load_rule

OK_QUOTE = gate.Quote(where="the example", document="Overview report", public=True,
                      flags_decided=True)
POPULATION = ([{"area": "Leeds", "year": "2016", "age_band": "Under 1"}] * 2
              + [{"area": "York", "year": "2016", "age_band": "Under 1"}] * 6)


def codes(candidate: gate.Candidate) -> list[str]:
    return [b.code for b in gate.check(candidate, POPULATION)]


def test_clean_candidate_passes():
    assert codes(gate.Candidate("The briefing", quotes=(OK_QUOTE,))) == []


@pytest.mark.parametrize(("quote", "code", "words"), [
    (gate.Quote("the example", "IMR", public=False, flags_decided=True), "not_public",
     "not published to the public"),
    (gate.Quote("the example", "Report", public=True, flags_decided=False, undecided_flags=2),
     "flags_undecided", "2 personal-data flags still to decide"),
    (gate.Quote("the example", "Report", public=True, flags_decided=False), "flags_undecided",
     "not yet signed off"),
    (gate.Quote("the example", "Report", public=True, flags_decided=True, redacted=False),
     "not_redacted", "not the redacted text"),
])
def test_each_text_refusal_says_what_blocks(quote, code, words):
    blocks = gate.check(gate.Candidate("The briefing", quotes=(quote,)), POPULATION)
    assert [b.code for b in blocks] == [code]
    assert words in blocks[0].message and quote.document in blocks[0].message


def test_printed_small_figure_and_secondary_are_refused():
    rule = load_rule()
    small = rule.threshold - 1
    # primary: a small count printed
    shown = gate.Figures("Reasons", counts=(20, small), printed=(True, True))
    blocks = gate.check(gate.Candidate("x", figures=(shown,)), POPULATION)
    assert [b.code for b in blocks] == ["suppressed_figure", "suppressed_figure"]
    assert "below the threshold" in blocks[0].message or "below the threshold" in blocks[1].message
    # secondary: with the total printed, the one other cell must go too
    assert any("worked out" in b.message for b in blocks)
    # hiding both passes
    hidden = gate.Figures("Reasons", counts=(20, small), printed=(False, False))
    assert codes(gate.Candidate("x", figures=(hidden,))) == []


def test_identifiable_combination_refused_by_rule_data():
    leeds = gate.Source("R-1", {"area": "Leeds", "year": "2016", "age_band": "Under 1"})
    york = gate.Source("R-2", {"area": "York", "year": "2016", "age_band": "Under 1"})
    without_age = gate.Source("R-1", {"area": "Leeds", "year": "2016"})
    blocks = gate.check(gate.Candidate("x", sources=(leeds,)), POPULATION)
    assert [b.code for b in blocks] == ["identifiable"]
    assert "local area and year and child's age band" in blocks[0].message
    assert codes(gate.Candidate("x", sources=(york,))) == []  # 6 share it
    assert codes(gate.Candidate("x", sources=(without_age,))) == []
    relaxed = gate.parse_rule({"attributes": {"area": "area", "year": "year"},
                               "identifiability": {"combinations": [["area", "year"]]}})
    assert [b.code for b in gate.check(gate.Candidate("x", sources=(without_age,)),
                                       POPULATION, rule=relaxed)] == ["identifiable"]
    with pytest.raises(ValueError):
        gate.parse_rule({"attributes": {}, "identifiability": {"combinations": [["area"]]}})
    with pytest.raises(ValueError, match="identifiability.combination"):  # a typo refused
        gate.parse_rule({"attributes": {"area": "area"},
                         "identifiability": {"combination": [["area"]]}})


def test_shown_frequencies_suppress_for_the_public_only():
    ev = briefing.Evidence("issue_02", "Referral taken as information only", "d", "C", 40,
                           (briefing.Reason("a", "A", 12), briefing.Reason("b", "B", 2),
                            briefing.Reason("c", "C", 0)))
    stored = briefing.frequencies(ev)
    assert [r["key"] for r in stored["rows"]] == ["a", "b"]  # reasons never found left out
    public = briefing.shown_frequencies(stored, public=True)
    assert [r["shown"] for r in public["rows"]] == ["12", load_rule().symbol]
    assert public["rows"][1]["percent"] is None and public["rows"][0]["percent"] == 30
    inside = briefing.shown_frequencies(stored, public=False)
    assert [r["count"] for r in inside["rows"]] == [12, 2]
    printed = briefing.printed_figures(stored, public)
    assert gate.check(gate.Candidate("x", figures=(printed,)), POPULATION) == []
    leaked = briefing.printed_figures(stored, inside)
    assert [b.code for b in gate.check(gate.Candidate("x", figures=(leaked,)), POPULATION)] \
        == ["suppressed_figure"]


def test_draft_follows_the_form_and_escapes_evidence():
    ev = briefing.Evidence("issue_02", "Referral taken as information only", "<b>desc</b>",
                           "C. Making a referral", 9, (briefing.Reason("a", "Workload", 3),),
                           example="Quoted <script>x</script>", example_source="Report",
                           solutions=("Train staff",))
    drafted = briefing.draft(ev)
    assert list(drafted["sections"]) == ["issue", "example", "why", "solutions", "questions"]
    assert "<script>" not in drafted["sections"]["example"]
    assert "&lt;b&gt;desc" in drafted["sections"]["issue"]
    assert "referral taken as information only" in drafted["sections"]["questions"]
    assert drafted["sections"]["questions"].count("<li>") == len(briefing.load_form().questions)
