"""Fixtures for the coding app: a processed plain-text report with numbered
recommendations, and coders."""

from __future__ import annotations

import io

import pytest

from observatory.ingestion.models import Recommendation
from observatory.repository.services import store_version

from ..conftest import PASSWORD, make_review, term  # noqa: F401

REPORT = """Serious Case Review: Child T

Overview report

Introduction

This review looks at how agencies worked with Child T and the family during 2014.

Recommendations

1. The LSCB should ensure that all staff receive training on recognising neglect.

2. Children's social care should improve the quality of recording in case files.

3. The police should share information with health visitors promptly.

4. The hospital trust should audit the referral process for injured babies.
"""


@pytest.fixture
def coded_document(db, django_capture_on_commit_callbacks):
    review = make_review("CODE-1")
    with django_capture_on_commit_callbacks(execute=True):
        version = store_version(review=review, kind=term("document_kind", "overview_report"),
                                filename="report.txt",
                                stream=io.BytesIO(REPORT.encode())).version
    assert Recommendation.objects.filter(version=version).count() == 4
    return version.document
