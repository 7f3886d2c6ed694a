"""Every text derived from a document reaches roles that see it only redacted through the
same redaction, on every page, API route and export, and nothing of a version reaches them
before a person has decided its flags.

A flagged name is seeded into every document-derived field (passage text and section title,
section titles, the document's title as typed at upload, recommendation and finding
headings and texts, addressee, the drafted dataset's quote), in two reviews (so similar
passages have hits). Then every route the URL resolver knows (pages and the API, walked as
in test_pages.py, so a new route is scanned the day it is added) is fetched as HTML and
JSON, plus the exports, as the public, a practitioner and a researcher, and the name must
appear nowhere (inside .xlsx/.qdpx files too). Before the review, not even the unflagged
words of the text may appear."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from observatory.ingestion.models import (
    Extraction,
    Finding,
    Passage,
    Recommendation,
    Section,
)
from observatory.ingestion.redaction import add_flag

from ..conftest import OTHER_AREA, make_review, review_redaction
from ..test_pages import ROUTES, SKIPPED_NAMESPACES, _delphi_study

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_vector_index():
    """Each test's transaction is rolled back and row ids are reused: the in-memory vector
    index must not keep another test's passages."""
    from observatory.semantic.retriever import reset

    reset()
    yield
    reset()

NAME = "Zebulon Quarrington"
FORBIDDEN_NAME = ("Zebulon", "Quarrington")
UNIQUE = "aardwolf"  # an unflagged word of the text: hidden too before the review
TEXT = (f"Overview report\n\n1. Contact with the okapi family\n\n1.1 {NAME} was seen by the health "
        f"visitor at home, and the {UNIQUE} panel met the school nurse.\n\n"
        f"1.2 The health visitor made an assessment of the home with {NAME}.\n")
ROLES = ("public", "practitioner", "researcher")
# Queries sent to the routes that take one; none contains the forbidden words, so a page
# that repeats its query cannot trip the check.
QUERY = {"q": "health visitor assessment"}
# The original file as uploaded (a published report as its partnership published it) is
# served as it is; the rule covers the text the product derives from a document.
ORIGINAL_FILES = {"document-download": "the uploaded file itself",
                  "api:download_document": "the uploaded file itself"}
POST_ONLY = {"logout", "codebook-import", "delphi-rule", "delphi-section-add",
             "delphi-statement-add", "delphi-round-next", "delphi-round-action",
             "delphi-revoke", "api:import_reviews", "api:upload_document",
             "api:import_codebook"}
EXPORTS = [("coding-export", {"format": "json"}), ("coding-export", {"format": "csv"}),
           ("coding-export", {"format": "xlsx"}), ("coding-export", {"format": "qdpx"}),
           ("api:export_reviews", {}), ("search", {**QUERY, "mode": "keyword"}),
           ("search", {**QUERY, "mode": "hybrid"}), ("api:search_passages", QUERY),
           ("analysis-drilldown", {"field": "outcome"})]


def _seed(version, tag: str) -> None:
    """The name into every document-derived field of ``version``."""
    kw = {"version": version, "page": 1, "start": 0, "end": 10, "producer": "test"}
    Passage.objects.filter(version=version).update(section_title=f"Contact with {NAME}")
    Section.objects.create(index=900, title=f"Meeting {NAME}", kind="", **kw)
    Recommendation.objects.create(
        index=900, review=version.document.review, number="9", heading=f"Support for {NAME}",
        text=f"Agencies should support {NAME}.", addressee_text=f"{NAME}'s school",
        confidence=0.9, **kw)
    Finding.objects.create(index=900, number="9", heading=f"Finding about {NAME}",
                           text=f"{NAME} was not seen.", kind="finding", confidence=0.9, **kw)
    Extraction.objects.create(review=version.document.review, version=version,
                              field="child_sex", key=f"child_sex-{tag}", value="female",
                              machine_value="female", confidence=0.5, page=1, start=0, end=10,
                              quote=f"{NAME} is a girl")


@pytest.fixture
def corpus(upload, users, settings):
    settings.OBSERVATORY_EMBED_ON_INGEST = True
    versions = []
    for ref, area in (("SCAN-1", None), ("SCAN-2", OTHER_AREA)):
        review = make_review(ref, **({"area": area} if area else {}))
        # The title a person typed at upload names the child too (issue 12's last finding).
        version, job = upload(review, "overview_report", TEXT.encode(), filename="report.txt",
                              reviewed=False, title=f"Overview report on {NAME}")
        assert job.status == "done", job.message
        _seed(version, ref)
        add_flag(version, users["analyst"], kind="person_name", text=NAME)
        versions.append(version)
    return {"users": users, "versions": versions, "delphi": _delphi_study()}


NOBODY_UUID = "00000000-0000-0000-0000-000000000000"


def _urls(corpus) -> list[tuple[str, str]]:
    version = corpus["versions"][0]
    document = version.document
    passage = Passage.objects.filter(version=version, text__contains="health").first()
    values = {"reference": document.review.reference, "key": "recommendation_themes",
              "name": "reviews_by_year", "year": 2015, "slug": "page-test",
              "stage": "during", "entry_id": 1, **corpus["delphi"]}
    urls = []
    for name, route in ROUTES:
        if name.split(":")[0] in SKIPPED_NAMESPACES or name in POST_ONLY or \
                name in ORIGINAL_FILES:
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        # Ids of objects this fixture does not make (a grant, an action, a job) point at
        # nothing: those routes answer 404 and are still scanned.
        kwargs = {p: (passage.pk if "similar" in name else document.pk) if p == "pk"
                  else values.get(p, NOBODY_UUID if p == "job" else 1) for p in params}
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def _bodies(response) -> list[str]:
    content = response.content if not getattr(response, "streaming", False) else \
        b"".join(response.streaming_content)
    if content[:2] == b"PK":  # .xlsx, .qdpx: every file inside
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    return [content.decode("utf-8", "replace")]


def _scan(corpus, role: str, forbidden: tuple[str, ...]) -> dict[str, int]:
    client = Client()
    if role != "public":
        client.force_login(corpus["users"][role])
    statuses: dict[str, int] = {}
    requests = [(n, u, {}) for n, u in _urls(corpus)]
    requests += [(n, u, {"format": "json"}) for n, u in _urls(corpus)
                 if not n.startswith("api:")]
    requests += [(n, reverse(n), q) for n, q in EXPORTS]
    for _name, url, query in requests:
        response = client.get(url, query)
        assert response.status_code < 500, f"{role} GET {url} {query}: {response.status_code}"
        statuses[f"{url}?{query}"] = response.status_code
        for body in _bodies(response):
            for word in forbidden:
                assert word not in body, f"{role} GET {url} {query} shows {word!r}"
    return statuses


@pytest.mark.parametrize("role", ROLES)
def test_no_route_shows_a_flagged_name_to_redacted_roles(corpus, role):
    for version in corpus["versions"]:
        review_redaction(version)
    statuses = _scan(corpus, role, FORBIDDEN_NAME)
    assert len(statuses) > 80  # the walk found the routes
    # Not vacuous: the redacted text is shown, with its marker, headings included.
    client = Client()
    if role != "public":
        client.force_login(corpus["users"][role])
    document = corpus["versions"][0].document_id
    page = client.get(f"/documents/{document}/text/", {"page": 1}).content.decode()
    assert UNIQUE in page and "[REDACTED: name]" in page
    found = client.get("/api/search", {"q": "assessment"}).json()
    assert found["total"] >= 1
    assert any("[REDACTED: name]" in (h["section_title"] or "") for h in found["results"])
    extracted = client.get(f"/api/documents/{document}/extracted").json()
    assert any(r["heading"] == "Support for [REDACTED: name]"
               for r in extracted["recommendations"])


@pytest.mark.parametrize("role", ROLES)
def test_no_route_shows_anything_of_an_unreviewed_version(corpus, role):
    _scan(corpus, role, (*FORBIDDEN_NAME, UNIQUE, "okapi"))


def test_the_people_who_decide_see_the_name(corpus):
    """The analyst (who may change the review) sees the unredacted text: the scan's check
    would catch the name where it is shown."""
    client = Client()
    client.force_login(corpus["users"]["analyst"])
    document = corpus["versions"][0].document_id
    assert NAME in client.get(f"/documents/{document}/text/", {"page": 1}).content.decode()
    assert NAME in client.get("/api/search", {"q": "assessment"}).content.decode()
