"""Every page of the project, in HTML and as JSON; the OpenAPI document and docs; the API
import; the error pages.

The list of pages is not written out: it is walked from the URL resolver, so a new page is
checked as soon as it is added. Anything a page is excused from is listed below with why.
"""

from __future__ import annotations

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from observatory.repository.models import Review
from observatory_core.tabular import record_to_row, write_csv

from .conftest import OTHER_AREA, OWN_AREA, PASSWORD, add_document, make_review

ALTERNATE = '<link rel="alternate" type="application/json"'


def _walk(resolver, route: str = "", namespace: str | None = None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, route + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, route + str(entry.pattern)


ROUTES = sorted(set(_walk(get_resolver())))
# Named routes not checked here, by namespace, with the reason.
SKIPPED_NAMESPACES = {
    "admin": "Django's own admin site, for administrators only; its access is checked in "
             "test_permission_matrix",
}
PAGES = [(n, r) for n, r in ROUTES if n.split(":")[0] not in SKIPPED_NAMESPACES and ":" not in n]
API_ROUTES = [(n, r) for n, r in ROUTES if n.startswith("api:")]

# The page is checked as another user than the analyst, because policy refuses analysts.
PAGE_USER = {
    "audit-list": ("steering", "the audit log is for the steering group and administrators"),
    "review-delete": ("admin", "only administrators may delete reviews"),
    "document-delete": ("admin", "only administrators may delete documents"),
    "delphi-create": ("steering", "the steering group and administrators run Delphi studies"),
    "delphi-import": ("steering", "the steering group and administrators run Delphi studies"),
    "delphi-participants": ("steering", "personal links are for the organisers only"),
    "delphi-statement-edit": ("steering", "the steering group and administrators run studies"),
    "register-import": ("admin", "analysts read action plans; partnerships and "
                        "administrators change them"),
    "quality-dialogue": ("partnership_own", "a review's dialogue is its partnership's only"),
    "quality-timeline": ("partnership_own", "a review's dialogue is its partnership's only"),
    "quality-stage": ("partnership_own", "a review's dialogue is its partnership's only"),
    "quality-summary": ("partnership_own", "a review's dialogue is its partnership's only"),
    "research-apply": ("researcher", "researchers apply for research access"),
    "research-application": ("steering", "the steering group handles applications"),
    "research-evidence": ("steering", "ethics evidence is for the steering group"),
    "research-grant": ("steering", "a grant is its holders' and the steering group's"),
    "research-output": ("steering", "output checking is the steering group's"),
    "research-output-download": ("steering", "a checked table, for the steering group"),
    "service-status": ("admin", "the background work page is for administrators only"),
}
# Pages that are not a GET returning 200, with the status they must give instead.
NOT_200 = {
    "logout": (405, "Django 5's LogoutView signs out on POST only"),
    "passage-similar": (404, "its pk is a passage's; the fixture documents have no text "
                        "(tested in tests/apps/ingestion/test_semantic_search.py)"),
    "codebook-import": (405, "POST only: imports a codebook file"),
    "delphi-rule": (405, "POST only: changes a study's consensus rule"),
    "delphi-section-add": (405, "POST only: adds a section"),
    "delphi-statement-add": (405, "POST only: adds a statement"),
    "delphi-round-next": (405, "POST only: prepares the next round"),
    "delphi-round-action": (405, "POST only: opens or closes a round"),
    "delphi-revoke": (405, "POST only: revokes a personal link"),
    "document-current": (405, "POST only: chooses the version that counts (tested in "
                         "tests/apps/analysis/test_current_versions_and_counting.py)"),
    "document-redacted-file": (404, "its copy is a redacted copy's id; the fixture document "
                               "has none (tested in tests/apps/test_publication.py)"),
    "document-recommendations-role": (405, "POST only: says what a document's "
                                      "recommendations are (tested there too)"),
    "register-plan": (405, "POST only: sets the plan's start date"),
    "register-confirm": (405, "POST only: confirms a recommendation"),
    "register-new": (405, "POST only: types a recommendation in"),
    "register-merge": (405, "POST only: merges recommendations"),
    "register-correct": (405, "POST only: corrects a recommendation"),
    "register-split": (405, "POST only: splits a recommendation"),
    "register-appraise": (405, "POST only: saves an appraisal"),
    "register-action-add": (405, "POST only: adds an action"),
    "register-action-edit": (405, "POST only: changes an action"),
    "register-action-status": (405, "POST only: changes an action's status"),
    "register-action-update": (405, "POST only: adds a progress update"),
    "register-action-evidence": (405, "POST only: adds evidence"),
    "quality-participants": (405, "POST only: adds a participant (tests/apps/test_quality.py)"),
    "quality-comment": (405, "POST only: a chair's comment (tests/apps/test_quality.py)"),
    "quality-evidence": (405, "POST only: links evidence (tests/apps/test_quality.py)"),
    "quality-next-step": (405, "POST only: adds a next step (tests/apps/test_quality.py)"),
    "quality-summary": (404, "the fixture's format is csv; the board summary is PDF, DOCX "
                        "or JSON (tests/apps/test_quality.py)"),
    "learning-draft": (405, "POST only: drafts a briefing"),
    "learning-approve": (405, "POST only: approves a briefing"),
    "learning-withdraw": (405, "POST only: withdraws a briefing"),
    "learning-publish-finding": (405, "POST only: publishes a finding"),
    "learning-withdraw-finding": (405, "POST only: withdraws a finding"),
    "research-approve": (405, "POST only: approves an application"),
    "research-comment": (405, "POST only: comments on an application"),
    "research-refuse": (405, "POST only: refuses an application"),
    "research-return": (405, "POST only: returns an application for changes"),
    "research-revoke": (405, "POST only: revokes a grant"),
    "research-output-upload": (405, "POST only: uploads a results table"),
    "research-output-exception": (405, "POST only: asks for an exception"),
    "research-output-release": (405, "POST only: releases a table"),
    "research-output-withhold": (405, "POST only: withholds a table"),
    "service-job-retry": (405, "POST only: retries a failed job"),
    "service-job-cancel": (405, "POST only: cancels a job"),
    "learning-briefing": (404, "no briefing is published in this fixture (the published "
                          "ones: tests/apps/learning/test_learning.py, tests/apps/route_world.py)"),
    "learning-briefing-pdf": (404, "the same: tests/apps/learning/test_learning.py"),
    "learning-manage-briefing": (404, "the same: tests/apps/learning/test_learning.py"),
    "learning-finding": (404, "its pk is a published finding's; none in this fixture "
                         "(tests/apps/learning/test_learning.py)"),
    "learning-topic": (404, "its key is a topic of the learning codebook, not this fixture's "
                       "codebook key (tests/apps/learning/test_learning.py)"),
    "learning-topic-feed-briefings": (404, "the same topic key (test_learning.py)"),
    "learning-topic-feed-findings": (404, "the same topic key (test_learning.py)"),
    "research-resubmit": (404, "the fixture's application is approved; only one returned for "
                          "changes may be changed (tests/apps/test_research.py)"),
    "research-evidence": (404, "the fixture's application was made without an evidence file "
                          "(tests/apps/test_research.py)"),
    "research-output-download": (403, "nothing leaves before a person records a release "
                                 "(tests/apps/test_research.py)"),
    "research-extract": (403, "a signed, per-grant link; this fixture's token is not one "
                         "(tests/apps/test_research.py)"),
}
# Pages without a JSON form (no data object to show), each with the reason.
NO_JSON = {
    "login": "Django's sign-in form",
    "logout": "POST only",
    "review-create": "a form whose POST creates a review",
    "review-edit": "a form whose POST changes a review",
    "review-upload": "a form whose POST uploads a document",
    "review-delete": "a confirmation form whose POST deletes",
    "document-delete": "a confirmation form whose POST deletes",
    "document-new-version": "a form whose POST uploads a version",
    "document-download": "a file download, not a page",
    "document-redacted-file": "a redacted copy's PDF, not a page",
    "codebook-export": "a codebook file download (TOML/CSV/.qdc), not a page",
    "coding-export": "a coded-segments file download (CSV/XLSX/.qdpx), not a page",
    "delphi-create": "a form whose POST creates a study",
    "delphi-import": "a form whose POST imports published results",
    "delphi-statement-edit": "a form whose POST revises or drops a statement",
    "delphi-export": "a CSV/XLSX download, not a page",
    "register-export": "an action plan CSV/XLSX download, not a page",
    "quality-summary": "a PDF/DOCX/JSON download, not a page",
    "healthz": "a liveness answer for load balancers (tests/apps/test_operations.py)",
    "readyz": "a readiness answer for load balancers (tests/apps/test_operations.py)",
    "metrics": "Prometheus text format (tests/apps/test_operations.py)",
    "learning-feed-briefings": "an Atom feed (tests/apps/learning/test_learning.py)",
    "learning-feed-findings": "an Atom feed (tests/apps/learning/test_learning.py)",
    "research-output-download": "a results table download, not a page",
    "research-evidence": "an ethics evidence file download, not a page",
}
# API routes that do not answer GET with 200 JSON.
API_NOT_JSON = {
    "api:openapi-view": "the Swagger UI page (HTML), checked in test_api_docs_*",
    "api:download_document": "a file download",
    "api:export_reviews": "a CSV download",
    "api:download_codebook": "a codebook file download (TOML/CSV/.qdc)",
}
API_POST_ONLY = {
    "api:import_reviews": "POST a file; checked in test_api_import_*",
    "api:upload_document": "POST a file",
    "api:import_codebook": "POST a file; checked in tests/apps/coding/test_import_export.py",
}
API_USER = {"api:list_audit": "steering"}
API_STATUS = {
    "api:api-root": (404, "django-ninja's root redirects to /api/docs only when DEBUG is on"),
    "api:passage_similar": (404, "needs a passage (tested in test_semantic_search.py)"),
}


def test_routes_found():
    names = {n for n, _ in ROUTES}
    assert {"home", "review-list", "review-detail", "document-detail", "api:list_reviews"} <= names
    for name, _ in PAGES:
        assert name in {n for n, _ in ROUTES}
    # Every excuse must name a real route, so stale ones are noticed.
    for table in (PAGE_USER, NOT_200, NO_JSON, API_NOT_JSON, API_POST_ONLY, API_USER,
                  API_STATUS):
        assert set(table) <= names, set(table) - names


@pytest.fixture
def site(users):
    published = make_review("PAGE-PUB")
    unpublished = make_review("PAGE-UNPUB", published=False)
    other = make_review("PAGE-OTHER", area=OTHER_AREA, published=False)
    docs = {
        "public": add_document(published, "overview_report"),
        "confidential": add_document(published, "imr", b"%PDF-1.4\n%imr\n", "imr.pdf"),
        "unpublished": add_document(unpublished, "executive_summary"),
    }
    from observatory.analysis.models import SavedAnalysis

    SavedAnalysis.objects.create(slug="page-test", name="Page test", filters={"year": "2015"})
    from observatory.quality.services import save_entry, start_dialogue

    dialogue = start_dialogue(published, users["partnership_own"], "board_manager")
    quality_entry = save_entry(dialogue, dialogue.participants.get(), "start", 1, answers={},
                       where_we_are="On track", helped="", found_hard=False)
    return {"users": users, "published": published, "unpublished": unpublished,
            "other": other, "docs": docs, "delphi": _delphi_study(),
            "register": _register(published, users["analyst"]),
            "quality": {"stage": "start", "quality_entry_id": quality_entry.pk},
            "research": _research(users), "job": _failed_job()}


def _research(users) -> dict:
    """A grant held by the researcher, decided by the steering group, with a results table."""
    from observatory.research.outputs import upload

    from .research_support import make_grant

    grant = make_grant(users["researcher"], users["steering"], areas=[OWN_AREA],
                       years=(2014, 2016))
    output = upload(grant, users["researcher"], "Table", "t.csv", b"area,n\nNorth,12\n")
    return {"application_id": grant.application_id, "grant_id": grant.pk,
            "output_id": output.pk}


def _failed_job() -> str:
    from .route_world import _failed_job as failed

    return str(failed().pk)


def _register(review, user) -> dict:
    from datetime import date

    from observatory.notifications.mail import token_for
    from observatory.register import services

    from .conftest import term

    entry = services.type_in(review, number="1", text="The board should audit 20 files.",
                             user=None)
    services.start_plan(review, date(2026, 1, 1))
    action = services.add_action(entry, None, description="Audit",
                                 lead_agency=term("agency", "police"),
                                 lead_role="Detective inspector", priority="low")
    return {"entry_id": entry.pk, "action_id": action.pk,
            "signed": token_for(user, "weekly_digest")}


def _delphi_study() -> dict:
    from observatory.consultation import services

    study = services.create_study("Page test study")
    section = services.add_section(study, "Section")
    version = services.add_statement(study, section, "A statement")
    services.open_round(study.rounds.get())
    invitation = services.invite(study)[0]
    return {"study_id": study.pk, "version_id": version.pk, "number": 1, "action": "open",
            "participant_id": invitation.participant.pk, "fmt": "csv",
            "token": invitation.token}


def _url(name: str, route: str, site) -> str:
    values = {"reference": site["published"].reference, "pk": site["docs"]["public"].pk,
              "key": "recommendation_themes",
              "name": "reviews_by_year", "year": 2015, "slug": "page-test", "copy": 1,
              **site["delphi"], **site["register"], **site["research"], "stage": "start",
              "job": site["job"]}
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    missing = [p for p in params if p not in values]
    assert not missing, f"{name}: no fixture value for path parameter(s) {missing}; add one"
    return reverse(name, kwargs={p: values[p] for p in params})


def _client(site, username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(site["users"][username])
    return client


@pytest.mark.parametrize(("name", "route"), PAGES, ids=[n for n, _ in PAGES])
def test_every_page_html_and_json(site, name, route):
    url = _url(name, route, site)
    client = _client(site, PAGE_USER.get(name, ("analyst",))[0])
    response = client.get(url)
    want = NOT_200.get(name, (200,))[0]
    assert response.status_code == want, f"GET {url} gave {response.status_code}"
    if want != 200 or name in NO_JSON:
        return
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert ALTERNATE in html, f"{url} has no <link rel=alternate> to its JSON"
    json_href = re.search(ALTERNATE + r' href="([^"]+)"', html).group(1)
    assert "format=json" in json_href

    for variant in ({"format": "json"}, None):
        headers = {} if variant else {"HTTP_ACCEPT": "application/json"}
        answer = client.get(url, variant or {}, **headers)
        assert answer.status_code == 200, f"{url} as JSON gave {answer.status_code}"
        assert answer["Content-Type"].startswith("application/json")
        body = answer.json()
        assert body["ok"] is True
        assert isinstance(body["data"], dict)
        assert isinstance(body["links"], dict)


@pytest.mark.parametrize(("name", "route"), API_ROUTES, ids=[n for n, _ in API_ROUTES])
def test_every_api_route(site, name, route):
    url = _url(name, route, site)
    client = _client(site, API_USER.get(name, "analyst"))
    response = client.get(url)
    if name in API_POST_ONLY:
        assert response.status_code == 405
        return
    if name in API_STATUS:
        assert response.status_code == API_STATUS[name][0]
        return
    assert response.status_code == 200, f"GET {url} gave {response.status_code}"
    if name not in API_NOT_JSON:
        assert response["Content-Type"].startswith("application/json")
        response.json()


# -- the JSON never shows more than the page ------------------------------------------------
def _html_refs(html: str) -> set[str]:
    return set(re.findall(r'href="/reviews/([^/"?]+)/"', html)) - {"new"}


def _html_docs(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/documents/(\d+)/', html)}


@pytest.mark.parametrize("role", ["practitioner", None])
def test_review_list_json_not_more_than_html(site, role):
    client = _client(site, role)
    html = client.get("/reviews/").content.decode()
    data = client.get("/reviews/", {"format": "json"}).json()["data"]
    json_refs = {r["reference"] for r in data["reviews"]}
    assert json_refs <= _html_refs(html), json_refs - _html_refs(html)
    assert data["count"] == len(json_refs)
    assert "PAGE-PUB" in json_refs
    for hidden in ("PAGE-UNPUB", "PAGE-OTHER"):
        assert hidden not in json_refs and hidden not in html


@pytest.mark.parametrize("role", ["practitioner", None])
def test_review_detail_json_not_more_than_html(site, role):
    client = _client(site, role)
    url = "/reviews/PAGE-PUB/"
    html = client.get(url).content.decode()
    data = client.get(url, {"format": "json"}).json()["data"]
    json_docs = {d["id"] for d in data["documents"]}
    assert json_docs <= _html_docs(html), json_docs - _html_docs(html)
    assert json_docs == {site["docs"]["public"].pk}
    confidential = site["docs"]["confidential"]
    assert confidential.pk not in _html_docs(html)
    assert "imr.pdf" not in html and "imr.pdf" not in str(data)
    # An unpublished review is missing for them in both forms.
    assert client.get("/reviews/PAGE-UNPUB/").status_code == 404
    assert client.get("/reviews/PAGE-UNPUB/", {"format": "json"}).status_code == 404


# -- OpenAPI and its docs -------------------------------------------------------------------
def test_openapi_document():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]
    paths = schema["paths"]
    for path in ("/api/reviews", "/api/documents/{pk}", "/api/reviews/export",
                 "/api/reviews/import"):
        assert path in paths, f"{path} missing from OpenAPI paths {sorted(paths)}"
    assert "post" in paths["/api/reviews/import"]
    assert "get" in paths["/api/reviews"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("responses"), f"{method.upper()} {path} documents no responses"
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


def test_api_docs_render_with_local_assets():
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    for host in ("cdn", "unpkg", "jsdelivr", "cloudflare"):
        assert host not in html.lower(), f"/api/docs loads assets from an external host ({host})"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), f"/api/docs loads {asset} from elsewhere"
        served = Client().get(asset)
        assert served.status_code == 200, f"{asset} is not served ({served.status_code})"


# -- API import -----------------------------------------------------------------------------
def _csv(*records: dict) -> bytes:
    base = {"title": "Child (API test)", "local_authority": OWN_AREA, "review_type": "scr",
            "outcome": "death", "incident_date": "2017-05-01", "child_age_months": 30}
    return write_csv(record_to_row({**base, **r}) for r in records)


def _basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def _upload(client: Client, body: bytes, name: str = "reviews.csv", **headers):
    return client.post("/api/reviews/import",
                       {"file": SimpleUploadedFile(name, body, content_type="text/csv")},
                       **headers)


def test_api_import_bad_file_reports_rows_and_writes_nothing(users):
    body = _csv({"reference": "API-1"},
                {"reference": "API-2", "local_authority": "Atlantis"},
                {"reference": "API-3", "outcome": "nope", "incident_date": "yesterday"})
    before = Review.objects.count()
    response = _upload(Client(), body, "bad.csv", **_basic("analyst"))
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["ok"] is False
    assert report["created"] == report["updated"] == report["unchanged"] == []
    problems = {(p["file"], p["row"], p["field"]) for p in report["problems"]}
    assert problems == {("bad.csv", 3, "local_authority"), ("bad.csv", 4, "outcome"),
                        ("bad.csv", 4, "incident_date")}
    assert all(p["reason"] for p in report["problems"])
    assert Review.objects.count() == before


@pytest.mark.parametrize("how", ["basic", "session"])
def test_api_import_good_file(users, how):
    body = _csv({"reference": "API-10"}, {"reference": "API-11", "local_authority": OTHER_AREA})
    client, headers = Client(), {}
    if how == "basic":
        headers = _basic("analyst")
    else:
        client.force_login(users["analyst"])
    response = _upload(client, body, **headers)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["ok"] is True
    assert sorted(report["created"]) == ["API-10", "API-11"]
    assert report["problems"] == []
    assert Review.objects.get(reference="API-11").local_authority.gss_code == OTHER_AREA
    again = _upload(client, body, **headers).json()
    assert again["created"] == [] and sorted(again["unchanged"]) == ["API-10", "API-11"]


def test_api_import_partnership_own_area_only(users):
    body = _csv({"reference": "API-20"}, {"reference": "API-21", "local_authority": OTHER_AREA})
    report = _upload(Client(), body, **_basic("partnership_own")).json()
    assert report["ok"] is False
    assert [(p["row"], p["field"]) for p in report["problems"]] == [(3, "local_authority")]
    assert not Review.objects.filter(reference__in=["API-20", "API-21"]).exists()


def test_api_import_partnership_cannot_take_over_another_areas_review(site):
    victim = site["other"]  # unpublished, in OTHER_AREA: partnership_own cannot even see it
    body = _csv({"reference": victim.reference, "title": "Taken over"})
    report = _upload(Client(), body, **_basic("partnership_own")).json()
    victim.refresh_from_db()
    assert victim.title != "Taken over"
    assert victim.local_authority.gss_code == OTHER_AREA
    assert report["ok"] is False


def test_api_import_anonymous_refused(db):
    before = Review.objects.count()
    response = _upload(Client(), _csv({"reference": "API-30"}))
    assert response.status_code in (401, 403)
    wrong = _upload(Client(), _csv({"reference": "API-30"}),
                    HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"analyst:wrong").decode())
    assert wrong.status_code in (401, 403)
    assert Review.objects.count() == before


def test_api_import_role_without_create_refused(users):
    before = Review.objects.count()
    response = _upload(Client(), _csv({"reference": "API-40"}), **_basic("practitioner"))
    assert response.status_code == 403
    assert Review.objects.count() == before


# -- error pages ----------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/no-such-page/", "/reviews/NO-SUCH-REVIEW/"])
def test_not_found_html_is_govuk_error_page(db, url):
    response = Client().get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'class="govuk-template"' in html
    assert "govuk-frontend" in html  # the GOV.UK Frontend stylesheet
    assert re.search(r'<h1 class="govuk-heading-\w+">Page not found</h1>', html)


@pytest.mark.parametrize("url", ["/no-such-page/", "/reviews/NO-SUCH-REVIEW/"])
@pytest.mark.parametrize("how", ["accept", "format"])
def test_not_found_json_envelope(db, url, how):
    if how == "accept":
        response = Client().get(url, HTTP_ACCEPT="application/json")
    else:
        response = Client().get(url, {"format": "json"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False
    assert isinstance(body["errors"], list) and body["errors"]
    assert all(isinstance(e, str) and e for e in body["errors"])
