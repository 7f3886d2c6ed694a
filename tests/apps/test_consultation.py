"""Delphi consultations through the database and the web pages: rounds, personal links,
the rule lock, refusals (nothing changes), results, exports and anonymity."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from observatory.audit.models import AuditEvent
from observatory.consultation import services
from observatory.consultation.models import (
    Participant,
    Response,
    Round,
    StatementVersion,
    Study,
    Submission,
)
from observatory.consultation.services import DelphiError

from .conftest import make_user


@pytest.fixture
def steering(db):
    return make_user("steering")


@pytest.fixture
def organiser(steering) -> Client:
    client = Client()
    client.force_login(steering)
    return client


def build_study(title: str = "Learning from reviews", statements: int = 2,
                user=None) -> Study:
    study = services.create_study(title, user=user)
    section = services.add_section(study, "Local learning")
    for n in range(statements):
        services.add_statement(study, section, f"Statement number {n + 1}")
    return study


def link_token(client: Client, study: Study, count: int = 1) -> list[str]:
    response = client.post(f"/consultations/{study.pk}/participants/",
                           {"count": count, "days": 10, "note": ""})
    assert response.status_code == 200
    return re.findall(r"/delphi/([A-Za-z0-9_-]{20,})/", response.content.decode())


def answers(study: Study, rnd: Round, *choices: str, comment: str = "") -> dict[str, str]:
    versions = list(services.asked_versions(rnd))
    data = {}
    for version, choice in zip(versions, choices, strict=True):
        data[f"answer-{version.pk}"] = choice
        data[f"comment-{version.pk}"] = comment
    return data


def state(study: Study) -> tuple:
    """Everything answers can change, to show a refusal changed nothing."""
    return (list(Response.objects.filter(submission__round__study=study)
                 .values_list("id", "answer", "comment").order_by("id")),
            list(Submission.objects.filter(round__study=study)
                 .values_list("id", "status").order_by("id")),
            Study.objects.get(pk=study.pk).rule_locked_at)


# -- organising ---------------------------------------------------------------------------
def test_organiser_creates_a_study_through_the_pages(organiser):
    response = organiser.post("/consultations/new/", {"title": "National learning",
                                                      "rule": "scoping_study_2010"})
    study = Study.objects.get(title="National learning")
    assert response.status_code == 302 and response.url == f"/consultations/{study.pk}/"
    organiser.post(f"/consultations/{study.pk}/sections/", {"title": "Learning nationally"})
    section = study.sections.get()
    organiser.post(f"/consultations/{study.pk}/statements/",
                   {"section": section.pk, "text": "Learning belongs in initial training"})
    data = organiser.get(f"/consultations/{study.pk}/?format=json").json()["data"]
    assert data["sections"][0]["statements"][0]["text"] == "Learning belongs in initial training"
    assert data["rule"]["key"] == "scoping_study_2010" and not data["rule"]["locked"]
    assert data["rounds"] == [{"number": 1, "status": "draft", "opens_at": None,
                               "closes_at": None, "accepting_answers": False}]
    organiser.post(f"/consultations/{study.pk}/rounds/1/open/")
    assert study.rounds.get().status == "open"
    events = AuditEvent.objects.filter(object_kind="delphi_study", allowed=True)
    assert {"create", "change", "view"} <= set(events.values_list("action", flat=True))
    page = organiser.get(f"/consultations/{study.pk}/")
    assert b"Close round 1" in page.content


@pytest.mark.parametrize("role", ["practitioner", "partnership_own", "researcher"])
def test_other_roles_cannot_see_or_run_studies(db, role):
    study = build_study()
    user = make_user(role)
    client = Client()
    client.force_login(user)
    assert client.get("/consultations/").status_code == 403
    assert client.get(f"/consultations/{study.pk}/").status_code == 404
    assert client.post("/consultations/new/", {"title": "x", "rule": "scoping_study_2010"}
                       ).status_code == 403
    assert client.post(f"/consultations/{study.pk}/rounds/1/open/").status_code == 404
    assert study.rounds.get().status == "draft"
    assert AuditEvent.objects.filter(allowed=False, object_kind="delphi_study").exists()
    assert Client().get("/consultations/").status_code == 302  # anonymous: sign in


def test_analyst_reads_results_but_cannot_organise(db):
    study = build_study()
    services.open_round(study.rounds.get())
    analyst = make_user("analyst")
    client = Client()
    client.force_login(analyst)
    assert client.get(f"/consultations/{study.pk}/results/").status_code == 200
    assert client.get(f"/consultations/{study.pk}/results.csv").status_code == 200
    assert client.post(f"/consultations/{study.pk}/rounds/1/close/").status_code == 403
    assert client.get(f"/consultations/{study.pk}/participants/").status_code == 403
    assert study.rounds.get().status == "open"


# -- the rule -----------------------------------------------------------------------------
def test_rule_is_copied_at_creation_and_locked_by_the_first_answer(organiser):
    study = build_study()
    assert study.rule["agreement"][0] == {"answers": ["agree", "strongly_agree"],
                                          "min_percent": "75"}
    response = organiser.post(f"/consultations/{study.pk}/rule/",
                              {"rule": "simple_majority_excluding_unable"})
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.rule_key == "simple_majority_excluding_unable"
    services.change_rule(study, "scoping_study_2010")
    rnd = study.rounds.get()
    services.open_round(rnd)
    participant = services.invite(study)[0].participant
    versions = list(services.asked_versions(rnd))
    services.save_answers(participant, rnd, {str(versions[0].pk): ("agree", "")},
                          submit=False)
    study.refresh_from_db()
    assert study.rule_locked
    with pytest.raises(DelphiError, match="locked"):
        services.change_rule(study, "simple_majority_excluding_unable")
    response = organiser.post(f"/consultations/{study.pk}/rule/?format=json",
                              {"rule": "simple_majority_excluding_unable"})
    assert response.status_code == 409 and "locked" in response.json()["errors"][0]
    study.refresh_from_db()
    assert study.rule_key == "scoping_study_2010"
    assert AuditEvent.objects.filter(allowed=False, detail__contains="locked").exists()


# -- links --------------------------------------------------------------------------------
def test_links_are_shown_once_and_only_their_hash_is_stored(organiser):
    study = build_study()
    tokens = link_token(organiser, study, count=3)
    assert len(tokens) == 3
    stored = list(Participant.objects.filter(study=study).values_list("token_hash", flat=True))
    assert all(len(h) == 64 for h in stored) and not set(tokens) & set(stored)
    again = organiser.get(f"/consultations/{study.pk}/participants/").content.decode()
    assert not any(t in again for t in tokens)
    assert "P001" in again and "P003" in again


@pytest.mark.parametrize("how, status, message", [
    ("forged", 404, "not valid"),
    ("revoked", 403, "withdrawn"),
    ("expired", 403, "expired"),
])
def test_bad_links_are_refused_and_change_nothing(organiser, how, status, message):
    study = build_study()
    rnd = study.rounds.get()
    services.open_round(rnd)
    token = link_token(organiser, study)[0]
    participant = Participant.objects.get(study=study)
    if how == "forged":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif how == "revoked":
        organiser.post(f"/consultations/{study.pk}/participants/{participant.pk}/revoke/")
    else:
        Participant.objects.filter(pk=participant.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1))
    before = state(study)
    client = Client()
    assert client.get(f"/delphi/{token}/").status_code == status
    response = client.post(f"/delphi/{token}/", {**answers(study, rnd, "agree", "agree"),
                                                  "action": "submit"})
    assert response.status_code == status and message in response.content.decode()
    assert state(study) == before


def test_answer_save_return_and_submit_once(organiser):
    study = build_study()
    rnd = study.rounds.get()
    services.open_round(rnd)
    token = link_token(organiser, study)[0]
    client = Client()
    page = client.get(f"/delphi/{token}/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"
    assert page.content.decode().count('type="radio"') == 2 * 7
    data = answers(study, rnd, "agree", "", comment="")
    data[next(k for k in data if k.startswith("comment-"))] = "Needs a clearer wording"
    response = client.post(f"/delphi/{token}/", {**data, "action": "save"})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.status == "draft"
    back = client.get(f"/delphi/{token}/").content.decode()
    assert "checked" in back and "Needs a clearer wording" in back
    # Submitting with a statement unanswered is refused; the draft stays as it was.
    before = state(study)
    response = client.post(f"/delphi/{token}/", {"action": "submit"})
    assert response.status_code == 400 and "Answer every statement" in response.content.decode()
    assert state(study) == before
    response = client.post(f"/delphi/{token}/",
                           {**answers(study, rnd, "agree", "unable"), "action": "submit"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "submitted" and submission.submitted_at
    # A second submission (the link used again) is refused; nothing changes.
    before = state(study)
    response = client.post(f"/delphi/{token}/?format=json",
                           {**answers(study, rnd, "disagree", "disagree"), "action": "submit"})
    assert response.status_code == 409 and "already submitted" in response.json()["errors"][0]
    assert state(study) == before
    assert "Round 1 submitted" in client.get(f"/delphi/{token}/").content.decode()


def test_answers_after_the_round_closes_are_refused(organiser):
    study = build_study()
    rnd = study.rounds.get()
    services.open_round(rnd)
    token = link_token(organiser, study)[0]
    client = Client()
    client.post(f"/delphi/{token}/", {**answers(study, rnd, "agree", ""), "action": "save"})
    organiser.post(f"/consultations/{study.pk}/rounds/1/close/")
    before = state(study)
    response = client.post(f"/delphi/{token}/",
                           {**answers(study, rnd, "agree", "agree"), "action": "submit"})
    assert response.status_code == 409 and "closed" in response.content.decode()
    assert state(study) == before
    assert "is closed" in client.get(f"/delphi/{token}/").content.decode()
    # A closing time that has passed closes the round too.
    other = build_study("Second")
    second = other.rounds.get()
    services.open_round(second, closes_at=timezone.now() + timedelta(hours=1))
    Round.objects.filter(pk=second.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    participant = services.invite(other)[0].participant
    second.refresh_from_db()
    with pytest.raises(DelphiError, match="closed"):
        services.save_answers(participant, second, {}, submit=False)


def test_a_statement_from_another_study_is_refused(organiser):
    study, other = build_study(), build_study("Other study")
    rnd = study.rounds.get()
    services.open_round(rnd)
    services.open_round(other.rounds.get())
    token = link_token(organiser, study)[0]
    foreign = services.asked_versions(other.rounds.get()).first()
    before = state(study), state(other)
    response = Client().post(f"/delphi/{token}/", {
        **answers(study, rnd, "agree", "agree"), f"answer-{foreign.pk}": "agree",
        "action": "submit"})
    assert response.status_code == 400
    assert "not in this round of this study" in response.content.decode()
    assert (state(study), state(other)) == before
    # Nor may an organiser edit another study's statement through this study's pages.
    assert organiser.get(f"/consultations/{study.pk}/statements/{foreign.pk}/"
                         ).status_code == 404


def test_unknown_answer_values_are_refused(db):
    study = build_study()
    rnd = study.rounds.get()
    services.open_round(rnd)
    participant = services.invite(study)[0].participant
    version = services.asked_versions(rnd).first()
    with pytest.raises(DelphiError, match="not one of the answers"):
        services.save_answers(participant, rnd, {str(version.pk): ("totally", "")},
                              submit=False)
    assert not Response.objects.exists()


# -- between rounds -----------------------------------------------------------------------
def test_statement_history_kept_revised_dropped_added(organiser):
    study = build_study(statements=3)
    rnd = study.rounds.get()
    services.open_round(rnd)
    with pytest.raises(DelphiError, match="opened"):
        services.revise_statement(services.asked_versions(rnd).first(), "Changed too late")
    services.close_round(rnd)
    organiser.post(f"/consultations/{study.pk}/rounds/next/")
    round2 = study.rounds.get(number=2)
    first, second, third = services.asked_versions(round2)
    organiser.post(f"/consultations/{study.pk}/statements/{first.pk}/",
                   {"text": "Statement number 1, reworded", "action": "save"})
    organiser.post(f"/consultations/{study.pk}/statements/{second.pk}/",
                   {"text": second.text, "action": "drop"})
    organiser.post(f"/consultations/{study.pk}/statements/",
                   {"section": study.sections.get().pk, "text": "A new statement"})
    changes = {v.statement.number: (v.change, v.text)
               for v in StatementVersion.objects.filter(round=round2)}
    assert changes == {1: ("revised", "Statement number 1, reworded"),
                       2: ("dropped", "Statement number 2"),
                       3: ("kept", "Statement number 3"),
                       4: ("added", "A new statement")}
    # Round 1's wording is untouched.
    assert first.statement.versions.get(round__number=1).text == "Statement number 1"
    data = organiser.get(f"/consultations/{study.pk}/?format=json").json()["data"]
    history = data["sections"][0]["statements"][0]["history"]
    assert [(h["round"], h["change"]) for h in history] == [(1, "added"), (2, "revised")]
    # Revising back to round 1's wording makes it "kept" again.
    services.revise_statement(StatementVersion.objects.get(pk=first.pk), "Statement number 1")
    assert StatementVersion.objects.get(pk=first.pk).change == "kept"
    assert [v.statement.number for v in services.asked_versions(round2)] == [1, 3, 4]


def run_two_rounds(organiser) -> tuple[Study, list[str]]:
    """Round 1: two participants answer; the organiser then opens round 2."""
    study = build_study(statements=2)
    rnd = study.rounds.get()
    services.open_round(rnd)
    tokens = link_token(organiser, study, count=3)
    Client().post(f"/delphi/{tokens[0]}/", {**answers(study, rnd, "agree", "disagree"),
                                             "action": "submit"})
    Client().post(f"/delphi/{tokens[1]}/", {**answers(study, rnd, "strongly_agree",
                                                      "mildly_agree"), "action": "submit"})
    # The third only saves a draft, which never counts.
    Client().post(f"/delphi/{tokens[2]}/", {**answers(study, rnd, "disagree", "disagree"),
                                             "action": "save"})
    services.close_round(rnd)
    services.start_next_round(study)
    services.open_round(study.rounds.get(number=2))
    return study, tokens


def test_round2_shows_own_previous_answer_and_the_groups(organiser):
    study, tokens = run_two_rounds(organiser)
    data = Client().get(f"/delphi/{tokens[0]}/?format=json").json()["data"]
    assert data["round"] == 2 and data["state"] == "open"
    first, second = data["sections"][0]["statements"]
    assert first["feedback"]["own_answer"] == "agree"
    assert second["feedback"]["own_answer"] == "disagree"
    group = {g["answer"]: g["pct"] for g in first["feedback"]["group"]}
    assert group["agree"] == 50 and group["strongly_agree"] == 50 and group["disagree"] == 0
    other = Client().get(f"/delphi/{tokens[1]}/").content.decode()
    assert "Your answer: <strong class=\"obs-own-answer\">Strongly agree</strong>" in other
    assert "Agree 50%" in other


def test_results_participation_retention_and_change(organiser):
    study, tokens = run_two_rounds(organiser)
    round2 = study.rounds.get(number=2)
    Client().post(f"/delphi/{tokens[0]}/", {**answers(study, round2, "agree", "disagree"),
                                             "action": "submit"})
    Client().post(f"/delphi/{tokens[2]}/", {**answers(study, round2, "agree", "agree"),
                                             "action": "submit"})
    services.close_round(round2)
    one = organiser.get(f"/consultations/{study.pk}/results/?round=1&format=json").json()["data"]
    rows = {r["number"]: r for r in one["rows"]}
    assert rows[1]["pct_agreeing"] == 100 and rows[1]["consensus"] == "agree"
    assert rows[2]["pct_disagreeing"] == 50 and rows[2]["consensus"] == "none"
    two = organiser.get(f"/consultations/{study.pk}/results/?format=json").json()["data"]
    assert two["round"] == 2
    rows2 = {r["number"]: r for r in two["rows"]}
    assert rows2[2]["change_since_previous"]["pct_agreeing"] == 0
    assert two["participation"] == [
        {"round": 1, "participants": 2, "also_in_previous_round": None, "retention_pct": None},
        {"round": 2, "participants": 2, "also_in_previous_round": 1, "retention_pct": 50}]
    page = organiser.get(f"/consultations/{study.pk}/results/?round=1").content.decode()
    assert "<svg" in page and 'role="img"' in page and "Statement 1: 0% disagreeing" in page
    assert "yes (agreement)" in page
    assert organiser.get(f"/consultations/{study.pk}/results/?round=9").status_code == 404
    api = organiser.get(f"/api/consultations/{study.pk}/results", {"round": 1})
    assert api.status_code == 200 and api.json()["rows"][0]["consensus"] == "agree"


def test_exports_are_anonymous(organiser):
    study, tokens = run_two_rounds(organiser)
    codes = list(Participant.objects.values_list("code", flat=True))
    Participant.objects.update(note="Dr Secret Name")
    csv_body = organiser.get(f"/consultations/{study.pk}/results.csv").content.decode(
        "utf-8-sig")
    lines = csv_body.splitlines()
    assert lines[0].startswith("round,section,number,text,change,answered,strongly_disagree")
    assert len(lines) == 1 + 2 + 2  # two statements, two rounds (round 2 open, no answers)
    xlsx = organiser.get(f"/consultations/{study.pk}/results.xlsx?round=1")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ("round", "section", "number") and len(values) == 3
    outputs = [csv_body, str(values),
               organiser.get(f"/consultations/{study.pk}/results/").content.decode(),
               organiser.get(f"/consultations/{study.pk}/results/?format=json"
                             ).content.decode(),
               organiser.get(f"/api/consultations/{study.pk}").content.decode()]
    for output in outputs:
        assert "Dr Secret Name" not in output
        assert not any(re.search(rf"\b{code}\b", output) for code in codes)
        assert not any(token in output for token in tokens)
    assert AuditEvent.objects.filter(action="export", object_kind="delphi_study").count() == 2
    assert organiser.get(f"/consultations/{study.pk}/results.pdf").status_code == 404


# -- import through the web ---------------------------------------------------------------
HEADER = ("section,number,text,round,respondents,strongly_disagree,disagree,mildly_disagree,"
          "mildly_agree,agree,strongly_agree,unable\n")


def test_import_with_problems_lists_each_and_writes_nothing(organiser):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = (HEADER
            + "Local,1,A statement,1,10,0,0,0,0,5,5,0\n"
            + ",2,,1,10,0,0,0,0,5,5,x\n"
            + "Local,1,A statement,1,10,0,0,0,0,5,5,0\n"
            + "Local,3,Too many,1,10,0,0,0,0,9,9,0\n")
    upload = SimpleUploadedFile("bad.csv", body.encode())
    response = organiser.post("/consultations/import/", {
        "title": "Bad", "values": "counts", "file": upload})
    assert response.status_code == 400
    text = response.content.decode()
    for expected in ("Row 3, section: is required", "Row 3, text: is required",
                     "Row 3, unable: &#x27;x&#x27; is not a whole number of 0 or more",
                     "Row 4, number: statement Local 1 in round 1 is also on row 2",
                     "Row 5, respondents: the counts add up to 18, more than the 10"):
        assert expected in text, expected
    assert not Study.objects.exists()
    good = SimpleUploadedFile("good.csv", (HEADER + "Local,1,A statement,1,10,0,0,0,0,5,5,0\n"
                                           ).encode())
    response = organiser.post("/consultations/import/", {"title": "Good", "values": "counts",
                                                         "file": good})
    assert response.status_code == 302
    study = Study.objects.get(title="Good")
    assert services.round_results(study, study.rounds.get())["rows"][0]["consensus"] == "agree"
    with pytest.raises(DelphiError, match="imported"):
        services.invite(study)


def test_percentages_far_from_100_are_refused(db):
    report = services.import_aggregates(
        [{"section": "S", "number": "1", "text": "T", "round": "1", "respondents": "55",
          "strongly_disagree": "0", "disagree": "0", "mildly_disagree": "0",
          "mildly_agree": "0", "agree": "50", "strongly_agree": "30", "unable": "0"}],
        "percentages", title="x")
    assert not report.ok
    assert [(p.row, p.field) for p in report.problems] == [(2, "")]
    assert "add up to 80" in report.problems[0].reason
    assert not Study.objects.exists()
