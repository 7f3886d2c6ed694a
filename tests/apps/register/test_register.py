"""The register of recommendations and action plans through the database and the pages:
stable entries across re-processing, merge/split/correct, SMART appraisal, actions with
priority bands, verified closure, optimistic concurrency, evidence access, the dashboard,
spreadsheet export/import, access by area, and the weekly digest."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client

from observatory.ingestion.services import reprocess
from observatory.register import digest, exchange, services
from observatory.register.models import Action, RegisterEntry, StatusChange
from observatory.repository.services import store_version

from ..conftest import OTHER_AREA, make_review, term

REPORT = """Serious Case Review: Child R

Overview report

Recommendations

1. The LSCB should ensure that all staff receive training on recognising neglect.

2. Children's social care should audit 20 case files within six months.

3. Health should consider how GPs share information.
"""


@pytest.fixture
def world(db, users, django_capture_on_commit_callbacks):
    review = make_review("REG-1")
    with django_capture_on_commit_callbacks(execute=True):
        version = store_version(review=review, kind=term("document_kind", "overview_report"),
                                filename="report.txt", stream=io.BytesIO(REPORT.encode())).version
    return {"review": review, "version": version, **users}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _confirm_all(world) -> list[RegisterEntry]:
    review, user = world["review"], world["partnership_own"]
    return [services.confirm(review, s.id, user) for s in services.suggestions(review)]


def test_confirmed_entries_survive_reprocessing_and_keep_their_source(
        world, django_capture_on_commit_callbacks):
    entries = _confirm_all(world)
    assert len(entries) == 3
    first = entries[0]
    source = first.sources.get()
    assert (source.version_id, source.page) == (world["version"].pk, 1)
    assert REPORT[source.start:source.end] or source.quote  # span into the text
    assert services.suggestions(world["review"]) == []  # nothing left to confirm
    with django_capture_on_commit_callbacks(execute=True):
        reprocess(world["version"])
    assert RegisterEntry.objects.filter(review=world["review"], state="active").count() == 3
    first.refresh_from_db()
    assert first.sources.get().version_id == world["version"].pk
    assert services.suggestions(world["review"]) == []  # same text keeps its machine row


def test_merge_split_and_correct_keep_the_originals(world):
    one, two, three = _confirm_all(world)
    services.start_plan(world["review"], date.today(), world["partnership_own"])
    action = services.add_action(two, world["partnership_own"], description="Audit files",
                                 lead_agency=term("agency", "childrens_social_care"),
                                 lead_role="Team manager", priority="medium")
    merged = services.merge(world["review"], [one, two], "", world["partnership_own"])
    assert merged.sources.count() == 2 and merged.origin == "merged"
    one.refresh_from_db()
    assert (one.state, one.replaced_by_id) == ("merged", merged.pk)
    assert Action.objects.get(pk=action.pk).entry_id == merged.pk  # the work moved over
    parts = services.split(world["review"], three, ["Health should X.", "GPs should Y."],
                           world["partnership_own"])
    assert [p.sources.count() for p in parts] == [1, 1]
    police = term("agency", "police")
    opened = parts[0].lock  # two people open the same recommendation
    fixed = services.correct(parts[0], opened, world["partnership_own"], addressee=police.pk)
    assert fixed.addressee == police
    with pytest.raises(services.StaleEdit, match="Someone else changed"):
        services.correct(parts[0], opened, world["partnership_own"], addressee=None)
    assert RegisterEntry.objects.get(pk=parts[0].pk).addressee == police
    with pytest.raises(services.RegisterError, match="still in this review"):
        services.merge(world["review"], [one, three], "", world["partnership_own"])


def test_appraisal_machine_reasons_then_person(world):
    entry = _confirm_all(world)[0]  # "should ensure ... training"
    machine = {a.criterion: a for a in entry.appraisals.all()}
    assert machine["specific"].machine_verdict == "not_met"
    assert any("ensure" in r for r in machine["specific"].machine_reasons)
    assert [f["key"] for f in entry.machine_flags] == ["vague_verb"]
    with pytest.raises(services.RegisterError, match="reason"):
        services.appraise(entry, "specific", "not_met", " ", world["partnership_own"])
    services.appraise(entry, "specific", "met", "Training is a concrete thing",
                      world["partnership_own"])
    saved = entry.appraisals.get(criterion="specific")
    assert (saved.verdict, saved.machine_verdict) == ("met", "not_met")  # both kept


def test_action_life_verified_closure_and_refusals(world):
    entry = _confirm_all(world)[1]
    owner, manager = world["partnership_own"], world["admin"]
    start = date(2026, 1, 31)
    services.start_plan(world["review"], start, manager)
    agency = term("agency", "childrens_social_care")
    with pytest.raises(services.RegisterError, match="before the plan starts"):
        services.add_action(entry, owner, description="x", lead_agency=agency,
                            lead_role="Team manager", priority="high", due=date(2025, 12, 1))
    with pytest.raises(services.RegisterError, match="not a known role"):
        services.add_action(entry, owner, description="x", lead_agency=agency,
                            lead_role="Wizard", priority="high")
    action = services.add_action(entry, owner, description="Audit 20 files",
                                 lead_agency=agency, lead_role="team manager", priority="high")
    assert action.due_date == date(2026, 4, 30)  # high band: three months, end of month
    with pytest.raises(services.RegisterError, match="cannot become verified"):
        services.move(action, action.lock, "verified", manager)
    action = services.move(action, action.lock, "completed", owner)  # claimed, no evidence
    stale = action.lock - 1
    with pytest.raises(services.StaleEdit):
        services.move(action, stale, "in_progress", manager, "not done")
    with pytest.raises(services.RegisterError, match="needs evidence"):
        services.move(action, action.lock, "verified", manager)
    services.link_evidence(action, document=None, description="Audit report to the board",
                           user=owner)
    with pytest.raises(services.RegisterError, match="someone other than"):
        services.move(action, action.lock, "verified", owner)
    action = services.move(action, action.lock, "verified", manager, "Checked the audit")
    history = list(action.history.values_list("from_status", "to_status", "by_name"))
    assert history == [("", "open", "partnership_own"), ("open", "completed", "partnership_own"),
                       ("completed", "verified", "admin")]
    assert action.history.last().evidence  # what the verifier looked at
    with pytest.raises(PermissionError):
        StatusChange.objects.first().delete()


def test_evidence_upload_checked_and_inherits_confidentiality(world):
    entry = _confirm_all(world)[0]
    services.start_plan(world["review"], date.today(), world["admin"])
    action = services.add_action(entry, world["admin"], description="Train staff",
                                 lead_agency=term("agency", "police"),
                                 lead_role="Training manager", priority="low")
    with pytest.raises(services.RegisterError, match="not accepted"):
        services.upload_evidence(action, filename="minutes.pdf", stream=io.BytesIO(b"MZ\x90"),
                                 kind=term("document_kind", "other"), description="x",
                                 user=world["admin"])
    assert action.evidence.count() == 0
    services.upload_evidence(action, filename="imr.pdf",
                             stream=io.BytesIO(b"%PDF-1.4\n%imr evidence\n%%EOF\n"),
                             kind=term("document_kind", "imr"), description="IMR extract",
                             user=world["admin"])
    page = _client(world["analyst"]).get(f"/actions/{action.pk}/?format=json").json()["data"]
    assert [e["description"] for e in page["evidence"]] == ["IMR extract"]
    assert _client(world["partnership_own"]).get(
        f"/actions/{action.pk}/?format=json").json()["data"]["evidence"]


def test_pages_access_by_area_and_stale_form(world):
    _confirm_all(world)
    own, other = _client(world["partnership_own"]), _client(world["partnership_other"])
    url = "/reviews/REG-1/register/"
    assert own.get(url).status_code == 200
    assert other.get(url).status_code == 404
    assert _client(world["steering"]).get(url).status_code == 404
    assert Client().get(url + "?format=json").status_code in (401, 403, 404)
    assert _client(world["analyst"]).get(url).status_code == 200
    entry = RegisterEntry.objects.filter(review=world["review"]).first()
    # The analyst reads but may not change; the other area's partnership cannot at all.
    assert _client(world["analyst"]).post(f"/register/{entry.pk}/correct/",
                                          {"addressee": "", "lock": 0}).status_code == 403
    assert other.post("/reviews/REG-1/register/plan/",
                      {"start_date": "2026-01-01"}).status_code == 404
    ok = own.post("/reviews/REG-1/register/plan/?format=json", {"start_date": "2026-01-01"})
    assert ok.status_code == 200
    police = term("agency", "police").pk
    own.post(f"/register/{entry.pk}/correct/", {"addressee": police, "lock": entry.lock})
    stale = own.post(f"/register/{entry.pk}/correct/?format=json",
                     {"addressee": "", "lock": entry.lock})
    assert stale.status_code == 409 and "Someone else changed" in stale.json()["errors"][0]
    entry.refresh_from_db()
    assert entry.addressee_id == police
    unversioned = own.post(f"/register/{entry.pk}/correct/?format=json", {"addressee": ""})
    assert unversioned.status_code == 400 and "Open the page again" in unversioned.json()[
        "errors"][0]


def test_dashboard_export_reimport_and_bad_rows(world, tmp_path):
    entries = _confirm_all(world)
    manager = world["partnership_own"]
    services.start_plan(world["review"], date.today() - timedelta(days=200), manager)
    agency = term("agency", "police")
    late = services.add_action(entries[0], manager, description="Late one", lead_agency=agency,
                               lead_role="Detective inspector", priority="high")
    claimed = services.add_action(entries[1], manager, description="Claimed one",
                                  lead_agency=agency, lead_role="Detective inspector",
                                  priority="low")
    services.move(claimed, claimed.lock, "completed", manager)
    data = _client(manager).get("/action-plans/?format=json").json()["data"]
    assert data["counts"]["overdue"] == 1 and data["overdue"][0]["id"] == late.pk
    assert data["counts"]["claimed_without_evidence"] == 1
    assert data["counts"]["recommendations_without_actions"] == 1
    assert data["counts"]["awaiting_verification"] == 1
    other = _client(world["partnership_other"]).get("/action-plans/?format=json").json()
    assert other["data"]["counts"]["actions"] == 0
    assert _client(world["practitioner"]).get("/action-plans/").status_code == 403

    services.add_update(late, "Started", manager)
    for fmt in ("csv", "xlsx"):
        body = _client(manager).get(f"/reviews/REG-1/action-plan.{fmt}").content
        before = (StatusChange.objects.count(), Action.objects.count(),
                  [a.lock for a in Action.objects.order_by("pk")])
        report = exchange.import_plan(world["review"], f"plan.{fmt}", body, manager)
        assert not report.problems and report.unchanged == 2 and report.changed == 0
        assert before == (StatusChange.objects.count(), Action.objects.count(),
                          [a.lock for a in Action.objects.order_by("pk")])
    csv_text = _client(manager).get("/reviews/REG-1/action-plan.csv").content
    lines = csv_text.decode("utf-8-sig").splitlines()
    bad = "\n".join([lines[0],
                     ",3,,New action,Nowhere Agency,Wizard,urgent,2020-01-01,Open,,,",
                     f"A{claimed.pk},2,,Claimed one,Police,Detective inspector,low,,Verified,,,"])
    response = _client(manager).post("/reviews/REG-1/register/import/?format=json",
                                     {"file": _named(bad)})
    assert response.status_code == 400
    errors = response.json()["data"]["problems"]
    assert any("row 2, Lead agency" in e for e in errors)
    assert any("row 2, Lead role" in e for e in errors)
    assert any("row 2, Priority" in e for e in errors)
    assert Action.objects.count() == 2
    # A row that is well formed but breaks a rule (verification needs evidence) is listed
    # too, and nothing of the file is written.
    rule = "\n".join([lines[0], f",{entries[2].number},,Written then undone,Police,"
                      "Detective inspector,high,,Open,,,",
                      f"A{claimed.pk},2,,Claimed one,Police,Detective inspector,"
                      "low,,Verified,,,"])
    report = exchange.import_plan(world["review"], "plan.csv", rule.encode(), manager)
    assert [(p.row, "needs evidence" in p.reason) for p in report.problems] == [(3, True)]
    assert Action.objects.count() == 2


def _named(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("plan.csv", text.encode())


def test_weekly_digest_counts_links_and_unsubscribe(world, settings):
    entries = _confirm_all(world)
    owner = world["partnership_own"]
    owner.email = "owner@example.org"
    owner.save()
    services.start_plan(world["review"], date.today() - timedelta(days=200), owner)
    services.add_action(entries[0], owner, description="SECRET wording of an action",
                        lead_agency=term("agency", "police"), lead_role="Detective inspector",
                        priority="high", owner=owner)
    mail.outbox.clear()
    assert digest.send_digests() == 1
    message = mail.outbox[0]
    assert "overdue: 1" in message.body
    assert "SECRET" not in message.body and "training" not in message.body.lower()
    link = next(w for w in message.body.split() if "/notifications/unsubscribe/" in w)
    path = link.replace(settings.OBSERVATORY_BASE_URL, "")
    assert Client().get(path).status_code == 200  # asks first
    Client().post(path)
    mail.outbox.clear()
    assert digest.send_digests() == 0 and mail.outbox == []
    assert Client().get("/notifications/unsubscribe/forged/").status_code == 404
    from observatory.notifications import send

    with pytest.raises(ValueError, match="unknown e-mail topic"):
        send(owner, "nonsense", "s", "b")
    assert send(world["analyst"], digest.TOPIC, "s", "b") is False  # no address
    assert digest.schedule_next() is False  # the test backend runs tasks at once


def test_next_monday_is_a_monday_in_the_future():
    from django.utils import timezone

    now = timezone.now()
    when = digest.next_monday(now)
    assert when.weekday() == 0 and now < when <= now + timedelta(days=7, hours=8)


def test_recommended_before_finds_other_reviews_within_access(
        world, django_capture_on_commit_callbacks):
    entry = _confirm_all(world)[0]  # "... training on recognising neglect"
    other = make_review("REG-OTHER", area=OTHER_AREA, published=False)
    text = ("Recommendations\n\n1. Every agency should provide training on recognising "
            "neglect for all frontline staff.\n")
    with django_capture_on_commit_callbacks(execute=True):
        store_version(review=other, kind=term("document_kind", "overview_report"),
                      filename="other.txt", stream=io.BytesIO(text.encode()))
    url = f"/register/{entry.pk}/similar/?format=json"
    analyst = _client(world["analyst"]).get(url).json()["data"]
    assert [h["review"] for h in analyst["similar"]][:1] == ["REG-OTHER"]
    # The partnership may not read the other area's unpublished review: not suggested.
    own = _client(world["partnership_own"]).get(url).json()["data"]
    assert "REG-OTHER" not in {h["review"] for h in own["similar"]}
    assert all(h["review"] != "REG-1" for h in analyst["similar"])  # never itself


def test_two_people_edit_the_same_action_the_later_save_is_refused(world):
    entry = _confirm_all(world)[1]
    manager = world["partnership_own"]
    services.start_plan(world["review"], date(2026, 1, 1), manager)
    action = services.add_action(entry, manager, description="Audit", priority="low",
                                 lead_agency=term("agency", "police"),
                                 lead_role="Detective inspector")
    client = _client(manager)
    page = client.get(f"/actions/{action.pk}/")
    assert b'id="edit-action"' in page.content
    form = {"description": "Audit 20 files", "lead_agency": action.lead_agency_id,
            "lead_role": "Detective inspector", "priority": "low", "due_date": "",
            "lock": action.lock}
    assert client.post(f"/actions/{action.pk}/edit/", form).status_code == 302
    later = client.post(f"/actions/{action.pk}/edit/?format=json",
                        {**form, "description": "Audit 40 files"})  # opened before
    assert later.status_code == 409
    assert Action.objects.get(pk=action.pk).description == "Audit 20 files"
