"""The public catalogue of published reviews and the public tables: the rule (docs/security.md,
'The public catalogue and the national tables').

The catalogue lists every published review, as the NSPCC's repository does, so any count of
published reviews can be had by counting it. Public tables therefore count exactly the
published reviews the catalogue lists, and nothing else: no public output (table in any
format, catalogue page, API list or export) changes when an unpublished review is added, so
differencing the catalogue against a table recovers nothing that is not published. The
national figures, unpublished reviews included, are for roles allowed them.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from django.test import Client

from .helpers import with_recommendations

pytestmark = pytest.mark.django_db

WEST_MIDLANDS = "E12000005"
TABLES = ["reviews_by_year", "reviews_by_region", "reviews_by_local_authority",
          "reviews_by_region_and_year", "recommendations_by_agency", "reviews_by_outcome"]
SCOPES = [({"region": WEST_MIDLANDS},
           {"region": WEST_MIDLANDS}),
          ({"year": "2021"},
           {"decision_date_from": "2021-01-01", "decision_date_to": "2021-12-31"}),
          ({"region": WEST_MIDLANDS, "year": "2021"},
           {"region": WEST_MIDLANDS, "decision_date_from": "2021-01-01",
            "decision_date_to": "2021-12-31"})]


@pytest.fixture
def published(db):
    for i in range(3):
        with_recommendations(f"CAT-21-{i}", ["police"], year=2021)
    for i in range(7):
        with_recommendations(f"CAT-15-{i}", ["police", "probation"], year=2015)


def public_outputs() -> dict[str, object]:
    c = Client()
    out: dict[str, object] = {}
    for table_filters, catalogue_filters in SCOPES:
        for name in TABLES:
            url = f"/analysis/tables/{name}/?{urlencode(table_filters)}"
            out[f"{url} json"] = c.get(url + "&format=json").json()["data"]["table"]
            out[f"{url} csv"] = c.get(url + "&download=csv").content
        query = urlencode(catalogue_filters)
        page = c.get(f"/reviews/?{query}&format=json").json()["data"]
        out[f"catalogue {query}"] = (page["count"], [r["reference"] for r in page["reviews"]])
        out[f"api {query}"] = c.get(f"/api/reviews?{query}").json()
        export = c.get(f"/api/reviews/export?{query}").content.decode("utf-8-sig")
        out[f"export {query}"] = list(csv.reader(io.StringIO(export)))
    return out


def test_unpublished_reviews_change_no_public_output(published):
    before = public_outputs()
    for i in range(2):  # a small number of unpublished reviews in the same cells
        with_recommendations(f"CAT-UNPUB-{i}", ["police", "education"], year=2021,
                             published=False)
    after = public_outputs()
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, changed


def test_public_tables_count_the_catalogue_and_analysts_count_every_review(published, users):
    with_recommendations("CAT-UNPUB", ["police"], year=2021, published=False)
    c = Client()
    for table_filters, catalogue_filters in SCOPES:
        catalogue = c.get(f"/reviews/?{urlencode(catalogue_filters)}&format=json"
                          ).json()["data"]["count"]
        table = c.get(f"/analysis/tables/reviews_by_region/?{urlencode(table_filters)}"
                      "&format=json").json()["data"]["table"]
        shown = table["total"]["cells"][0]
        assert shown["suppressed"] or shown["value"] == catalogue, table_filters
    analyst = Client()
    analyst.force_login(users["analyst"])
    national = analyst.get("/analysis/tables/reviews_by_year/?year=2021&format=json"
                           ).json()["data"]["table"]
    assert national["total"]["cells"][0]["value"] == 4  # the unpublished review counts
