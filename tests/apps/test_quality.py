"""A review's Quality Marker dialogue through the database and the pages: participants own
their words, a chair comments, obstacles grow, evidence is linked (and withheld when the
viewer may not see it), the review keeps its marker versions, another partnership cannot
open it by any route, the national tables count it (suppressed for the public), and the
board summary exports as PDF, DOCX and JSON (web and CLI)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from docx import Document as Docx

from observatory.audit.models import AuditEvent
from observatory.cli import main
from observatory.ingestion.evidence import passage_evidence
from observatory.ingestion.models import Passage
from observatory.quality import services
from observatory.quality.models import Dialogue, Entry, Marker, Obstacle, Participant
from observatory.repository.services import store_version

from .conftest import make_user, term
from .route_world import REPORT, make_review

BASE = "/reviews/QM-1/quality"


@pytest.fixture
def world(db):
    review = make_review("QM-1", published=False)
    people = {"manager": make_user("partnership_own"), "other": make_user("partnership_other"),
              "public": None}
    from observatory.accounts.services import create_user

    people["chair"] = create_user("chair", "pw-chair-123456", "partnership", area="E08000025")
    people["lead"] = create_user("lead", "pw-lead-1234567", "partnership", area="E08000025")
    return {"review": review, **people}


@pytest.fixture
def processed(world, django_capture_on_commit_callbacks):
    """The review's overview report uploaded and processed (passages to link)."""
    with django_capture_on_commit_callbacks(execute=True):
        store_version(review=world["review"], kind=term("document_kind", "overview_report"),
                      filename="report.txt", stream=io.BytesIO(REPORT.encode()))
    return world


def client(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def started(world) -> Dialogue:
    manager = client(world["manager"])
    assert manager.post(f"{BASE}/", {"role": "board_manager"}).status_code == 302
    for name, role in (("chair", "chair"), ("lead", "lead_reviewer")):
        assert manager.post(f"{BASE}/participants/", {"username": name, "role": role}
                            ).status_code == 302
    return Dialogue.objects.get(review=world["review"])


def test_the_dialogue_journey_with_ownership_comments_and_obstacles(processed, tmp_path):
    world = processed
    dialogue = started(world)
    manager, chair, lead = (client(world[n]) for n in ("manager", "chair", "lead"))
    page = manager.get(f"{BASE}/start/1/")
    assert page.status_code == 200
    assert b"Not yet available" in page.content  # QM1's knowledge base is not known
    assert manager.post(f"{BASE}/start/1/", {"where_we_are": "Referral came late",
                                             "q-1": "Partly", "found_hard": "yes"}
                        ).status_code == 302
    mine = Entry.objects.get(dialogue=dialogue, author__user=world["manager"])
    assert mine.answers == {"1": "Partly"} and mine.found_hard
    # The lead reviewer cannot change the manager's words, by form or by JSON.
    refused = lead.post(f"{BASE}/start/1/?format=json", {"entry": mine.pk,
                                                         "where_we_are": "Rewritten"})
    assert refused.status_code == 403
    mine.refresh_from_db()
    assert mine.where_we_are == "Referral came late"
    assert AuditEvent.objects.filter(allowed=False, object_kind="quality_dialogue").exists()
    # A stale form (the entry saved elsewhere since) is refused and the words kept on screen.
    stale = manager.post(f"{BASE}/start/1/", {"entry": mine.pk, "lock": 0,
                                              "where_we_are": "My newer words"})
    assert stale.status_code == 409 and b"My newer words" in stale.content
    # Only the chair comments, and a comment never rewrites the entry.
    assert lead.post(f"{BASE}/entries/{mine.pk}/comments/?format=json",
                     {"text": "No"}).status_code == 403
    assert chair.post(f"{BASE}/entries/{mine.pk}/comments/", {"text": "Agreed; raise at board"}
                      ).status_code == 302
    # During the review: the lead reviewer meets a listed obstacle and proposes a new one.
    listed = Obstacle.objects.get(marker__number=13, status=Obstacle.APPROVED)
    assert lead.post(f"{BASE}/during/13/", {"obstacles": [str(listed.pk)],
                                            "new_obstacle": "Panel members changed midway",
                                            "helped": "A reflective session"}
                     ).status_code == 302
    proposed = Obstacle.objects.get(text="Panel members changed midway")
    assert proposed.status == Obstacle.PROPOSED and proposed.proposed_by == world["lead"]
    # Saved again with the listed obstacle unticked: it goes, the proposed one stays.
    theirs = Entry.objects.get(dialogue=dialogue, author__user=world["lead"])
    lead.post(f"{BASE}/during/13/", {"entry": theirs.pk, "lock": theirs.lock,
                                     "helped": "A reflective session"})
    assert set(theirs.obstacles.values_list("text", flat=True)) == {proposed.text}
    lead.post(f"{BASE}/during/13/", {"entry": theirs.pk, "lock": theirs.lock + 1,
                                     "obstacles": [str(listed.pk)],
                                     "helped": "A reflective session"})
    assert manager.post(f"{BASE}/end/18/", {"where_we_are": "Actions agreed"}).status_code == 302
    timeline = manager.get(f"{BASE}/timeline/?format=json").json()["data"]["timeline"]
    assert [m["number"] for m in timeline] == [1, 13, 18]
    first = timeline[0]["stages"][0]["entries"][0]
    assert first["comments"][0]["text"] == "Agreed; raise at board"
    assert not any(k in json.dumps(timeline) for k in ("score", "grade"))
    exports_work(world, manager, tmp_path)
    evidence_is_linked_and_withheld_when_unseen(world, dialogue, lead)


def evidence_is_linked_and_withheld_when_unseen(world, dialogue, lead):
    found = lead.get(f"{BASE}/during/13/?q=recording")
    passage = Passage.objects.get(review=world["review"], text__contains="recording")
    assert f'value="{passage.pk}"'.encode() in found.content
    assert lead.post(f"{BASE}/during/13/evidence/", {"kind": "passage",
                                                     "object_id": passage.pk}
                     ).status_code == 302
    # A passage of another review is refused.
    other = make_review("QM-2", published=False)
    with pytest.raises(services.DialogueError):
        services.link_evidence(dialogue, dialogue.participants.get(user=world["lead"]),
                               "during", 13, kind="passage",
                               object_id=Passage.objects.create(
                                   document=passage.document, review=other, kind="p",
                                   version=passage.version, index=999, page=1, start=0,
                                   end=1, producer="test", text="x").pk)
    shown = lead.get(f"{BASE}/during/13/?format=json").json()["data"]["evidence"]
    assert shown[0]["visible"] and "recording" in shown[0]["text"]
    # Another partnership's user may not see the passage: nothing of it is given.
    assert passage_evidence(world["other"], passage.pk) == {"visible": False}
    # Once the document is gone, the link says only that there is evidence not shown.
    assert client(make_user("admin")).post(f"/documents/{passage.document_id}/delete/"
                                           ).status_code == 302
    gone = lead.get(f"{BASE}/during/13/").content.decode()
    assert "Evidence you may not see" in gone and "recording" not in gone


def test_a_marker_changed_mid_review_keeps_the_review_on_its_version(world):
    started(world)
    admin = client(make_user("admin"))
    marker = Marker.objects.get(number=13)
    form = {"title": marker.title, "cluster": marker.cluster, "statement": "A new statement",
            "rationale": marker.rationale, "questions": json.dumps(marker.questions),
            "knowledge_base": "Now known", "equality_diversity_section": "unknown",
            "equality_diversity": "", "guidance_links": "", "source": marker.source,
            "obstacles-TOTAL_FORMS": "0", "obstacles-INITIAL_FORMS": "0"}
    response = admin.post(f"/admin/quality/marker/{marker.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    marker.refresh_from_db()
    assert marker.version == 2
    page = client(world["manager"]).get(f"{BASE}/during/13/?format=json").json()["data"]
    assert page["notice"] == {"kept": 1, "latest": 2,
                              "changed": ["Quality statement", "Knowledge base"]}
    statement = next(s for s in page["marker"]["sections"] if s["key"] == "statement")
    assert statement["text"] != "A new statement"
    # A dialogue started now uses the new version.
    fresh = services.start_dialogue(make_review("QM-3", published=False), world["manager"],
                                    Participant.BOARD_MANAGER)
    assert fresh.versions["13"] == 2 and services.pinned(fresh, 13)[1] is None
    # Partnership users cannot edit markers.
    assert client(world["manager"]).get(f"/admin/quality/marker/{marker.pk}/change/"
                                        ).status_code in (302, 403)


ROUTES = ["/", "/participants/", "/timeline/", "/summary.pdf", "/summary.docx",
          "/summary.json", "/start/1/", "/during/13/evidence/", "/during/13/next-steps/",
          "/entries/{entry}/comments/"]


def test_another_partnership_cannot_open_the_dialogue_by_any_route(world):
    dialogue = started(world)
    # A NUL character (PostgreSQL cannot store one) is dropped, not a server error.
    client(world["manager"]).post(f"{BASE}/start/1/", {"where_we_are": "x\x00"})
    entry = Entry.objects.get(dialogue=dialogue)
    for who in ("other", "public"):
        c = client(world[who])
        for route in ROUTES:
            url = BASE + route.format(entry=entry.pk)
            for method in (c.get, c.post):
                status = method(url + "?format=json").status_code
                assert status in (302, 404, 405), (who, url, status)
                assert status != 200
    analyst = client(make_user("analyst"))
    assert analyst.get(f"{BASE}/?format=json").status_code == 404
    assert Entry.objects.get(pk=entry.pk).where_we_are == "x"
    national_tables_count_reviews_and_suppress_for_the_public(world, analyst)
    timescales_on_the_home_and_review_pages(world)


def timescales_on_the_home_and_review_pages(world):
    """The fixture's SCR was decided on 1 Feb 2015 and completed on 1 Nov 2015: six
    months allowed (Working Together 2010), so completion was due on 1 Aug 2015."""
    manager = client(world["manager"])
    home = manager.get("/?format=json").json()["data"]["your_reviews"]
    mine = next(r for r in home if r["reference"] == "QM-1")
    completion = next(d for d in mine["deadlines"]["deadlines"] if d["key"] == "completion")
    assert (completion["due"], completion["state"]) == ("2015-08-01", "done late")
    assert mine["quality"]["started"]
    page = manager.get("/reviews/QM-1/?format=json").json()["data"]["timescales"]
    assert page["late"] == 1 and page["deadlines"] == mine["deadlines"]["deadlines"]
    assert "Quality Marker dialogue" in manager.get("/reviews/QM-1/").content.decode()


def national_tables_count_reviews_and_suppress_for_the_public(world, analyst):
    lead = client(world["lead"])
    listed = Obstacle.objects.get(marker__number=13, status=Obstacle.APPROVED)
    lead.post(f"{BASE}/during/13/", {"obstacles": [str(listed.pk)], "found_hard": "yes",
                                     "new_obstacle": "Unapproved words"})
    public = client(None).get("/quality-markers/learning/?format=json").json()["data"]
    hard = public["national"]["tables"][0]
    row = next(r for r in hard["rows"] if r["key"] == "13")
    assert row["cells"][0]["suppressed"] and row["cells"][0]["value"] is None
    assert public["national"]["reviews_with_dialogue"] is None
    national = analyst.get("/quality-markers/learning/?format=json").json()["data"]["national"]
    tables = national["tables"]
    assert next(r for r in tables[0]["rows"] if r["key"] == "13")["cells"][0]["value"] == 1
    obstacles = {r["label"]: r["cells"][0]["value"] for r in tables[1]["rows"]}
    assert obstacles == {listed.text: 1}  # the unapproved obstacle is not counted nationally
    own = client(world["manager"]).get("/quality-markers/learning/?format=json").json()
    assert {o["text"] for o in own["data"]["your_partnership"]["obstacles"]} == {
        listed.text, "Unapproved words"}
    theirs = client(world["other"]).get("/quality-markers/learning/?format=json").json()
    assert theirs["data"]["your_partnership"]["reviews"] == 0


def exports_work(world, manager, tmp_path):
    manager.post(f"{BASE}/start/2/", {"where_we_are": "Decision made in time"})
    manager.post(f"{BASE}/start/2/next-steps/", {"text": "Brief the board", "owner": "Chair",
                                                 "due": "2027-01-31"})
    pdf = manager.get(f"{BASE}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = Docx(io.BytesIO(manager.get(f"{BASE}/summary.docx").content))
    text = "\n".join(p.text for p in docx.paragraphs)
    assert "Decision made in time" in text and "Brief the board" in text
    from click.testing import CliRunner

    out = tmp_path / "dialogue.json"
    result = CliRunner().invoke(main, ["quality", "export", "QM-1", "--user",
                                       "partnership_own", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [m["number"] for m in json.loads(out.read_text())["timeline"]] == [1, 2, 13, 18]
    refused = CliRunner().invoke(main, ["quality", "export", "QM-1", "--user",
                                        "partnership_other", "--format", "docx"])
    assert refused.exit_code != 0
