"""SMART pre-assessment, priority bands and the action status rules (framework-free)."""

from __future__ import annotations

from datetime import date

import pytest

from observatory_core import actionplan, smart


@pytest.mark.parametrize(("text", "addressee", "verdicts", "flags"), [
    ("The LSCB should ensure that all staff receive training on neglect.", "",
     {"specific": "not_met", "measurable": "not_met"}, ["vague_verb"]),
    ("Children's social care should audit 20 case files within six months.",
     "Children's social care",
     {"specific": "met", "measurable": "met", "achievable": "met", "timely": "met",
      "relevant": "unclear"}, []),
    ("Consider how practice could improve.", "", {"achievable": "not_met"},
     ["vague_verb", "no_owner"]),
    ("The Department for Education should change national categories.", "",
     {"achievable": "not_met"}, ["beyond_power"]),
    ("Health should audit records and must train staff and will report to the board.", "",
     {"specific": "not_met"}, ["bundles"]),
    ("Staff should continue to follow the procedure in line with guidance.", "Police",
     {"relevant": "not_met"}, ["restates_procedure"]),
])
def test_pre_assessment_verdicts_and_reasons(text, addressee, verdicts, flags):
    result = smart.pre_assess(text, addressee)
    assert {k: result.judgements[k].verdict for k in verdicts} == verdicts
    assert [f.key for f in result.flags] == flags
    assert all(j.reasons for j in result.judgements.values())  # always a visible reason


def test_rules_are_versioned_cited_and_checked():
    rules = smart.load_rules()
    assert rules.version and "001" in rules.source and "chapter 5" in rules.source
    assert [c.key for c in rules.criteria] == ["specific", "measurable", "achievable",
                                               "relevant", "timely"]
    assert [(b.key, b.min_months, b.max_months) for b in rules.bands] == [
        ("high", 0, 3), ("medium", 3, 6), ("low", 6, 12)]
    with pytest.raises(ValueError, match="unknown criteria"):
        smart.parse_rules({"version": "x", "criteria": [{"key": "a", "label": "A",
                                                         "question": "?"}],
                           "flags": [{"key": "f", "against": ["b"], "reason": "r"}]})


def test_due_dates_from_bands():
    start = date(2026, 1, 31)
    assert smart.check_due(start, "high", None) == (date(2026, 4, 30), "")
    assert smart.check_due(start, "low", None) == (date(2027, 1, 31), "")
    assert smart.check_due(start, "medium", date(2026, 3, 1)) == (date(2026, 3, 1), "")
    assert "before the plan starts" in smart.check_due(start, "high", date(2026, 1, 1))[1]
    assert "after the high priority band ends" in smart.check_due(
        start, "high", date(2026, 6, 1))[1]
    assert "not a priority band" in smart.check_due(start, "urgent", None)[1]


def test_status_moves():
    ok = dict(has_evidence=True, reason="", claimed_by=1, by=2)
    assert actionplan.check_move("open", "in_progress", **ok) == ""
    assert "cannot become" in actionplan.check_move("open", "verified", **ok)
    assert "finished" in actionplan.check_move("verified", "open", **ok)
    assert "needs evidence" in actionplan.check_move(
        "completed", "verified", **{**ok, "has_evidence": False})
    assert "someone other" in actionplan.check_move("completed", "verified",
                                                    **{**ok, "by": 1})
    assert "say why" in actionplan.check_move("open", "closed_not_implemented", **ok)
    assert "say why" in actionplan.check_move("completed", "in_progress", **ok)
    assert actionplan.check_move("in_progress", "completed",
                                 **{**ok, "has_evidence": False}) == ""  # a claim


def test_rag_and_overdue():
    today = date(2026, 6, 1)
    assert actionplan.rag("open", date(2026, 5, 1), today) == "red"
    assert actionplan.rag("in_progress", date(2026, 7, 1), today) == "amber"
    assert actionplan.rag("verified", date(2026, 5, 1), today) == "green"
    assert not actionplan.is_overdue("completed", date(2026, 5, 1), today)


def test_plan_rows_list_every_problem():
    rows = [{"Reference": "", "Recommendation number": "", "Action": "", "Lead agency": "Mars",
             "Lead role": "Wizard", "Priority": "urgent", "Due date": "soon",
             "Status": "Done-ish", "RAG status": "purple"},
            {"Recommendation number": "1", "Action": "Audit", "Lead agency": "Police",
             "Lead role": "training MANAGER", "Priority": "High", "Due date": "2026-02-01",
             "Status": "In progress"}]
    good, problems = actionplan.parse_plan_rows("plan.csv", rows, agencies={"police": 1},
                                                priorities=("high", "medium", "low"))
    fields = {p.field for p in problems}
    assert fields == {"Action", "Recommendation number", "Lead agency", "Lead role", "Priority",
                      "Due date", "Status", "RAG status"}
    assert all(p.row == 2 and p.file == "plan.csv" for p in problems)
    assert [(r.row, r.lead_role, r.priority, r.status) for r in good] == [
        (3, "Training manager", "high", "in_progress")]
