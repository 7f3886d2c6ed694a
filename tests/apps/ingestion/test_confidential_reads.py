"""Every read of confidential text leaves its audited event, on every route.

The routes are not listed here: every URL pattern is found by walking Django's resolver
(which includes every API route; the API's OpenAPI paths are checked to be among them), so a
route added tomorrow is requested by this test too. An analyst (who may read IMRs
unredacted) requests each with the IMR's ids and with query strings that make searches,
drill-downs and exports return text; whenever a response (a zip's members included)
carries the IMR's words, a confidential "view" event naming the IMR must have been written
by that request.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from observatory.api import api
from observatory.audit.models import AuditEvent
from observatory.coding.models import CodedSegment
from observatory.coding.services import ensure_codebooks
from observatory.ingestion.models import Passage
from observatory.semantic.retriever import reset

from ..conftest import OTHER_AREA, make_review, make_user

MARK = "quokkahill"  # only in the IMR; never typed in a query, so never echoed back
WORD = "zebrafinch"  # what the searches ask for
IMR = (f"Recommendations\n\n1. The police should tell the health visitor about every "
       f"domestic abuse incident; the {WORD} log at {MARK} was never shared.")
REPORT = ("Recommendations\n\n1. The police should tell the health visitor about every "
          "domestic abuse incident they attend.")
SKIP = {"accounts/logout/"}  # would sign the analyst out for the rest of the walk
pytestmark = pytest.mark.django_db


def routes() -> list[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)
    return [r for r in walk(get_resolver().url_patterns)
            if not r.startswith("admin/") and r not in SKIP]


def test_the_walk_finds_every_api_route():
    walked = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r) for r in routes()}
    paths = {p.lstrip("/") for p in api.get_openapi_schema()["paths"]}
    assert paths and paths <= walked, paths - walked


def _bodies(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if zipfile.is_zipfile(io.BytesIO(content)):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    return [content.decode("utf-8", "replace")]


@pytest.fixture
def world(upload, settings):
    settings.OBSERVATORY_EMBED_ON_INGEST = True
    reset()
    source_review = make_review("READ-A")
    imr_review = make_review("READ-B", area=OTHER_AREA)
    version, _ = upload(source_review, "overview_report", REPORT.encode(), "a.txt")
    imr_version, _ = upload(imr_review, "imr", IMR.encode(), "imr.txt")
    analyst = make_user("analyst")
    ensure_codebooks()
    from observatory.coding.models import Codebook

    book = Codebook.objects.get(key="recommendation_themes")
    code = book.codes.order_by("position").first()
    imr_passage = Passage.objects.filter(version=imr_version, text__contains=MARK).first()
    assert imr_passage is not None
    CodedSegment.objects.create(
        codebook=book, codebook_version=book.version, code=code, review=imr_review,
        version=imr_version, target="passage", passage=imr_passage, text=imr_passage.text,
        start=imr_passage.start, end=imr_passage.end, page=1, coder=analyst,
        confidential=True)
    yield {"imr": imr_version.document, "imr_passage": imr_passage,
           "source_passage": Passage.objects.filter(version=version).last(),
           "review": imr_review, "book": book, "code": code, "analyst": analyst}
    reset()


def _urls(route: str, w: dict) -> list[str]:
    values = {"pk": [w["imr"].pk, w["source_passage"].pk, w["imr_passage"].pk],
              "reference": [w["review"].reference], "key": [w["book"].key],
              "slug": ["x"], "name": ["recommendations_by_agency"], "year": [2016]}
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    choices = [values.get(n, [1]) for n in names]
    out = []
    for combo in itertools.product(*choices):
        path = route
        for name, value in zip(names, combo, strict=True):
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path, count=1)
        out.append("/" + path)
    return out


def test_every_route_that_returns_confidential_text_audits_the_read(world):
    client = Client()
    client.force_login(world["analyst"])
    book, code, imr = world["book"].key, world["code"].key, world["imr"]
    # One query string carries every kind of request at once (each page reads the
    # parameters it knows): a search, an export of the codebook, a drill-down by theme.
    every = f"q={WORD}&codebook={book}&table=themes_by_reviews&theme={code}"
    queries = ["", f"{every}&format=json", f"{every}&format=csv", f"{every}&format=xlsx",
               f"{every}&format=qdpx", f"{every}&mode=keyword",
               "table=recommendations_by_agency&format=json"]
    leaked, missing = set(), []
    for route in routes():
        for url in _urls(route, world):
            for query in queries:
                full = f"{url}?{query}" if query else url
                before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
                response = client.get(full)
                if response.status_code != 200 or not any(MARK in body
                                                           for body in _bodies(response)):
                    continue
                leaked.add(route)
                if not AuditEvent.objects.filter(
                        pk__gt=before or 0, confidential=True, allowed=True, action__in=(
                            "view", "download"), object_kind="confidential_document",
                        object_id=str(imr.pk), user=world["analyst"]).exists():
                    missing.append(full)
    assert not missing, sorted({m.split("?")[0] for m in missing})
    # The walk reached the reads the finding named (so the test cannot pass by reading
    # nothing): searches, similar passages, coding exports, drill-downs, the text itself.
    assert {"search/", "api/search", "passages/<int:pk>/similar/", "api/passages/<pk>/similar",
            "coding/export/", "analysis/drilldown/", "documents/<int:pk>/text/"} <= leaked, leaked
