"""Registering a review with a reference already used must not tell a partnership that
another area's unpublished review exists (nor where, nor its title); the attempt is audited.
A reference of a review the user can see is reported plainly."""

from __future__ import annotations

import pytest
from django.test import Client

from observatory.audit.models import AuditEvent
from observatory.repository.forms import REFERENCE_UNAVAILABLE
from observatory.repository.models import Review
from observatory.vocabularies.models import LocalAuthority

from .conftest import OTHER_AREA, OWN_AREA, make_review, term

pytestmark = pytest.mark.django_db


def _register(client: Client, reference: str):
    return client.post("/reviews/new/", {
        "reference": reference, "title": "Child R (test)",
        "local_authority": LocalAuthority.objects.get(gss_code=OWN_AREA).pk,
        "review_type": term("review_type", "scr").pk})


def test_another_areas_hidden_reference_is_refused_without_confirming_it(users):
    make_review("HIDDEN-7", area=OTHER_AREA, published=False, summary="")
    Review.objects.filter(reference="HIDDEN-7").update(title="Baby Quillon (hidden)")
    client = Client()
    client.force_login(users["partnership_own"])
    page = _register(client, "HIDDEN-7").content.decode()
    assert "already exists" not in page
    assert "Quillon" not in page and "Bristol" not in page
    assert REFERENCE_UNAVAILABLE.split(":")[0] in page
    assert Review.objects.filter(reference="HIDDEN-7").count() == 1
    refused = AuditEvent.objects.get(action="create", allowed=False)
    assert refused.object_kind == "unpublished_review" and refused.username == "partnership_own"
    # A fresh reference is registered (the form itself was valid).
    assert _register(client, "FRESH-1").status_code == 302


def test_a_visible_reviews_reference_is_reported_plainly(users):
    make_review("SEEN-1", area=OTHER_AREA, published=True)
    client = Client()
    client.force_login(users["partnership_own"])
    page = _register(client, "SEEN-1").content.decode()
    assert "A review with this reference already exists" in page
