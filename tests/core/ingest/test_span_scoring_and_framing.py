"""Whole-span scoring of recommendations and the report's framing of addressees (issue 13)."""

from __future__ import annotations

from observatory_core.ingest.framing import document_frame, frame_addressees
from observatory_core.ingest.scoring import SpanItem, score_spans, trim_span
from observatory_core.ingest.types import Recommendation, Section

TEXT = ("Areas for improvement\n\n\u25fc The quality of assessments is too variable. It is "
        "not yet\n\n8\n\nconsistent across the area.\n\n\u25fc Police officers do not record "
        "the views of children.\n")
FIRST_START = TEXT.index("The quality")
FIRST_END = TEXT.index("area.") + len("area.")
SECOND_START = TEXT.index("Police")
SECOND_END = TEXT.index("children.") + len("children.")
GOLD = [SpanItem(FIRST_START, FIRST_END, "lscb", "framing"),
        SpanItem(SECOND_START, SECOND_END, "police", "text")]


def test_an_item_cut_at_the_page_break_is_not_found():
    cut = TEXT.index("not yet") + len("not yet")
    predicted = [SpanItem(FIRST_START - 2, cut, "lscb"), SpanItem(SECOND_START, SECOND_END,
                                                                  "police")]
    s = score_spans(TEXT, predicted, GOLD)
    assert (s.true_positives, s.predicted, s.gold) == (1, 2, 2)
    assert s.explicit_correct == s.explicit_total == 1 and s.inferred_total == 0


def test_markers_and_whitespace_are_tolerated_and_addressees_scored_apart():
    predicted = [SpanItem(FIRST_START - 2, FIRST_END + 1, "lscb"),  # '◼ ' and the newline
                 SpanItem(SECOND_START - 2, SECOND_END + 1, None)]
    s = score_spans(TEXT, predicted, GOLD)
    assert s.true_positives == 2 and s.f1 == 1.0
    assert (s.inferred_correct, s.inferred_total) == (1, 1)
    assert (s.explicit_correct, s.explicit_total) == (0, 1)
    assert trim_span(TEXT, FIRST_START - 2, FIRST_END + 1) == (FIRST_START, FIRST_END)


def test_the_title_frames_the_report_not_a_later_mention():
    text = ("Inspection of Bradford local authority children\u2019s services\n\nSince the "
            "last inspection, the Joint Targeted Area Inspection (JTAI), services have ...")
    frame, quote = document_frame(text)
    assert frame.id == "local_authority_inspection" and "Inspection of Bradford" in quote


def test_items_without_an_addressee_take_the_framing_with_its_basis():
    text = ("Joint targeted area inspection of the response to neglect\n\nWhat needs to "
            "improve?\n\nThe quality of plans.\n\nThe safeguarding board's audits.\n")
    heading = Section("What needs to improve?", "recommendations", 1, 1,
                      text.index("What"), len(text))
    plain = Recommendation(None, heading.title, "The quality of plans.", None, None, 1,
                           text.index("The quality"), text.index("plans.") + 6, 0.8,
                           "split_recommendations.paragraph")
    named = Recommendation(None, heading.title, "The safeguarding board's audits.", "lscb",
                           "safeguarding board", 1, text.index("The safeguarding"),
                           len(text) - 1, 0.9, "split_recommendations.paragraph",
                           addressee_source="text")
    framed, kept = frame_addressees(text, [heading], [plain, named])
    assert framed.addressee == "lscb" and framed.addressee_source == "framing"
    assert "Joint targeted area inspection" in framed.addressee_basis
    assert framed.rule.endswith("+framing.joint_inspection") and framed.confidence <= 0.7
    assert kept == named
