"""Every role x every object kind x view/download/change/delete, through the web pages and
the API. The expected matrix is written out here, independently of the policy file, so a
change to the policy that opens access fails this test until the expectation is changed
on purpose. Refused attempts and every read of confidential material must be audited."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from django.test import Client

from observatory.audit.models import AuditEvent
from observatory.repository.models import Document, Review

from .conftest import OTHER_AREA, PASSWORD, ROLE_USERS, add_document, make_review

ROLES = ["public", *ROLE_USERS]
EVERYONE = {"public", "practitioner", "partnership_same", "partnership_different", "analyst",
            "researcher", "steering", "admin"}
# "partnership_same" = the partnership user whose area is the object's; the other
# partnership user counts as "partnership_different".
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("published_review", "view"): EVERYONE,
    ("published_review", "download"): EVERYONE,
    ("published_review", "change"): {"partnership_same", "analyst", "admin"},
    ("published_review", "delete"): {"admin"},
    ("unpublished_review", "view"): {"partnership_same", "analyst", "steering", "admin"},
    ("unpublished_review", "download"): {"partnership_same", "analyst", "steering", "admin"},
    ("unpublished_review", "change"): {"partnership_same", "analyst", "admin"},
    ("unpublished_review", "delete"): {"admin"},
    ("published_document", "view"): EVERYONE,
    ("published_document", "download"): EVERYONE,
    ("published_document", "change"): {"partnership_same", "analyst", "admin"},
    ("published_document", "delete"): {"admin"},
    ("unpublished_document", "view"): {"partnership_same", "analyst", "steering", "admin"},
    ("unpublished_document", "download"): {"partnership_same", "analyst", "steering", "admin"},
    ("unpublished_document", "change"): {"partnership_same", "analyst", "admin"},
    ("unpublished_document", "delete"): {"admin"},
    ("confidential_document", "view"): {"partnership_same", "analyst", "admin"},
    ("confidential_document", "download"): {"partnership_same", "analyst", "admin"},
    ("confidential_document", "change"): {"partnership_same", "analyst", "admin"},
    ("confidential_document", "delete"): {"admin"},
}
ACTIONS = ["view", "download", "change", "delete"]


def expected(role: str, kind: str, action: str, obj_area: str,
             table: dict[str, set[str]] | None = None) -> bool:
    if role.startswith("partnership"):
        own = (role == "partnership_own") == (obj_area != OTHER_AREA)
        role = "partnership_same" if own else "partnership_different"
    return role in (table[action] if table is not None else EXPECTED[(kind, action)])


def client_for(role: str, users) -> Client:
    client = Client()
    if role != "public":
        client.force_login(users[role])
    return client


def api_headers(role: str) -> dict[str, str]:
    if role == "public":
        return {}
    token = base64.b64encode(f"{role}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def objects(db):
    """One object of each kind, in the partnership's own area and in another area."""
    made = {}
    for area_name, area in (("own", None), ("other", OTHER_AREA)):
        kwargs = {"area": area} if area else {}
        pub = make_review(f"PUB-{area_name}", published=True, **kwargs)
        unpub = make_review(f"UNPUB-{area_name}", published=False, **kwargs)
        made[("published_review", area_name)] = pub
        made[("unpublished_review", area_name)] = unpub
        made[("published_document", area_name)] = add_document(pub, "overview_report")
        made[("unpublished_document", area_name)] = add_document(unpub, "executive_summary")
        made[("confidential_document", area_name)] = add_document(
            pub, "imr", b"%PDF-1.4\n%confidential imr\n", "imr.pdf")
    return made


def attempt(role: str, users, obj, kind: str, action: str) -> bool:
    """Try the action through every route that offers it; all routes must agree."""
    web, api = client_for(role, users), api_headers(role)
    results: list[bool] = []
    if kind.endswith("review"):
        ref = obj.reference
        if action == "view":
            results.append(web.get(f"/reviews/{ref}/").status_code == 200)
            results.append(web.get(f"/reviews/{ref}/?format=json").status_code == 200)
            results.append(Client().get(f"/api/reviews/{ref}", **api).status_code == 200)
            listed = web.get("/reviews/", {"q": ref, "format": "json"}).json()["data"]
            results.append(any(r["reference"] == ref for r in listed["reviews"]))
        elif action == "download":
            body = Client().get("/api/reviews/export", {"q": ref, "format": "csv"}, **api)
            results.append(ref in body.content.decode("utf-8-sig"))
        elif action == "change":
            page = web.get(f"/reviews/{ref}/edit/")
            data = {"reference": ref, "title": f"changed by {role}",
                    "local_authority": obj.local_authority_id,
                    "review_type": obj.review_type_id, "outcome": obj.outcome_id,
                    "incident_date": "2015-01-10", "child_age_months": "5"}
            web.post(f"/reviews/{ref}/edit/", data)
            changed = Review.objects.get(pk=obj.pk).title == f"changed by {role}"
            results.extend([page.status_code == 200, changed])
        elif action == "delete":
            page = web.get(f"/reviews/{ref}/delete/")
            web.post(f"/reviews/{ref}/delete/")
            results.extend([page.status_code == 200,
                            not Review.objects.filter(pk=obj.pk).exists()])
    else:
        pk = obj.pk
        if action == "view":
            results.append(web.get(f"/documents/{pk}/").status_code == 200)
            results.append(Client().get(f"/api/documents/{pk}", **api).status_code == 200)
            detail = web.get(f"/reviews/{obj.review.reference}/?format=json")
            results.append(detail.status_code == 200
                           and any(d["id"] == pk for d in detail.json()["data"]["documents"]))
        elif action == "download":
            for response in (web.get(f"/documents/{pk}/download/"),
                             Client().get(f"/api/documents/{pk}/download", **api)):
                ok = response.status_code == 200
                if ok:
                    content = b"".join(response.streaming_content)
                    assert content.startswith(b"%PDF"), "served something other than the file"
                results.append(ok)
        elif action == "change":
            before = obj.versions.count()
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile("v2.pdf", f"%PDF-1.4\n% v2 by {role}\n".encode())
            web.post(f"/documents/{pk}/versions/new/", {"file": upload})
            results.append(Document.objects.get(pk=pk).versions.count() == before + 1)
        elif action == "delete":
            web.post(f"/documents/{pk}/delete/")
            results.append(not Document.objects.filter(pk=pk).exists())
    assert len(set(results)) == 1, f"routes disagree for {role} {action} {kind}: {results}"
    return results[0]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("kind", ["published_review", "unpublished_review", "published_document",
                                  "unpublished_document", "confidential_document"])
@pytest.mark.parametrize("area", ["own", "other"])
def test_matrix(users, objects, kind, action, area):
    obj = objects[(kind, area)]
    obj_area = obj.access_area_id
    from observatory.vocabularies.models import LocalAuthority

    gss = LocalAuthority.objects.get(pk=obj_area).gss_code
    for role in ROLES:
        if action == "delete" or (action == "change" and kind.endswith("review")):
            # Destructive actions: fresh objects for each role.
            obj = _fresh(kind, area, role)
        before_refused = AuditEvent.objects.filter(allowed=False).count()
        before_conf = AuditEvent.objects.filter(confidential=True, allowed=True).count()
        got = attempt(role, users, obj, kind, action)
        want = expected(role, kind, action, gss)
        assert got == want, f"{role} {action} {kind} ({area} area): got {got}, expected {want}"
        if kind.endswith("review") and action == "download":
            # Exports are scoped to what the user may see, never refused; each is audited.
            assert AuditEvent.objects.filter(action="export").exists()
        elif not got:
            assert AuditEvent.objects.filter(allowed=False).count() > before_refused, (
                f"refused {action} of {kind} by {role} was not audited")
        elif kind == "confidential_document":
            assert AuditEvent.objects.filter(confidential=True, allowed=True).count() > (
                before_conf), f"{role}'s {action} of confidential material was not audited"


def _fresh(kind: str, area: str, role: str):
    from .conftest import OWN_AREA

    gss = OWN_AREA if area == "own" else OTHER_AREA
    review = make_review(f"X-{kind[:5]}-{area}-{role}", area=gss,
                         published=not kind.startswith("unpublished"))
    if kind.endswith("review"):
        return review
    doc_kind = {"published_document": "overview_report",
                "unpublished_document": "executive_summary",
                "confidential_document": "chronology"}[kind]
    return add_document(review, doc_kind, f"%PDF-1.4\n%{role}\n".encode())


@pytest.mark.parametrize("role", ROLES)
def test_audit_log_and_admin_matrix(users, role):
    web, api = client_for(role, users), api_headers(role)
    may_see_audit = role in {"steering", "admin"}
    assert (web.get("/audit/").status_code == 200) == may_see_audit
    assert (Client().get("/api/audit", **api).status_code == 200) == may_see_audit
    # Users and controlled lists are changed only in the admin site, by administrators.
    assert (web.get("/admin/auth/user/").status_code == 200) == (role == "admin")
    assert (web.get("/admin/vocabularies/term/").status_code == 200) == (role == "admin")
    assert web.get("/lists/").status_code == 200  # everyone may read the lists


@pytest.mark.parametrize("role", ROLES)
def test_users_lists_and_audit_change_delete_matrix(users, role):
    """Users and lists: only administrators change or delete; audit events: nobody."""
    from django.contrib.auth.models import User

    from observatory.vocabularies.models import Term

    web = client_for(role, users)
    victim = User.objects.create_user("victim", password=PASSWORD)
    web.post(f"/admin/auth/user/{victim.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=victim.pk).exists() == (role != "admin")

    term = Term.objects.get(vocabulary__key="sex", code="not_known")
    page = web.get(f"/admin/vocabularies/term/{term.pk}/change/")
    assert (page.status_code == 200) == (role == "admin")
    web.post(f"/admin/vocabularies/term/{term.pk}/change/", {
        "vocabulary": term.vocabulary_id, "code": term.code, "label": f"edited by {role}",
        "description": "", "source": "", "order": term.order, "attributes": "{}",
        "active": "on"})
    edited = Term.objects.get(pk=term.pk).label == f"edited by {role}"
    assert edited == (role == "admin")

    event = AuditEvent.objects.create(role="analyst", action="view", object_kind="x")
    web.post(f"/admin/audit/auditevent/{event.pk}/change/", {"detail": "tampered"})
    web.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.get(pk=event.pk).detail == ""
    with pytest.raises(PermissionError):
        event.delete()


# Action plans (the register of recommendations, actions, evidence): written out here too.
PLAN_EXPECTED = {
    "view": {"partnership_same", "analyst", "admin"},
    "download": {"partnership_same", "analyst", "admin"},
    "change": {"partnership_same", "admin"},
    "delete": {"admin"},
}


@pytest.fixture
def plans(db):
    """A register entry with an action in the partnership's own area and in another, each
    with evidence that is an IMR (confidential) and evidence that is described."""
    from datetime import date

    from observatory.register import services

    from .conftest import term

    made = {}
    admin = None
    for area_name, area in (("own", None), ("other", OTHER_AREA)):
        review = make_review(f"PLAN-{area_name}", **({"area": area} if area else {}))
        entry = services.type_in(review, number="1", text="The board should audit 20 files.",
                                 user=admin)
        services.start_plan(review, date(2026, 1, 1), admin)
        action = services.add_action(entry, admin, description="Audit 20 files",
                                     lead_agency=term("agency", "police"),
                                     lead_role="Detective inspector", priority="low")
        imr = add_document(review, "imr", b"%PDF-1.4\n%imr evidence\n", "imr.pdf")
        services.link_evidence(action, document=imr, description="IMR extract", user=admin)
        services.link_evidence(action, document=None, description="Audit figures", user=admin)
        made[area_name] = (review, entry, action)
    return made


def _plan_attempt(role: str, users, review, entry, action, act: str) -> bool:
    web = client_for(role, users)
    results: list[bool] = []
    if act == "view":
        # The register page and an action's JSON: the entry and action pages share the
        # one access check (``views._object``) the fuzz and pages tests walk too.
        for url in (f"/reviews/{review.reference}/register/",
                    f"/actions/{action.pk}/?format=json"):
            results.append(web.get(url).status_code == 200)
    elif act == "download":
        response = web.get(f"/reviews/{review.reference}/action-plan.csv")
        results.append(response.status_code == 200 and b"Audit 20 files" in response.content)
    elif act == "change":
        before = action.updates.count()
        web.post(f"/actions/{action.pk}/update/", {"text": f"update by {role}"})
        results.append(action.updates.count() == before + 1)
        page = web.post(f"/register/{entry.pk}/appraise/",
                        {"verdict_timely": "met", "reason_timely": role})
        results.append(page.status_code == 302 and entry.appraisals.get(
            criterion="timely").reason == role)
    assert len(set(results)) == 1, f"routes disagree for {role} {act} action plan: {results}"
    return results[0]


@pytest.mark.parametrize("act", ["view", "download", "change"])
@pytest.mark.parametrize("area", ["own", "other"])
def test_action_plan_matrix(users, plans, act, area):
    review, entry, action = plans[area]
    for role in ROLES:
        before_refused = AuditEvent.objects.filter(allowed=False).count()
        got = _plan_attempt(role, users, review, entry, action, act)
        want = expected(role, "action_plan", act, "" if area == "own" else OTHER_AREA,
                        table=PLAN_EXPECTED)
        assert got == want, f"{role} {act} action plan ({area} area): got {got}, want {want}"
        if not got and role != "public":
            assert AuditEvent.objects.filter(allowed=False).count() > before_refused


def test_action_plan_delete_and_evidence_confidentiality(users, plans):
    from observatory.accounts.access import can

    _, entry, action = plans["own"]
    for role in ROLES:
        user = users.get(role)
        assert can(user, "delete", action) == (role == "admin"), role
    # Evidence keeps its document's rule: a confidential IMR shows only to those who may
    # read that IMR; the described evidence shows to everyone who may see the plan.
    for role in ("partnership_own", "analyst", "admin"):
        data = client_for(role, users).get(f"/actions/{action.pk}/?format=json").json()["data"]
        assert {e["description"] for e in data["evidence"]} == {"IMR extract", "Audit figures"}
    # Whoever may not read the IMR never gets it as evidence (the rule in one function,
    # used by the action page, its JSON and the export).
    from observatory.register.present import visible_evidence

    for role in ("steering", "researcher", "practitioner", "partnership_other"):
        shown = {e.description for e in visible_evidence(users[role], action)}
        assert shown == {"Audit figures"}, role


# A review's Quality Marker dialogue is its partnership's alone, published review or not;
# nationally only counts are shown (tests/apps/test_quality.py). Written out here, apart
# from the policy file, like EXPECTED above.
EXPECTED_DIALOGUE = {"view": {"partnership_same", "admin"},
                     "download": {"partnership_same", "admin"},
                     "change": {"partnership_same", "admin"}}


@pytest.mark.parametrize("area", ["own", "other"])
def test_quality_dialogue_matrix(users, area):
    from observatory.quality.models import Entry, Participant
    from observatory.quality.services import start_dialogue

    gss = OTHER_AREA if area == "other" else None
    review = make_review(f"QM-{area}", published=True, **({"area": gss} if gss else {}))
    starter = users["partnership_other" if area == "other" else "partnership_own"]
    dialogue = start_dialogue(review, starter, Participant.BOARD_MANAGER)
    base = f"/reviews/{review.reference}/quality"
    for role in ROLES:
        web = client_for(role, users)
        refused_before = AuditEvent.objects.filter(allowed=False).count()
        got = {
            "view": {web.get(f"{base}/").status_code == 200,
                     web.get(f"{base}/?format=json").status_code == 200,
                     web.get(f"{base}/timeline/").status_code == 200,
                     web.get(f"{base}/start/1/?format=json").status_code == 200},
            "download": {web.get(f"{base}/summary.json").status_code == 200,
                         web.get(f"{base}/summary.docx").status_code == 200},
        }
        web.post(f"{base}/", {"role": "panel_member"})
        web.post(f"{base}/start/1/", {"where_we_are": f"by {role}"})
        user = users.get(role)
        got["change"] = {user is not None and Entry.objects.filter(
            dialogue=dialogue, author__user=user, where_we_are=f"by {role}").exists()}
        for action, results in got.items():
            assert len(results) == 1, f"routes disagree for {role} {action}: {results}"
            want = role in EXPECTED_DIALOGUE[action] or (
                role.startswith("partnership") and "partnership_same" in
                EXPECTED_DIALOGUE[action] and (role == "partnership_own") == (area == "own"))
            assert results.pop() == want, f"{role} {action} dialogue ({area} area)"
        if role not in ("admin",) and not (role.startswith("partnership") and
                                           (role == "partnership_own") == (area == "own")):
            assert AuditEvent.objects.filter(allowed=False).count() > refused_before


GRANT_OPENS = ["unpublished_review", "unpublished_document", "confidential_document"]


def test_research_grant_matrix(users, objects):
    """A researcher's grant for the own area and the reviews of 2015 (with IMRs and
    executive summaries) opens exactly that to view and download, through every route
    (page, JSON, API, list, export, file), and nothing in another area or year; once
    revoked, nothing it opened is seen. (Expiry: tests/apps/test_research.py.)"""
    from observatory.research import services

    from .conftest import OWN_AREA
    from .research_support import make_grant

    grant = make_grant(users["researcher"], users["steering"], areas=[OWN_AREA],
                       years=(2015, 2015), kinds=["executive_summary", "imr"])
    later = make_review("UNPUB-2019", published=False)
    Review.objects.filter(pk=later.pk).update(decision_date=date(2019, 2, 1))
    tries = [(kind, area, "view") for kind in GRANT_OPENS for area in ("own", "other")]
    tries += [(kind, "own", "download") for kind in GRANT_OPENS]
    tries += [("unpublished_document", "own", "change")]
    for kind, area, action in tries:
        got = attempt("researcher", users, objects[(kind, area)], kind, action)
        want = area == "own" and action in ("view", "download")
        assert got == want, f"grant: {action} {kind} ({area} area): got {got}"
    assert not attempt("researcher", users, later, "unpublished_review", "view")
    services.revoke(grant, users["steering"], "project stopped")
    for kind in ("unpublished_review", "confidential_document"):
        assert not attempt("researcher", users, objects[(kind, "own")], kind, "view"), (
            f"a revoked grant still opens {kind}")


# Learning into practice: published briefings and findings are the public site; drafts are
# the analysts'. Deleting has no route (administrators use the admin site).
EXPECTED_LEARNING: dict[tuple[str, str], set[str]] = {
    ("published_learning", "view"): EVERYONE,
    ("published_learning", "download"): EVERYONE,
    ("published_learning", "change"): {"analyst", "admin"},
    ("unpublished_learning", "view"): {"analyst", "admin"},
    ("unpublished_learning", "change"): {"analyst", "admin"},
}


def _learning_attempt(web: Client, role: str, kind: str, action: str, briefing,
                      finding) -> bool:
    from observatory.learning.models import BriefingVersion

    slug = briefing.slug
    if kind == "published_learning" and action == "view":
        results = [web.get(f"/learning/briefings/{slug}/").status_code == 200,
                   web.get(f"/learning/findings/{finding.pk}/?format=json").status_code == 200]
    elif action == "download":
        results = [web.get(f"/learning/briefings/{slug}/pdf/").status_code == 200]
    elif action == "view":
        results = [web.get(f"/learning/manage/briefings/{slug}/").status_code == 200,
                   web.get("/learning/manage/?format=json").status_code == 200]
    else:
        before = BriefingVersion.objects.filter(briefing=briefing).count()
        web.post(f"/learning/manage/briefings/{slug}/", {
            "title": f"by {role}", "summary": "s", "note": f"edited by {role}"})
        results = [BriefingVersion.objects.filter(briefing=briefing).count() == before + 1]
    assert len(set(results)) == 1, f"routes disagree for {role} {action} {kind}: {results}"
    return results[0]


def test_learning_matrix(users):
    """One published finding, one published and one draft briefing; every role tries every
    action on each through the pages (one world: the PDF is laid out once)."""
    from observatory.learning import services

    from .learning.helpers import coded_finding

    source = coded_finding("LEARN-M", users["analyst"])
    finding, _ = services.publish_finding(source, users["analyst"])
    published = services.draft_briefing("issue_02", users["analyst"])
    assert services.approve_briefing(published, users["admin"]) == []
    draft = services.draft_briefing("issue_02", users["analyst"])
    web = Client()  # one client, signed in as each role in turn (each new one scans static)
    for kind, action in sorted(EXPECTED_LEARNING):
        briefing = published if kind == "published_learning" else draft
        for role in ROLES:
            web.logout()
            if role != "public":
                web.force_login(users[role])
            before_refused = AuditEvent.objects.filter(allowed=False).count()
            got = _learning_attempt(web, role, kind, action, briefing, finding)
            want = role.replace("_own", "_same").replace("_other", "_different") in \
                EXPECTED_LEARNING[(kind, action)]
            assert got == want, f"{role} {action} {kind}: got {got}, expected {want}"
            if not got and action == "change":
                assert AuditEvent.objects.filter(allowed=False).count() > before_refused
