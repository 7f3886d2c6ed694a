"""Areas that were re-coded or reorganised are one place over time, in the analysis filters
and the reviews list; an unknown area is an error; a partnership's scope follows its area's
arrangements and it sees its own area's figures unsuppressed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from observatory.accounts.access import can
from observatory.accounts.services import create_user
from observatory.analysis.tables import Scope, build

from ..conftest import PASSWORD, make_review

pytestmark = pytest.mark.django_db

SHEFFIELD_OLD, SHEFFIELD = "E08000019", "E08000039"
NORTHANTS, NORTH, WEST = "E10000021", "E06000061", "E06000062"


@pytest.fixture
def places(db):
    for i in range(6):
        make_review(f"SHF-{i}", area=SHEFFIELD_OLD)  # filed under the code before 2025
    make_review("NTH-COUNTY", area=NORTHANTS)
    make_review("NTH-NORTH", area=NORTH, published=False)
    make_review("NTH-WEST", area=WEST, published=False)


def total(data) -> int | None:
    return data["data"]["table"]["total"]["cells"][0]["value"]


def test_a_place_is_found_by_its_name_and_any_code_it_has_had(places):
    c = Client()
    for value in ("Sheffield", SHEFFIELD, SHEFFIELD_OLD):
        url = f"/analysis/tables/reviews_by_year/?format=json&local_authority={value}"
        answer = c.get(url).json()
        assert total(answer) == 6, value
        assert answer["data"]["filters"]["local_authority"] == SHEFFIELD
    listed = c.get(f"/reviews/?format=json&local_authority={SHEFFIELD}").json()["data"]
    assert listed["count"] == 6
    assert c.get("/api/reviews?local_authority=Sheffield").json()["count"] == 6


def test_an_unknown_area_is_an_error_not_an_empty_result(places):
    c = Client()
    for url in ("/analysis/?local_authority=Nowhere",
                "/analysis/tables/reviews_by_year/?local_authority=E99999999",
                "/reviews/?local_authority=Nowhere", "/api/reviews?local_authority=Nowhere"):
        assert c.get(url).status_code == 400, url
    page = c.get("/reviews/?local_authority=Nowhere").content.decode()
    assert "govuk-error-message" in page


def test_the_dashboard_offers_each_place_once_with_type_ahead_and_its_history(places):
    page = Client().get(f"/analysis/?local_authority={NORTHANTS}").content.decode()
    select = re.search(r'<select[^>]*name="local_authority".*?</select>', page, re.S).group(0)
    assert "data-typeahead" in select and "typeahead.js" in page
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert labels.count("Sheffield") == 1 and "Sheffield (until 2025)" not in labels
    assert "Northamptonshire (until 2021)" in labels
    assert "North Northamptonshire (from 2021)" in labels
    assert "Replaced after March 2021 by North Northamptonshire and West Northamptonshire" \
        in page


def test_a_filter_on_the_old_county_includes_its_successors(places, users):
    analyst = Client()
    analyst.force_login(users["analyst"])
    data = analyst.get(f"/analysis/tables/reviews_by_year/?format=json"
                       f"&local_authority={NORTHANTS}").json()
    assert total(data) == 3
    north = analyst.get(f"/analysis/tables/reviews_by_year/?format=json"
                        f"&local_authority={NORTH}").json()
    assert total(north) == 2  # North Northamptonshire and the county before it, not West


@pytest.mark.parametrize("area", [NORTH, NORTHANTS])
def test_a_northamptonshire_partnership_works_on_the_whole_partnership_area(places, area):
    from observatory.repository.models import Review

    user = create_user(f"nscp-{area}", PASSWORD, "partnership", area=area)
    for reference in ("NTH-COUNTY", "NTH-NORTH", "NTH-WEST"):
        review = Review.objects.get(reference=reference)
        assert can(user, "change", review), reference
    c = Client()
    c.force_login(user)
    page = c.get("/reviews/?format=json").json()["data"]
    assert {"NTH-NORTH", "NTH-WEST"} <= {r["reference"] for r in page["reviews"]}
    assert c.get(f"/reviews/{'NTH-WEST'}/edit/").status_code == 200
    other = create_user(f"brum-{area}", PASSWORD, "partnership", area="E08000025")
    assert not can(other, "change", Review.objects.get(reference="NTH-WEST"))


def test_a_partnership_sees_its_own_area_unsuppressed_and_others_suppressed(places):
    user = create_user("nscp", PASSWORD, "partnership", area=NORTH)
    own = build("reviews_by_year", Scope(user, {"local_authority": NORTHANTS}))
    assert own.suppressed_output is False
    assert own.total.cells[0].value == 3 and own.total.cells[0].would_suppress
    elsewhere = build("reviews_by_year", Scope(user, {"local_authority": SHEFFIELD}))
    assert elsewhere.suppressed_output is True
    national = build("reviews_by_year", Scope(user, {}))
    assert national.suppressed_output is True
    assert build("reviews_by_year", Scope(None, {"local_authority": NORTHANTS})) \
        .total.cells[0].suppressed  # the public: 1 published review, suppressed


def test_the_table_by_local_area_has_one_row_per_place_and_exact_drilldowns(places, users):
    analyst = Client()
    analyst.force_login(users["analyst"])
    data = analyst.get("/analysis/tables/reviews_by_local_authority/?format=json"
                       ).json()["data"]["table"]
    rows = {r["label"]: r["cells"][0] for r in data["rows"]}
    assert rows["Sheffield"]["value"] == 6 and "Sheffield (until 2025)" not in rows
    assert rows["North Northamptonshire (from 2021)"]["value"] == 1
    for label, expected in (("Sheffield", 6), ("North Northamptonshire (from 2021)", 1),
                            ("Northamptonshire (until 2021)", 1)):
        drill = rows[label]["drilldown"]
        listed = analyst.get("/analysis/drilldown/", {**drill, "table":
                                                      "reviews_by_local_authority",
                                                      "format": "json"}).json()["data"]
        assert listed["count"] == expected, label
    assert rows["Sheffield"]["drilldown"].keys() >= {"area"}
    rate = next(r for r in data["rows"] if r["label"] == "Sheffield")["cells"][-1]
    assert rate["value"] and rate["value"] > 0  # the old code's population carried over


def test_a_northamptonshire_partnership_imports_for_its_whole_area(db):
    from observatory.accounts.access import areas_of
    from observatory.repository.dataset_io import import_dataset
    from observatory_core.tabular import write_csv

    user = create_user("nscp-import", PASSWORD, "partnership", area=NORTH)
    rows = [{"reference": f"IMP-{code}", "title": "Child (test)", "local_authority": code,
             "review_type": "lcspr", "outcome": "death"} for code in (WEST, NORTHANTS)]
    report = import_dataset("n.csv", write_csv(rows, list(rows[0])), user=user,
                            allowed_area_id=areas_of(user))
    assert report.ok, [str(p) for p in report.problems]
    elsewhere = [{**rows[0], "reference": "IMP-SHF", "local_authority": SHEFFIELD}]
    refused = import_dataset("s.csv", write_csv(elsewhere, list(rows[0])), user=user,
                             allowed_area_id=areas_of(user))
    assert [(p.row, p.field) for p in refused.problems] == [(2, "local_authority")]
