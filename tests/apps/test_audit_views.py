"""The audit log shown to the steering group keeps the confidentiality of what it names:
no confidential document's title (or id, or address), and no one else's search terms;
administrators see everything. Checked on the page, its JSON and the API."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from .conftest import PASSWORD, add_document, make_review

SECRET_TITLE = "Xylophant health visiting IMR"
SEARCHED = "Brightwatermill"


@pytest.fixture
def log(users):
    review = make_review("AUD-1")
    imr = add_document(review, "imr", b"Individual management review.\n", "imr.txt")
    imr.title = SECRET_TITLE
    imr.save()
    analyst = Client()
    analyst.force_login(users["analyst"])
    assert analyst.get(f"/documents/{imr.pk}/").status_code == 200  # a confidential read
    practitioner = Client()
    practitioner.force_login(users["practitioner"])
    assert practitioner.get("/search/", {"q": SEARCHED}).status_code == 200
    return imr


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(client: Client, name: str) -> str:
    token = base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()
    return client.get("/api/audit", HTTP_AUTHORIZATION=f"Basic {token}").content.decode()


@pytest.mark.django_db
def test_steering_group_sees_neither_confidential_titles_nor_others_searches(users, log):
    steering = _client(users["steering"])
    page = steering.get("/audit/").content.decode()
    data = steering.get("/audit/", {"format": "json"}).content.decode()
    api = _api(Client(), "steering")
    for shown in (page, data, api):
        assert SECRET_TITLE not in shown
        assert SEARCHED not in shown
        assert "confidential document" in shown
    assert f"/documents/{log.pk}/" not in page + data  # nor its address


@pytest.mark.django_db
def test_administrators_see_the_whole_record(users, log):
    admin = _client(users["admin"])
    data = admin.get("/audit/", {"format": "json"}).content.decode()
    assert SECRET_TITLE in data and SEARCHED in data
    assert SECRET_TITLE in _api(Client(), "admin")


@pytest.mark.django_db
def test_own_searches_stay_readable(users, log):
    steering = _client(users["steering"])
    steering.get("/search/", {"q": "Tealgrovefield"})
    data = steering.get("/audit/", {"format": "json"}).content.decode()
    assert "Tealgrovefield" in data and SEARCHED not in data


@pytest.mark.django_db
def test_searching_the_log_by_name_does_not_find_hidden_titles(users, log):
    """The log's object filter must not count events by a name the reader may not see."""
    steering = _client(users["steering"]).get("/audit/", {"object": "Xylophant",
                                                          "format": "json"})
    assert '"count": 0' in steering.content.decode()
    admin = _client(users["admin"]).get("/audit/", {"object": "Xylophant", "format": "json"})
    assert '"count": 0' not in admin.content.decode()
