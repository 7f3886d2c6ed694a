"""The analysis through the database: tables, suppression by role, drill-down to reviews and
highlighted passages, access to confidential evidence, downloads, cohorts, saved analyses,
empty states."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from observatory.analysis.tables import REGISTRY, Scope, build
from observatory.audit.models import AuditEvent

from ..conftest import OTHER_AREA
from .helpers import with_recommendations

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(db):
    """Birmingham: 6 reviews (police x2 each, 1 CSC rec in 3, 1 probation in 5); Bristol: 2
    reviews with a confidential IMR recommendation to education."""
    for i in range(6):
        with_recommendations(f"BHM-{i}", ["police", "police"] + (
            ["childrens_social_care"] if i < 3 else []) + (["probation"] if i < 5 else []),
            year=2014 + i % 2)
    with_recommendations("BRS-1", ["education"], area=OTHER_AREA, kind="imr",
                         confidential=True, year=2015)
    with_recommendations("BRS-2", ["police"], area=OTHER_AREA, year=2016)


def client(users=None, name=None) -> Client:
    c = Client()
    if name:
        c.force_login(users[name])
    return c


def cell(table, row_key, col=0):
    return next(r for r in table["rows"] if r["key"] == row_key)["cells"][col]


def test_every_standard_table_builds_for_public_and_analyst(corpus, users):
    for name in REGISTRY:
        for user in (None, users["analyst"]):
            table = build(name, Scope(user, {}))
            assert table.rule and (table.rows or table.empty_message), name


def test_recommendations_by_agency_mean_range_and_suppression(corpus, users):
    public = client().get("/analysis/tables/recommendations_by_agency/?format=json").json()
    data = public["data"]["table"]
    assert data["suppressed_output"] is True and "suppressed" in data["suppression_rule"]
    police = cell(data, "police")
    assert police["value"] == 13 and police["drilldown"]["rec_agency"] == "police"
    assert cell(data, "childrens_social_care")["suppressed"]  # 3 recommendations
    assert cell(data, "probation")["reason"] == "secondary"  # else 16 - 13 - 0 = 3
    # the confidential education recommendation is not even a row for the public
    assert all(r["key"] != "education" for r in data["rows"])
    analyst = client(users, "analyst").get(
        "/analysis/tables/recommendations_by_agency/?format=json").json()["data"]["table"]
    assert analyst["suppressed_output"] is False
    csc = cell(analyst, "childrens_social_care")
    assert csc["value"] == 3 and csc["would_suppress_in_public"]
    assert cell(analyst, "education")["value"] == 1
    total = analyst["total"]["cells"]
    assert total[0]["value"] == 22 and total[3]["value"] == "1 to 4"


def test_filters_region_and_years(corpus, users):
    url = "/analysis/tables/recommendations_by_agency/?format=json&region=E12000005" \
          "&year_from=2014&year_to=2014"
    data = client(users, "analyst").get(url).json()["data"]["table"]
    assert cell(data, "police")["value"] == 6  # BHM-0, 2, 4
    assert data["filters"] == {"region": "E12000005", "year_from": "2014", "year_to": "2014"}


def test_drilldown_reaches_reviews_and_highlighted_passages(corpus, users):
    c = client(users, "analyst")
    table = c.get("/analysis/?format=json").json()["data"]["tables"][0]
    assert table["name"] == "recommendations_by_agency"
    dd = cell(table, "police")["drilldown"]
    page = c.get("/analysis/drilldown/", {"table": "recommendations_by_agency", **dd})
    assert page.status_code == 200
    body = page.content.decode()
    assert "BHM-0" in body and "mark=" in body
    data = c.get("/analysis/drilldown/", {"table": "recommendations_by_agency", **dd,
                                           "format": "json"}).json()["data"]
    assert data["count"] == 7
    url = data["reviews"][0]["evidence"][0]["url"]
    viewer = c.get(url)
    assert viewer.status_code == 200 and b"<mark" in viewer.content


def test_confidential_evidence_never_reaches_roles_that_may_not_see_it(corpus, users):
    params = {"table": "recommendations_by_agency", "rec_agency": "education",
              "format": "json"}
    analyst = client(users, "analyst").get("/analysis/drilldown/", params).json()["data"]
    assert analyst["count"] == 1 and analyst["reviews"][0]["evidence"][0]["confidential"]
    assert AuditEvent.objects.filter(object_kind="confidential_document",
                                     detail__contains="drill-down").exists()
    for name in ("researcher", "practitioner", "partnership_own"):
        data = client(users, name).get("/analysis/drilldown/", params).json()["data"]
        for review in data["reviews"]:
            assert not review["evidence"], name
        table = build("recommendations_by_agency", Scope(users[name], {}, public=False))
        assert all(r.key != "education" for r in table.rows), name
    own = build("recommendations_by_agency", Scope(users["partnership_other"], {},
                                                   public=False))
    assert any(r.key == "education" for r in own.rows)  # Bristol's own partnership


def test_public_drilldown_of_a_small_number_is_suppressed(corpus):
    data = client().get("/analysis/drilldown/", {
        "table": "recommendations_by_agency", "rec_agency": "childrens_social_care",
        "format": "json"}).json()["data"]
    assert data["suppressed"] and data["count"] is None and data["reviews"] == []


def test_downloads_csv_and_xlsx_state_the_rule_and_are_audited(corpus):
    c = client()
    csv_body = c.get("/analysis/tables/recommendations_by_agency/?download=csv")
    text = csv_body.content.decode("utf-8-sig")
    assert "Police" in text and "Suppression:" in text and ",c," in text
    xlsx = c.get("/analysis/tables/reviews_by_region/?download=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.cell(1, 1).value == "Region"
    assert AuditEvent.objects.filter(action="export", object_kind="analysis_table").count() == 2


def test_every_page_is_also_json_and_html(corpus, users):
    c = client(users, "analyst")
    for url in ["/analysis/", "/analysis/tables/timeliness/", "/analysis/compare/",
                "/analysis/saved/", "/analysis/evaluations/", "/analysis/reports/",
                "/analysis/drilldown/?table=reviews_by_outcome&outcome=death"]:
        html = c.get(url)
        assert html.status_code == 200, url
        sep = "&" if "?" in url else "?"
        assert c.get(f"{url}{sep}format=json").json()["ok"], url


def test_filter_that_matches_nothing_is_an_empty_state(corpus):
    data = client().get("/analysis/tables/reviews_by_outcome/?format=json&year=1999"
                        ).json()["data"]["table"]
    assert data["rows"] == [] and data["empty_message"]
    page = client().get("/analysis/?year=1999")
    assert page.status_code == 200 and b"obs-empty" in page.content
    assert client().get("/analysis/?year=abc").status_code == 400


def test_cohort_comparison_names_its_test(corpus, users):
    data = client(users, "analyst").get("/analysis/compare/", {
        "table": "reviews_by_region", "a_year": "2014", "b_year": "2015",
        "format": "json"}).json()["data"]["table"]
    assert len(data["columns"]) == 3
    assert data["test"] is None or data["test"]["test"]


def test_saved_analysis_round_trip(corpus, users):
    c = client(users, "analyst")
    response = c.post("/analysis/saved/", {"name": "Police 2014", "year": "2014",
                                           "rec_agency": "police"})
    assert response.status_code == 302
    data = c.get(response["Location"], {"format": "json"}).json()["data"]
    assert data["saved_analysis"] == "Police 2014"
    assert data["filters"] == {"year": "2014", "rec_agency": "police"}
    assert client().post("/analysis/saved/", {"name": "x"}).status_code == 403


def test_theme_tables_have_a_clear_state_without_coded_data(corpus, users):
    table = build("themes_by_reviews", Scope(users["analyst"], {}))
    assert table.empty and "coded" in table.empty_message.lower()
    public = build("themes_by_reviews", Scope(None, {}))  # not told about the coding work
    assert public.empty and public.empty_message == "No figures are published for this " \
                                                    "table yet."
