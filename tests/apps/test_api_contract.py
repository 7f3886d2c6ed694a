"""The OpenAPI schema is the contract, checked by Schemathesis in-process against the WSGI
application (no server): for the public, a practitioner and an analyst, every operation of
/api/openapi.json is called with data generated from its declared parameters, and every
answer must be no server error, a declared status, a declared media type and a body that
matches the declared schema. `make fuzz` (FUZZ_EXAMPLES) runs more examples. Plus the
specific findings: JSON errors, 401 for anonymous writes, 404 for a missing version, and
`has_more` right at the page boundaries."""

from __future__ import annotations

import base64
import io
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as oa_checks

from observatory.api import api
from observatory.repository.services import store_version

from .conftest import PASSWORD, make_review, make_user, term

pytestmark = pytest.mark.django_db
EXAMPLES = max(4, int(os.environ.get("FUZZ_EXAMPLES", "0")) // 50)
ROLES = ["public", "practitioner", "analyst"]
CHECKS = [st_checks.not_a_server_error, oa_checks.status_code_conformance,
          oa_checks.content_type_conformance, oa_checks.response_schema_conformance,
          oa_checks.response_headers_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()


def basic(role: str) -> dict[str, str]:
    if role == "public":
        return {}
    token = base64.b64encode(f"{role}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    """The data, and the WSGI handler kept from closing the test's database connection at
    the end of each request (as Django's own test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from .route_world import build_world

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield build_world(django_capture_on_commit_callbacks)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_keeps_its_schema(case, world):
    """Each generated call is made as each role (one set-up of the data per operation)."""
    for role in ROLES:
        case.call_and_validate(headers={**(case.headers or {}), **basic(role)}, checks=CHECKS)


# -- the findings, one by one ----------------------------------------------------------
@pytest.mark.parametrize("url", ["/api/reviews?limit=-1", "/api/reviews?offset=-1",
                                 f"/api/reviews?offset={2**63}", f"/api/audit?offset={2**63}",
                                 "/api/audit?limit=-1", f"/api/search?q=x&offset={10**30}",
                                 "/api/search?mode=fast", "/api/nowhere",
                                 "/api/documents/99999999999999999999"])
def test_bad_parameters_and_addresses_answer_json_errors(db, url):
    admin = make_user("admin")
    client = Client()
    client.force_login(admin)
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == response.status_code and body["errors"]


def test_a_wrong_method_answers_json_with_allow(db):
    response = Client().delete("/api/reviews")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("url", ["/api/reviews/import", "/api/codebooks/import"])
def test_anonymous_writes_answer_401_with_www_authenticate(db, url):
    response = Client(enforce_csrf_checks=True).post(url, {"file": io.BytesIO(b"x")})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.json()["status"] == 401


def test_wrong_credentials_answer_401(db):
    make_user("analyst")
    token = base64.b64encode(b"analyst:wrong").decode()
    response = Client().get("/api/reviews", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 401 and "WWW-Authenticate" in response


def test_extracted_for_a_missing_version_is_404(db):
    review = make_review("EXT-1")
    version = store_version(review=review, kind=term("document_kind", "overview_report"),
                            filename="r.txt", stream=io.BytesIO(b"A short report.\n")).version
    url = f"/api/documents/{version.document_id}/extracted"
    assert Client().get(url, {"version": 1}).status_code == 200
    missing = Client().get(url, {"version": 7})
    assert missing.status_code == 404 and missing.json()["ok"] is False


def test_tables_and_drilldowns_are_in_the_api_as_on_the_pages(db):
    for n in range(3):
        make_review(f"TAB-{n}")
    names = [t["name"] for t in Client().get("/api/tables").json()]
    assert "reviews_by_outcome" in names
    page = Client().get("/analysis/tables/reviews_by_outcome/", {"format": "json"}).json()
    api_table = Client().get("/api/tables/reviews_by_outcome").json()
    assert api_table["table"]["rows"] == page["data"]["table"]["rows"]
    assert api_table["suppressed_output"] is True  # the public sees suppressed figures
    drill = Client().get("/api/tables/reviews_by_outcome/drilldown", {"outcome": "death"})
    assert drill.status_code == 200
    # three reviews is a small number: the public is not given the list
    assert drill.json()["suppressed"] is True and drill.json()["reviews"] == []
    analyst = make_user("analyst")
    client = Client()
    client.force_login(analyst)
    seen = client.get("/api/tables/reviews_by_outcome/drilldown", {"outcome": "death"}).json()
    assert seen["count"] == 3 and len(seen["reviews"]) == 3
    assert Client().get("/api/tables/reviews_by_outcome", {"year": "1800"}).status_code == 422
    assert Client().get("/api/tables/no_such_table").status_code == 422


# -- /api/search says whether there are more results ---------------------------------------
@pytest.fixture
def five_passages(db, django_capture_on_commit_callbacks):
    """Five passages that contain the word 'zebrafish', in one processed document."""
    review = make_review("MORE-1")
    text = "Overview report\n\n" + "\n\n".join(
        f"Paragraph {n}: the zebrafish procedure number {n} was not followed." for n in range(5))
    with django_capture_on_commit_callbacks(execute=True):
        store_version(review=review, kind=term("document_kind", "overview_report"),
                      filename="report.txt", stream=io.BytesIO(text.encode()))
    client = Client()  # an analyst: sees text before its redaction has been reviewed
    client.force_login(make_user("analyst"))
    total = client.get("/api/search", {"q": "zebrafish", "mode": "keyword",
                                       "limit": 100}).json()["total"]
    assert total >= 2
    return total, client


def test_has_more_is_right_at_the_page_boundaries(five_passages):
    total, client = five_passages

    def page(limit: int, offset: int) -> dict:
        return client.get("/api/search", {"q": "zebrafish", "mode": "keyword",
                                            "limit": limit, "offset": offset}).json()

    exact = page(total, 0)
    assert len(exact["results"]) == total and exact["has_more"] is False
    assert exact["next"] is None
    short = page(total - 1, 0)
    assert short["has_more"] is True and "offset=" + str(total - 1) in short["next"]
    last = client.get(short["next"]).json()
    assert len(last["results"]) == 1 and last["has_more"] is False
    assert page(1, total - 1)["has_more"] is False
    assert page(1, total - 2)["has_more"] is True
    beyond = page(5, total)
    assert beyond["results"] == [] and beyond["has_more"] is False


@pytest.mark.parametrize("filters", [{"timeliness": "unknown"},
                                     {"theme": "no_such_code", "rec_agency": "police"}])
def test_every_table_with_filters_matching_nothing(db, filters):
    """A filter that matches no review (an empty id list) gives empty tables, on the page
    and in the API, not a server error."""
    from observatory.analysis.tables import REGISTRY

    make_review("EMPTY-1")
    for name in REGISTRY:
        assert Client().get(f"/api/tables/{name}", filters).status_code == 200, name
        page = Client().get(f"/analysis/tables/{name}/", {**filters, "format": "json"})
        assert page.status_code == 200, name
