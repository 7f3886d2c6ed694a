"""Research access through the pages and JSON: applications (bad input refused with
reasons, return, resubmit, decide), grants in the one access rule (expiry), extracts
(pseudonymised per grant, coarsened, redacted, watermarked, signed links) and output
checking (held, exception, a second person decides). Every state change is audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from observatory.accounts.access import can
from observatory.accounts.scopes import reviews_q
from observatory.audit.models import AuditEvent
from observatory.repository.models import Review
from observatory.research.models import Application, Grant, ResultsTable

from .conftest import OTHER_AREA, OWN_AREA, add_document, make_review
from .research_support import make_grant

TODAY = timezone.localdate()
WEST_MIDLANDS = "E12000005"  # Birmingham's region


def form(**changes):
    data = {"title": "Neglect in infancy", "purpose": "Study neglect.",
            "public_benefit": "Better practice.", "questions": "What recurs?",
            "regions": [WEST_MIDLANDS], "areas": "", "year_from": "2014", "year_to": "2016",
            "fields": ["outcome", "decision_date", "summary", "local_authority"],
            "document_kinds": ["overview_report"], "data_protection_basis": "Article 6(1)(e)",
            "members": "", "starts": TODAY.isoformat(),
            "ends": (TODAY + timedelta(days=365)).isoformat(), "terms_accepted": "on",
            "ethics_evidence": SimpleUploadedFile("ethics.txt", b"Ethics approval REC 1\n")}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def client(user) -> Client:
    web = Client()
    web.force_login(user)
    return web


def refusals(text: str) -> int:
    return AuditEvent.objects.filter(allowed=False, detail__contains=text).count()


def test_bad_applications_are_refused_with_reasons_and_audited(users):
    web = client(users["researcher"])
    for changes, reason in (
            ({"ends": (TODAY - timedelta(days=1)).isoformat(),
              "starts": (TODAY - timedelta(days=30)).isoformat()}, "end date is in the past"),
            ({"ethics_evidence": None}, "Upload the evidence of ethics approval"),
            ({"document_kinds": ["genogram"]}, "wider than your role allows: genogram")):
        response = web.post("/research/apply/?format=json", form(**changes))
        assert response.status_code == 400
        assert any(reason in p for p in response.json()["data"]["problems"])
        assert refusals(reason) == 1
    evil = SimpleUploadedFile("ethics.pdf", b"MZ\x90\x00 not a pdf")
    response = web.post("/research/apply/?format=json", form(ethics_evidence=evil))
    assert response.status_code == 400 and refusals("ethics.pdf") == 1
    practitioner = client(users["practitioner"])
    assert practitioner.post("/research/apply/", form()).status_code == 403
    assert not Application.objects.exists()


def test_application_returned_resubmitted_approved_with_history(users):
    researcher, steering = users["researcher"], users["steering"]
    web, handler = client(researcher), client(steering)
    response = web.post("/research/apply/", form())
    application = Application.objects.get()
    assert response.status_code == 302 and application.status == "submitted"
    # Nobody but the project and the steering group sees it.
    assert client(users["analyst"]).get(application.get_absolute_url()).status_code == 404
    assert handler.post(f"/research/applications/{application.pk}/return/",
                        {"text": "Narrow the years."}).status_code == 302
    # The applicant may not approve; the handler may not approve a returned application.
    assert web.post(f"/research/applications/{application.pk}/approve/",
                    {"ends": TODAY.isoformat(), "coarsen_dates": "year"}).status_code == 302
    assert not Grant.objects.exists()
    changed = form(year_from="2015", ethics_evidence=None)
    assert web.post(f"/research/applications/{application.pk}/change/",
                    changed).status_code == 302
    past = handler.post(f"/research/applications/{application.pk}/approve/?format=json",
                        {"ends": (TODAY - timedelta(days=1)).isoformat(),
                         "coarsen_dates": "year"})
    assert past.status_code == 400 and "past" in past.json()["errors"][0]
    ends = TODAY + timedelta(days=100)
    handler.post(f"/research/applications/{application.pk}/approve/",
                 {"ends": ends.isoformat(), "coarsen_dates": "year", "conditions": "No links"})
    grant = Grant.objects.get()
    assert grant.ends == ends and grant.area_ids
    detail = web.get(f"{application.get_absolute_url()}?format=json").json()["data"]
    assert [e["action"] for e in detail["history"]] == ["submitted", "returned",
                                                        "resubmitted", "approved"]
    assert detail["history"][2]["snapshot"]["years"] == [2015, 2016]
    evidence = handler.get(f"/research/applications/{application.pk}/evidence/")
    assert b"".join(evidence.streaming_content) == b"Ethics approval REC 1\n"
    assert client(users["analyst"]).get(
        f"/research/applications/{application.pk}/evidence/").status_code == 404
    assert detail["status"] == "approved" and detail["grant"] == grant.reference
    with pytest.raises(PermissionError):
        application.delete()
    assert AuditEvent.objects.filter(object_kind="research_application",
                                     action="change", allowed=True).count() >= 3


@pytest.fixture
def world(users):
    """Reviews in and out of a grant's scope: own area 2015 (unpublished, with a flagged
    name in its summary) and 2019, another area 2015."""
    inside = make_review("IN-1", published=False, summary="Child Ava was seen.")
    add_document(inside, "imr", b"%PDF-1.4\n%imr\n")
    late = make_review("LATE-1", published=False)
    Review.objects.filter(pk=late.pk).update(decision_date=date(2019, 3, 1))
    away = make_review("AWAY-1", published=False, area=OTHER_AREA)
    grant = make_grant(users["researcher"], users["steering"], areas=[OWN_AREA],
                       years=(2014, 2016), kinds=["imr"], coarsen="year",
                       fields=["outcome", "decision_date", "summary"])
    return inside, late, away, grant


def test_grant_opens_its_scope_until_it_expires(users, world):
    inside, late, away, grant = world
    researcher = users["researcher"]
    seen = set(Review.objects.filter(reviews_q(researcher)).values_list("reference", flat=True))
    assert "IN-1" in seen and not {"LATE-1", "AWAY-1"} & seen
    assert can(researcher, "view", inside.documents.get())
    Grant.objects.filter(pk=grant.pk).update(ends=TODAY - timedelta(days=1))
    assert not Review.objects.filter(reviews_q(researcher), reference="IN-1").exists()
    assert not can(researcher, "view", inside.documents.get())
    assert client(researcher).get("/reviews/IN-1/").status_code in (403, 404)


def _unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {n: archive.read(n).decode("utf-8-sig") for n in archive.namelist()}


def test_extracts_are_pseudonymised_per_grant_coarsened_and_watermarked(users, world):
    inside, late, away, grant = world
    researcher = users["researcher"]
    from observatory.ingestion.models import PersonalDataFlag

    version = inside.documents.get().versions.get()
    PersonalDataFlag.objects.create(version=version, kind="person_name", text="Ava", page=1,
                                    start=0, end=3, producer="test", status="confirmed")
    web = client(researcher)
    page = web.get(f"{grant.get_absolute_url()}?format=json").json()["data"]
    data = json.loads(web.get(page["extract_links"]["json"]).content)
    assert [r["decision_date"] for r in data["rows"]] == ["2015"]
    assert "Ava" not in data["rows"][0]["summary"] and "REDACTED" in data["rows"][0]["summary"]
    assert grant.reference in data["watermark"] and data["dictionary"][0]["column"] == "review"
    files = _unzip(web.get(page["extract_links"]["csv"]).content)
    assert set(files) == {f"extract-{grant.reference}.csv", "data-dictionary.csv",
                          "WATERMARK.txt"}
    assert all(grant.reference in text for text in files.values())
    assert "IN-1" not in files[f"extract-{grant.reference}.csv"]
    # Another grant over the same review: other pseudonyms, so the two cannot be joined.
    other = make_grant(researcher, users["steering"], areas=[OWN_AREA], years=(2015, 2015))
    link = web.get(f"{other.get_absolute_url()}?format=json").json()["data"][
        "extract_links"]["json"]
    assert json.loads(web.get(link).content)["rows"][0]["review"] != data["rows"][0]["review"]
    assert AuditEvent.objects.filter(action="download", allowed=True,
                                     detail__startswith="extract").count() == 3


def test_extract_requests_outside_scope_tampered_or_ended_are_refused_and_audited(users, world):
    inside, late, away, grant = world
    web = client(users["researcher"])
    assert web.get(f"{grant.get_absolute_url()}?year_from=2019").status_code == 403
    assert web.get(f"{grant.get_absolute_url()}?area={away.local_authority_id}"
                   ).status_code == 403
    link = web.get(f"{grant.get_absolute_url()}?format=json").json()["data"][
        "extract_links"]["csv"]
    assert web.get(link[:-3] + ("x" if link[-3] != "x" else "y") + link[-2:]
                   ).status_code == 403
    assert client(users["analyst"]).get(link).status_code == 403  # someone else's link
    Grant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    assert web.get(link).status_code == 403
    assert refusals("outside the grant") == 2
    assert refusals("extract link refused") == 2
    assert refusals("grant revoked") == 1


def test_output_checking_holds_small_cells_until_a_second_person_decides(users, world):
    grant = world[3]
    researcher, steering = client(users["researcher"]), client(users["steering"])
    table = SimpleUploadedFile("results.csv", b"area,died,harmed\nNorth,12,3\nSouth,9,14\n")
    response = researcher.post(f"/research/grants/{grant.pk}/results/",
                               {"name": "Outcomes", "file": table})
    output = ResultsTable.objects.get()
    assert response.status_code == 302 and output.status == "held"
    detail = researcher.get(f"{output.get_absolute_url()}?format=json").json()["data"]
    assert detail["findings"][0]["rule"] == "threshold" and not detail["releasable"]
    url = output.get_absolute_url()
    assert researcher.get(f"{url}download/").status_code == 403
    # A held table cannot be released without an exception, nor by its own researcher.
    steering.post(f"{url}release/", {"text": "fine"})
    assert ResultsTable.objects.get().status == "held"
    researcher.post(f"{url}exception/", {"text": "Published elsewhere already."})
    researcher.post(f"{url}release/", {"text": "mine"})
    assert ResultsTable.objects.get().status == "exception"
    steering.post(f"{url}release/", {"text": "The small cell is public in the report."})
    output.refresh_from_db()
    assert output.status == "released" and output.decided_by == users["steering"]
    assert researcher.get(f"{url}download/").status_code == 200
    assert refusals("results table not released") == 1
    assert refusals("output decision refused") == 1


def test_expiry_reminder_is_sent_once_by_the_scheduled_command(users, world):
    from click.testing import CliRunner

    from observatory.cli import main

    grant = world[3]
    Grant.objects.filter(pk=grant.pk).update(ends=TODAY + timedelta(days=10))
    first = CliRunner().invoke(main, ["research", "remind", "--days", "30"])
    assert first.exit_code == 0 and f"{grant.reference} ends" in first.output
    again = CliRunner().invoke(main, ["research", "remind"])
    assert "0 grant(s) reminded" in again.output
    assert grant.application.events.filter(action="reminded").count() == 1
    assert AuditEvent.objects.filter(detail__startswith="expiry reminder").count() == 1
