"""Unit tests of the steps: normalisation, sections, recommendations, findings, personal data,
dataset draft, and the pipeline runner."""

from __future__ import annotations

import pytest

from observatory_core.ingest import IngestError, extract, load_config, run_pipeline
from observatory_core.ingest.agencies import default_resolver
from observatory_core.ingest.limits import Limits
from observatory_core.ingest.normalise import normalise
from observatory_core.ingest.parsers.plain import PlainTextParser
from observatory_core.ingest.personal_data import flag_personal_data, nhs_check_digit
from observatory_core.ingest.pipeline import PipelineConfigError
from observatory_core.ingest.sections import HeadingRules, classify
from observatory_core.ingest.text import join_lines

from .conftest import make_pdf


def test_join_lines_dehyphenates_but_keeps_compounds():
    assert join_lines(["the protec-", "tion of children"]) == "the protection of children"
    assert join_lines(["child-", "centred work"]) == "child-centred work"
    assert join_lines(["one", "two"]) == "one two"


def test_running_headers_and_page_numbers_are_furniture(tmp_path):
    pages = [["Report of the review", "# Introduction" if i == 0 else "Body line",
              f"Paragraph on page {i + 1}.", f"Page {i + 1} of 4"] for i in range(4)]
    result = extract(make_pdf(tmp_path / "f.pdf", pages))
    furniture = {result.text[s.start:s.end] for s in result.furniture}
    assert {"Report of the review", "Page 1 of 4", "Page 4 of 4"} <= furniture
    passages = [result.text[p.start:p.end] for p in result.passages]
    assert not any(t.startswith(("Report of the review", "Page ")) for t in passages)
    assert [p.number for p in result.pages] == [1, 2, 3, 4]
    assert all(p.start <= q.start for p, q in zip(result.pages, result.pages[1:], strict=False))


def test_passages_are_paragraphs_with_offsets():
    parsed = PlainTextParser().parse(b"First para line one\nline two.\n\nSecond para.", "a.txt",
                                     Limits())
    result = normalise(parsed)
    texts = [result.text[p.start:p.end] for p in result.passages]
    assert texts == ["First para line one line two.", "Second para."]


@pytest.mark.parametrize("title, kind", [
    ("7. Recommendations", "recommendations"), ("TERMS OF REFERENCE", "terms_of_reference"),
    ("Section 4 - Methodology", "methodology"), ("2.3 Family background", "family_background"),
    ("Case history", "chronology"), ("Analysis and findings", "analysis_findings"),
    ("Lessons learned", "lessons_learned"), ("Examples of good practice", "good_practice"),
    ("Conclusions", "conclusions"), ("Appendix A - Review panel membership", "appendices"),
    ("Introduction", "introduction"), ("What needs to improve?", "recommendations"),
    ("Areas for improvement", "recommendations"), ("A heading nobody knows", None),
])
def test_heading_kinds(title, kind):
    assert classify(title, HeadingRules.load())[0] == kind


REPORT = """Overview report

Introduction

This review concerns Child K, a 3-year-old girl who died in March 2015.

Recommendations

1. The LSCB should audit referrals.

1.2 Children's Social Care to review thresholds.

(a) Police should share information.

b) Health visitors should visit weekly.

R5 The GP practice should record fathers.

Recommendation 6: Schools should train staff.

Police

- Review domestic abuse risk assessment.

Probation: Share records with the partnership.
"""


def test_recommendation_shapes_and_addressees():
    result = extract(REPORT.encode(), "report.txt")
    got = [(r.number, r.addressee) for r in result.recommendations]
    assert got == [("1.", "lscb"), ("1.2", "childrens_social_care"), ("(a)", "police"),
                   ("b)", "community_health"), ("R5", "community_health"),
                   ("Recommendation 6:", "education"), (None, "police"), (None, "probation")]
    assert all(r.heading for r in result.recommendations)
    first = result.recommendations[0]
    assert result.text[first.start:first.end].startswith("1. The LSCB")


def test_table_recommendations_from_html():
    html = (b"<h2>Recommendations</h2><table><tr><th>No.</th><th>Agency</th>"
            b"<th>Recommendation</th></tr><tr><td>1</td><td>Police</td><td>Share all domestic "
            b"abuse incidents with schools.</td></tr></table>")
    result = extract(html, "r.html")
    assert [(r.number, r.addressee) for r in result.recommendations] == [("1", "police")]


def test_addressee_normalisation():
    resolver = default_resolver()
    assert resolver.whole("(Health)").code == "health_commissioner"
    assert resolver.whole("Children's Social Care").code == "childrens_social_care"
    assert resolver.whole("The Local Safeguarding Children Board").code == "lscb"
    assert resolver.near("Hommunity health services").code == "community_health"


def test_local_authorities_are_childrens_social_care():
    resolver = default_resolver()
    for name in ("LAs", "LA", "Recommendations for LAs:", "local authorities"):
        assert resolver.whole(name).code == "childrens_social_care", name


def test_bullets_sub_points_and_lead_in_items_in_pdf(tmp_path):
    """Issue 7 (Essex report): bullets whose glyph shares a run with the text and whose text
    has no full stop each start an item; 'o' bullets after an item ending ':' are its
    sub-points; a sentence ending ':' right under an agency heading is an item whose
    bullets are its detail; a numbered heading still names its addressee."""
    pdf = make_pdf(tmp_path / "r.pdf", [[
        "# Recommendations for LAs:",
        "\u2022 Review forms and workflows, including:",
        "o Remove duplicate questions",
        "o Test new forms with users",
        "\u2022 Local authorities should train staff in recording",
        "\u2022 Provide admin support to practitioners",
        "# 2. Recommendations for the DfE",
        "Review the approach to statutory data changes:",
        "\u2022 Practice leads say they are not informed of changes",
        "\u2022 Data leads say they are engaged late.",
        "1. Sponsor a pilot with a technology company",
    ]])
    got = [(r.text.split()[0], r.addressee, r.rule.split(".")[-1])
           for r in extract(pdf).recommendations]
    assert got == [("Review", "childrens_social_care", "bullet"),
                   ("Local", "childrens_social_care", "bullet"),
                   ("Provide", "childrens_social_care", "bullet"),
                   ("Review", "government", "lead_in_item"),
                   ("Sponsor", "government", "plain")]
    recs = extract(pdf).recommendations
    assert recs[0].text.endswith("Test new forms with users")
    assert recs[3].text.endswith("engaged late.")


def test_findings_headed_and_listed():
    text = ("Findings\n\nFinding 1: Assessments missed the history\n\nText.\n\n"
            "Lessons learned\n\n- Assessment must revisit the history.\n")
    result = extract(text.encode(), "f.txt")
    assert [(f.number, f.kind) for f in result.findings] == [("Finding 1", "finding"),
                                                             (None, "lesson")]


def test_personal_data_rules():
    text = ("Child K, date of birth 03/04/2012, NHS number 999 000 0018; ZZ99 3AB; "
            "07700 900 123. Mr B and Mother met Dr Jane Doe. NHS number 999 000 0019.")
    flags = {(f.kind, f.text) for f in flag_personal_data(text, [])}
    assert ("date_of_birth", "03/04/2012") in flags
    assert ("postcode", "ZZ99 3AB") in flags
    assert ("phone", "07700 900 123") in flags
    assert ("person_name", "Jane Doe") in flags
    assert not any(t in ("B", "Child K") for _, t in flags)
    assert nhs_check_digit("999 000 0018") is True
    assert ("nhs_number", "999 000 0019") not in flags


def test_dataset_draft():
    result = extract(REPORT.encode(), "report.txt")
    values = {d.field: d.value for d in result.dataset}
    assert values["child_age_months"] == 36
    assert values["age_band"]
    assert values["child_sex"] == "female"
    assert values["outcome"] == "death"
    assert all(0 < d.confidence <= 1 and d.page == 1 for d in result.dataset)


def test_pipeline_progress_timings_and_provenance():
    seen = []
    result = run_pipeline(REPORT.encode(), "r.txt",
                          progress=lambda step, done, total: seen.append((step, done, total)))
    steps = [s for s, _, _ in seen]
    assert steps[0] == "detect_type" and steps[-1] == "done"
    assert seen[-1][1] == seen[-1][2] == len(load_config().steps)
    assert result.producers["recommendations"] == "split_recommendations@3"
    assert all(t.seconds >= 0 for t in result.timings)


def test_pipeline_config_is_checked():
    with pytest.raises(PipelineConfigError, match="unknown step"):
        load_config({"steps": ["detect_type", "nope"]})
    with pytest.raises(PipelineConfigError, match="requires"):
        load_config({"steps": ["find_sections"]})


def test_bad_text_input():
    with pytest.raises(IngestError):
        extract(b"\x00\x01\x02binary", "x.txt")
