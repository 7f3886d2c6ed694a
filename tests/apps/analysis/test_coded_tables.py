"""The theme tables (001 Tables 2 and 3, Figure 3) from the coding app's accepted codes;
suggestions never count, confidential codes only for roles that may see them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from observatory.analysis.tables import Scope, build
from observatory.ingestion.models import Passage, Recommendation

from .helpers import with_recommendations

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not apps.is_installed("observatory.coding"),
                                 reason="the coding app (issue 4) is not installed yet")]


@pytest.fixture
def coded(users):
    Codebook = apps.get_model("coding", "Codebook")
    Code = apps.get_model("coding", "Code")
    Segment = apps.get_model("coding", "CodedSegment")
    rec_book = Codebook.objects.create(key="recommendation_themes", name="Rec", source="001")
    case_book = Codebook.objects.create(key="case_themes", name="Case", source="001")
    training = Code.objects.create(codebook=rec_book, key="training", name="Training")
    sharing = Code.objects.create(codebook=rec_book, key="info_sharing", name="Sharing")
    poverty = Code.objects.create(codebook=case_book, key="poverty", name="Poverty")
    coder = users["analyst"]
    for i in range(7):
        review = with_recommendations(f"COD-{i}", ["police"])
        rec = Recommendation.objects.get(review=review)
        passage = Passage.objects.get(review=review)
        common = {"review": review, "version": rec.version, "coder": coder,
                  "codebook_version": 1, "start": rec.start, "end": rec.end, "page": 1}
        Segment.objects.create(codebook=rec_book, code=training, target="recommendation",
                               recommendation=rec, status="accepted", **common)
        if i < 2:
            Segment.objects.create(codebook=rec_book, code=sharing, target="recommendation",
                                   recommendation=rec, status="accepted", **common)
        Segment.objects.create(codebook=rec_book, code=sharing, target="recommendation",
                               recommendation=rec, status="suggested", **common)
        Segment.objects.create(codebook=case_book, code=poverty, target="passage",
                               passage=passage, status="accepted", **common)
        if i < 5:
            Segment.objects.create(codebook=case_book, code=poverty, target="recommendation",
                                   recommendation=rec, status="accepted", **common)


def test_themes_by_reviews_counts_accepted_codes_only(coded, users):
    table = build("themes_by_reviews", Scope(users["analyst"], {}))
    counts = {r.key: r.cells[0].value for r in table.rows}
    assert counts == {"training": 7, "info_sharing": 2}
    public = build("themes_by_reviews", Scope(None, {}))
    assert next(r for r in public.rows if r.key == "info_sharing").cells[0].suppressed


def test_case_themes_against_recommendations_and_quadrant(coded, users):
    table = build("case_themes_vs_recommendations", Scope(users["analyst"], {}))
    row = table.rows[0]
    assert row.key == "poverty" and [c.value for c in row.cells] == [7, 5, 5]
    quadrant = build("theme_quadrant", Scope(users["analyst"], {}))
    assert quadrant.rows[0].cells[2].value


def test_theme_drilldown_reaches_the_coded_passage(coded, users):
    c = Client()
    c.force_login(users["analyst"])
    data = c.get("/analysis/drilldown/", {"table": "themes_by_reviews", "theme": "training",
                                          "format": "json"}).json()["data"]
    assert data["count"] == 7
    evidence = data["reviews"][0]["evidence"][0]
    assert "Training" in evidence["label"] and "mark=" in evidence["url"]
    assert c.get(evidence["url"]).status_code == 200
