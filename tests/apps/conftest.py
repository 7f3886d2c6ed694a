"""Database fixtures: reference data loaded once, users for every role, sample reviews."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from observatory.accounts.services import create_user
from observatory.repository.models import Review
from observatory.repository.services import store_version
from observatory.vocabularies.models import LocalAuthority, Term
from observatory.vocabularies.sync import sync_reference_data

from ..django_support import (
    check_expected_database,
    force_login_with_second_factor,
    isolated_storage,
)

PASSWORD = "correct-horse-battery-staple"
OWN_AREA = "E08000025"  # Birmingham
OTHER_AREA = "E06000023"  # Bristol
ROLE_USERS = ["practitioner", "partnership_own", "partnership_other", "analyst", "researcher",
              "steering", "admin"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Migrate once, then load the shipped controlled lists and areas once per session."""
    with django_db_blocker.unblock():
        sync_reference_data()
    check_expected_database()


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Each test stores documents in its own folders."""
    yield from isolated_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _second_factor_on_force_login(monkeypatch):
    """Tests that sign in with ``force_login`` are past the two-factor page too."""
    force_login_with_second_factor(monkeypatch)


def term(key: str, code: str) -> Term:
    return Term.objects.get(vocabulary__key=key, code=code)


def make_user(name: str):
    role = name.split("_")[0]
    area = {"partnership_own": OWN_AREA, "partnership_other": OTHER_AREA}.get(name)
    return create_user(name, PASSWORD, role, area=area)


@pytest.fixture
def users(db):
    return {name: make_user(name) for name in ROLE_USERS}


def make_review(reference: str, *, area: str = OWN_AREA, published: bool = True,
                **extra) -> Review:
    review = Review.objects.create(
        reference=reference,
        title=f"Child {reference[-1]} (test)",
        local_authority=LocalAuthority.objects.get(gss_code=area),
        review_type=term("review_type", "scr"),
        outcome=term("outcome", "death"),
        incident_date=date(2015, 1, 10),
        decision_date=date(2015, 2, 1),
        completion_date=date(2015, 11, 1),
        publication_date=date(2016, 1, 1) if published else None,
        child_age_months=5,
        **extra,
    )
    return review


def add_document(review: Review, kind: str, content: bytes = b"%PDF-1.4\n%test\n%%EOF\n",
                 filename: str = "report.pdf"):
    return store_version(review=review, kind=term("document_kind", kind), filename=filename,
                         stream=io.BytesIO(content)).version.document


@pytest.fixture
def future() -> date:
    return date.today() + timedelta(days=30)


def review_redaction(version, user=None, *, reject: tuple[str, ...] = ()) -> None:
    """A person decides every still-suggested personal-data flag of ``version`` (confirming
    all, except those whose words are in ``reject``) and finishes its redaction review, so
    roles that see it only redacted may see it."""
    from observatory.ingestion.models import Decision, PersonalDataFlag
    from observatory.ingestion.redaction import finish_review

    pending = PersonalDataFlag.objects.filter(version=version, status=Decision.SUGGESTED)
    pending.filter(text__in=reject).update(status=Decision.REJECTED)
    pending.update(status=Decision.CONFIRMED)
    finish_review(version, user)
