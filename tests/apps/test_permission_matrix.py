"""Every role x every object kind x view/download/change/delete, through the web pages and
the API. The expected matrix is written out here, independently of the policy file, so a
change to the policy that opens access fails this test until the expectation is changed
on purpose. Refused attempts and every read of confidential material must be audited."""

from __future__ import annotations

import base64

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


def expected(role: str, kind: str, action: str, obj_area: str) -> bool:
    if role.startswith("partnership"):
        own = (role == "partnership_own") == (obj_area != OTHER_AREA)
        role = "partnership_same" if own else "partnership_different"
    return role in EXPECTED[(kind, action)]


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
