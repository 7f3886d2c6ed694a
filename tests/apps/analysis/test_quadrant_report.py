"""001 Figure 3 (the frequency quadrant) in the reports: a chart split at the medians, its
alt text naming the themes in each quadrant, and its data table beside it, in the HTML and
in the PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.apps import apps

from observatory.analysis import reports
from observatory.analysis.charts import svg
from observatory.analysis.tables import Scope, build
from observatory.ingestion.models import Passage, Recommendation

from .helpers import with_recommendations

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not apps.is_installed("observatory.coding"),
                                 reason="the coding app (issue 4) is not installed")]
THEMES = [("poverty", "Poverty", 6, 1), ("neglect", "Neglect", 6, 6), ("housing", "Housing", 2, 5),
          ("drugs", "Substance misuse", 1, 0)]


@pytest.fixture
def coded(users):
    """Six reviews; each theme arises in the first ``cases`` of them and is the subject of
    recommendations in the first ``recs``."""
    Codebook = apps.get_model("coding", "Codebook")
    Code = apps.get_model("coding", "Code")
    Segment = apps.get_model("coding", "CodedSegment")
    book = Codebook.objects.create(key="case_themes", name="Case", source="001")
    reviews = [with_recommendations(f"QUAD-{i}", ["police"]) for i in range(6)]
    for position, (key, name, cases, recs) in enumerate(THEMES):
        code = Code.objects.create(codebook=book, key=key, name=name, position=position)
        for i, review in enumerate(reviews):
            rec = Recommendation.objects.get(review=review)
            common = {"codebook": book, "codebook_version": 1, "code": code, "review": review,
                      "version": rec.version, "coder": users["analyst"], "status": "accepted"}
            if i < cases:
                Segment.objects.create(target="passage",
                                       passage=Passage.objects.get(review=review), **common)
            if i < recs:
                Segment.objects.create(target="recommendation", recommendation=rec, **common)


def test_quadrant_chart_is_split_at_the_medians_with_alt_text(coded, users):
    table = build("theme_quadrant", Scope(users["analyst"], {}))
    assert table.splits == (4.0, 3.0)
    chart = svg(table, "scatter")
    assert chart.count('stroke-dasharray="6 4"') == 2  # the two median lines
    assert "Quadrant chart of frequency of themes and recommendations" in chart
    assert "frequent theme, many recommendations: Neglect" in chart
    assert "rare theme, many recommendations: Housing" in chart


def test_annual_report_html_and_pdf_show_the_quadrant_beside_its_table(coded, users,
                                                                        tmp_path):
    report = reports.annual(2015, users["analyst"])
    html = reports.render_html(report)
    assert "Quadrant chart of frequency of themes" in html and "Split at the medians" in html
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("pdftotext (poppler-utils) not installed")
    target = tmp_path / "annual.pdf"
    target.write_bytes(reports.render_pdf(report))
    text = " ".join(subprocess.run([pdftotext, "-layout", str(target), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())
    assert "Quadrant chart of frequency of themes and recommendations" in text
    assert "Split at the medians: 4 cases, 3 recommendations." in text
    assert "frequent theme, many recommendations" in text and "Substance misuse" in text
