"""The framework-free rules: matching a new run's units with the old ones, moving spans,
counting a review's recommendations once, and the agency at the head of a subject."""

from __future__ import annotations

from observatory_core.anchoring import Anchor, map_span, match_units
from observatory_core.counting import Doc, Item, classify, same_items
from observatory_core.ingest import extract


def _units(text: str, paragraphs: list[str]) -> list[Anchor]:
    out, at = [], 0
    for p in paragraphs:
        at = text.index(p, at)
        out.append(Anchor(p, at, at + len(p)))
        at += len(p)
    return out


def test_unchanged_units_match_by_text_even_when_everything_moved():
    paras = ["Alpha one.", "Beta two.", "Gamma three.", "Alpha one."]
    old_text = "\n\n".join(paras)
    new_text = "A new first line.\n\n" + old_text
    pairs = match_units(_units(old_text, paras), _units(new_text, paras),
                        old_length=len(old_text), new_length=len(new_text))
    # Repeated text pairs by position: the first 'Alpha one.' with the first.
    assert pairs == {0: 0, 1: 1, 2: 2, 3: 3}


def test_an_edited_unit_keeps_its_identity_and_a_different_one_does_not():
    old = ["The family moved house three times.", "Staff did not act on neglect."]
    new = ["The family moved house three times in 2014.", "Something else entirely here."]
    old_text, new_text = "\n".join(old), "\n".join(new)
    pairs = match_units(_units(old_text, old), _units(new_text, new),
                        old_length=len(old_text), new_length=len(new_text))
    assert pairs == {0: 0}


def test_a_span_follows_its_text_or_is_lost():
    old = "Intro. Jane Smith visited. End."
    new = "A new line. Intro. Jane Smith visited. End."
    start = old.index("Jane")
    assert map_span(old, new, start, start + 10) == (new.index("Jane"), new.index("Jane") + 10)
    assert map_span(old, old, 3, 9) == (3, 9)
    assert map_span(old, new.replace("Jane Smith", "J. S."), start, start + 10) is None


def test_a_review_counts_the_overview_and_links_the_summarys_copies():
    recs = [f"{i}. Agency {i} should improve practice area {i} by March." for i in range(1, 6)]
    overview = Doc(1, "review", (0, 1), tuple(Item(10 + i, t) for i, t in enumerate(recs)))
    summary = Doc(2, "copy", (1, 2), tuple(Item(20 + i, t.replace(f"{i + 1}. ", "R"))
                                           for i, t in enumerate(recs)))
    imr = Doc(3, "agency", (3, 3), (Item(30, "The trust should train its midwives."),))
    letter = Doc(4, "none", (9, 4), (Item(40, "Police officers should record more."),))
    result = classify([summary, overview, imr, letter])
    assert [result[10 + i] for i in range(5)] == [("review", None)] * 5
    assert [result[20 + i] for i in range(5)] == [("copy", 10 + i) for i in range(5)]
    assert result[30] == ("agency", None) and result[40] == ("none", None)


def test_without_an_overview_the_first_copy_document_is_the_single_report():
    summary = Doc(2, "copy", (1, 2), (Item(1, "The board should audit."),))
    assert classify([summary]) == {1: ("review", None)}


def test_different_recommendations_of_one_review_are_not_the_same():
    a = [Item(1, "The police should share information with health visitors promptly.")]
    b = [Item(2, "The hospital trust should audit the referral process for injured babies.")]
    assert same_items(a, b) == {}


def test_the_agency_is_taken_from_the_head_of_the_subject():
    letter = (b"Inspection letter\n\nAreas for improvement\n\n"
              b"\xe2\x80\xa2 Police leaders do not undertake sufficient quality assurance.\n\n"
              b"\xe2\x80\xa2 Health services are not routinely completing risk assessments.\n\n"
              b"\xe2\x80\xa2 Staff within children's social care and partner agencies do not "
              b"refer concerns.\n\n"
              b"\xe2\x80\xa2 Clarity regarding the process of personal education plans.\n")
    found = {r.text.split()[0]: r.addressee for r in extract(letter, "letter.txt")
             .recommendations}
    assert found == {"Police": "police", "Health": "health_commissioner", "Staff": None,
                     "Clarity": None}
