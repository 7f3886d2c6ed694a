"""The coding app through the database: codebooks (versions, retire-not-delete, refused
imports), blind coding by two coders with suggestions, optimistic locking, agreement,
adjudication, exports and the query for analysis."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.test import Client

from observatory.accounts.services import create_user
from observatory.audit.models import AuditEvent
from observatory.coding.models import (
    Code,
    Codebook,
    CodebookVersion,
    CodedSegment,
    CodingProgress,
    Status,
)
from observatory.coding.services import codes_per, ensure_codebooks, retrain
from observatory.ingestion.models import DocumentText, Recommendation
from observatory_core.coding.refi import read_qdpx

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def coders(db):
    return {n: create_user(n, PASSWORD, r) for n, r in
            (("ann", "analyst"), ("bob", "researcher"), ("pat", "practitioner"))}


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c, document, **data):
    data.setdefault("codebook", "recommendation_themes")
    data.setdefault("units", "recommendation")
    return c.post(f"/coding/documents/{document.pk}/", data,
                  HTTP_X_REQUESTED_WITH="fetch")


def test_shipped_codebooks_loaded_and_json(coders):
    page = client(coders["pat"]).get("/coding/?format=json").json()["data"]
    assert {b["key"] for b in page["codebooks"]} >= {"recommendation_themes", "care_pathway",
                                                     "agencies"}
    assert page["documents"] == []  # practitioners do not code
    book = client(coders["pat"]).get("/coding/codebooks/care_pathway/?format=json").json()
    assert [c["key"] for c in book["data"]["codes"][:2]] == ["stage", "A"]


def test_edit_codebook_versions_and_retire_in_use(coders, coded_document):
    ensure_codebooks()
    ann = client(coders["ann"])
    book = Codebook.objects.get(key="recommendation_themes")
    v = book.version
    r = ann.post(book.get_absolute_url(), {"action": "save", "key": "new_theme",
                                           "name": "New theme", "parent": "managing_case",
                                           "keywords": "alpha\nbeta"})
    assert r.status_code == 302
    book.refresh_from_db()
    assert book.version == v + 1 and CodebookVersion.objects.filter(codebook=book).count() == 2
    # a cycle is refused with the reason
    r = ann.post(book.get_absolute_url(), {"action": "save", "key": "managing_case",
                                           "name": "Managing", "parent": "new_theme"})
    assert r.status_code == 400 and "cycle" in r.content.decode()
    # a practitioner may not edit
    assert client(coders["pat"]).post(book.get_absolute_url(), {
        "action": "save", "key": "x", "name": "X"}).status_code == 403
    # used code: retired, not deleted
    rec = Recommendation.objects.filter(version__document=coded_document).first()
    post(ann, coded_document, action="add", code="new_theme", unit=f"recommendation:{rec.pk}")
    ann.post(book.get_absolute_url(), {"action": "remove", "key": "new_theme"})
    code = Code.objects.get(codebook=book, key="new_theme")
    assert code.retired and CodedSegment.objects.filter(code=code).exists()
    # an unused code is deleted
    ann.post(book.get_absolute_url(), {"action": "save", "key": "tmp", "name": "Tmp"})
    ann.post(book.get_absolute_url(), {"action": "remove", "key": "tmp"})
    assert not Code.objects.filter(codebook=book, key="tmp").exists()


def test_bad_import_refused_with_every_problem(coders):
    ann = client(coders["ann"])
    bad = io.BytesIO(b"id,name,parent\na,A,\na,Again,\nb,,zz\n")
    bad.name = "bad.csv"
    r = ann.post("/coding/codebooks/import/", {"file": bad, "key": "bad",
                                                "name": "Bad", "source": "a test file"},
                 HTTP_ACCEPT="application/json")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert any("duplicate id 'a'" in e for e in errors)
    assert any("missing name" in e for e in errors) and any("unknown parent" in e for e in errors)
    assert not Codebook.objects.filter(key="bad").exists()
    good = b"id,name,parent\na,A,\nb,B,a\n"
    upload = io.BytesIO(good)
    upload.name = "good.csv"
    r = ann.post("/coding/codebooks/import/", {"file": upload, "key": "good", "name": "Good",
                                                "source": "a test file"})
    assert r.status_code == 302 and Codebook.objects.get(key="good").codes.count() == 2


def test_two_coders_blind_lock_compare_adjudicate_export(coders, coded_document):
    ann, bob = client(coders["ann"]), client(coders["bob"])
    recs = list(Recommendation.objects.filter(version__document=coded_document)
                .order_by("index"))
    # suggestions: each coder's own rows, with confidence and why
    made = post(ann, coded_document, action="suggest").json()["data"]["made"]
    assert made >= 3
    sugg = CodedSegment.objects.filter(coder=coders["ann"], status=Status.SUGGESTED)
    training = sugg.get(code__key="training", recommendation=recs[0])
    assert training.confidence and "rule" in training.explanation
    # ann accepts one, adds one by selecting text
    r = post(ann, coded_document, action="decide", segment=training.pk, lock=training.lock,
             status="accepted")
    assert r.json()["data"]["status"] == "accepted"
    # a stale lock is refused, never overwriting
    stale = post(ann, coded_document, action="decide", segment=training.pk,
                 lock=training.lock, status="rejected")
    assert stale.status_code == 409
    # bob cannot touch ann's rows
    assert post(bob, coded_document, action="decide", segment=training.pk,
                lock=training.lock + 1, status="rejected").status_code == 400
    text = DocumentText.objects.get(version=recs[1].version).text
    start = text.index("quality of recording", recs[1].start)
    r = post(ann, coded_document, action="add", code="recording",
             unit=f"recommendation:{recs[1].pk}", start=start,
             end=start + len("quality of recording"), memo="clear")
    seg = CodedSegment.objects.get(pk=r.json()["data"]["id"])
    assert seg.text == "quality of recording" and seg.memo == "clear"
    # bob codes blind: he never sees ann's rows
    page = bob.get(f"/coding/documents/{coded_document.pk}/?format=json").json()["data"]
    assert all(not u["segments"] for u in page["units"])
    post(bob, coded_document, action="add", code="training", unit=f"recommendation:{recs[0].pk}")
    post(bob, coded_document, action="add", code="information_sharing",
         unit=f"recommendation:{recs[1].pk}")
    # the comparison stays closed (and others' codes out of exports) until both are done
    compare_url = f"/coding/documents/{coded_document.pk}/compare/?format=json"
    closed = bob.get(compare_url).json()["data"]
    assert closed["open"] is False and closed["status"] == {"ann": False, "bob": False}
    assert "per_code" not in closed
    rows = bob.get("/coding/export/", {"codebook": "recommendation_themes", "set": "all",
                                       "format": "json"}).json()["data"]
    assert {r["coder"] for r in rows} == {"bob"}
    assert bob.get(compare_url + "&open=early").json()["data"]["open"] is False
    # an adjudicator may open it early; that is audited
    assert ann.get(compare_url + "&open=early").json()["data"]["early"] is True
    assert AuditEvent.objects.filter(detail__contains="opened before every coder").exists()
    for c in (ann, bob):
        assert post(c, coded_document, action="done").status_code == 200
    # comparison: kappa and the disagreements
    cmp = ann.get(f"/coding/documents/{coded_document.pk}/compare/?format=json").json()["data"]
    assert cmp["coders"] == ["ann", "bob"] and cmp["units"] == 4
    per = {c["code"]: c for c in cmp["per_code"]}
    assert per["training"]["kappa"] == pytest.approx(1.0)
    assert per["recording"]["disagreed"] == 1
    assert cmp["kappa"] is not None and cmp["kappa"] < 1
    assert {(d["code"], tuple(d["applied_by"])) for d in cmp["disagreements"]} >= {
        ("recording", ("ann",)), ("information_sharing", ("bob",))}
    # adjudication
    r = ann.post(f"/coding/documents/{coded_document.pk}/compare/", {
        "codebook": "recommendation_themes", "units": "recommendation",
        "consensus": [f"recommendation:{recs[0].pk}|training",
                      f"recommendation:{recs[1].pk}|recording"]})
    assert r.status_code == 302
    assert CodedSegment.objects.filter(consensus=True).count() == 2
    # the clean query for analysis: consensus wins where there is one
    rows = codes_per(review=coded_document.review, codebook="recommendation_themes")
    assert {(r["unit_id"], r["code"]) for r in rows} == {(recs[0].pk, "training"),
                                                          (recs[1].pk, "recording")}
    # exports
    body = ann.get("/coding/export/", {"codebook": "recommendation_themes", "format": "csv",
                                       "set": "consensus"}).content.decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(body)))
    assert len(lines) == 2 and lines[0]["review"] == "CODE-1" and lines[0]["page"] == "1"
    xlsx = ann.get("/coding/export/", {"codebook": "recommendation_themes", "format": "xlsx"})
    assert xlsx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(xlsx.content))
    qdpx = ann.get("/coding/export/", {"codebook": "recommendation_themes", "format": "qdpx",
                                       "set": "consensus"}).content
    project = read_qdpx(qdpx, codebook_key="recommendation_themes")
    [source] = project.sources
    assert source.text == text
    assert {source.text[s.start:s.end] for s in source.selections} == {
        recs[0].text, "quality of recording"} or len(source.selections) == 2
    # everything: the consensus under a coder of its own beside ann's codings (a QDA tool
    # merging codings of one user, code and span would drop it), and ann's memo a note
    assert post(ann, coded_document, action="progress", done="on",
                memo="Checked twice").status_code == 200
    project = read_qdpx(ann.get("/coding/export/", {"codebook": "recommendation_themes",
                                                    "format": "qdpx", "set": "all"}).content,
                        codebook_key="recommendation_themes")
    [source] = project.sources
    users = {u.guid: u.name for u in project.users}
    assert set(users.values()) == {"ann", "bob", "Consensus"}
    coded = {(users[s.user], s.code) for s in source.selections}
    assert {("Consensus", "training"), ("Consensus", "recording"), ("ann", "training"),
            ("ann", "recording")} <= coded
    assert [(n.text, users[n.user]) for n in source.notes] == [("Checked twice", "ann")]
    # practitioners cannot export codings; downloads are audited
    assert client(coders["pat"]).get("/coding/export/").status_code == 403
    assert AuditEvent.objects.filter(object_kind="coding", action="download").exists()


def test_retrain_learns_from_confirmed_codes(coders, coded_document, monkeypatch,
                                            django_capture_on_commit_callbacks):
    from observatory.coding import services

    monkeypatch.setattr(services, "MIN_TO_TRAIN", 4)
    ann = client(coders["ann"])
    recs = list(Recommendation.objects.filter(version__document=coded_document))
    with django_capture_on_commit_callbacks(execute=True):
        for rec, code in zip(recs, ["training", "recording", "information_sharing", "audit"],
                             strict=True):
            post(ann, coded_document, action="add", code=code, unit=f"recommendation:{rec.pk}")
    book = Codebook.objects.get(key="recommendation_themes")
    model = book.models.get()  # retrained in the background after the fourth confirmed unit
    assert model.trained_on == 4
    assert retrain(book).trained_on == 4
    # The stored model is signed with this installation's key: it loads; an unsigned
    # pickle written into the table is refused (and suggestions fall back to the rules).
    assert services.load_model(book) is not None
    import joblib as _joblib

    raw = _io_bytes(_joblib, services.CodeModel.loads(model.blob, services.model_key()))
    model.blob = raw
    model.save(update_fields=["blob"])
    book.models.exclude(pk=model.pk).delete()
    assert services.load_model(book) is None


def _io_bytes(joblib, obj) -> bytes:
    import io

    out = io.BytesIO()
    joblib.dump(obj, out)
    return out.getvalue()


def test_confidential_documents_keep_their_access(coders, db, django_capture_on_commit_callbacks):
    from ..conftest import make_review as mk
    from .conftest import REPORT

    review = mk("CODE-2")
    import io as _io

    from observatory.repository.services import store_version

    from ..conftest import term
    with django_capture_on_commit_callbacks(execute=True):
        doc = store_version(review=review, kind=term("document_kind", "imr"),
                            filename="imr.txt", stream=_io.BytesIO(REPORT.encode())
                            ).version.document
    # researchers code, but may not see confidential documents
    assert client(coders["bob"]).get(f"/coding/documents/{doc.pk}/").status_code == 404
    assert client(coders["ann"]).get(f"/coding/documents/{doc.pk}/").status_code == 200


def test_code_a_whole_review_with_progress(coders, coded_document):
    ann = client(coders["ann"])
    rec = Recommendation.objects.filter(version__document=coded_document).first()
    post(ann, coded_document, action="add", code="training", unit=f"recommendation:{rec.pk}")
    url = f"/coding/reviews/{coded_document.review.reference}/"
    page = ann.get(url, {"format": "json"}).json()["data"]
    [doc] = page["documents"]
    recs = next(u for u in doc["units"] if u["units"] == "recommendation")
    assert (recs["decided"], recs["count"]) == (1, 4) and not doc["done"]
    assert page["progress"]["decided"] == 1
    assert ann.get(url).status_code == 200
    assert client(coders["pat"]).get(url).status_code == 403
    assert ann.get("/coding/reviews/NOPE/").status_code == 404


def test_each_decision_answers_with_the_progress_the_page_shows(coders, coded_document):
    """The workbench's counters follow each decision without a reload: every answer to a
    decision carries the coder's progress, counted as the page counts it."""
    ann = client(coders["ann"])
    recs = list(Recommendation.objects.filter(version__document=coded_document))
    added = post(ann, coded_document, action="add", code="training",
                 unit=f"recommendation:{recs[0].pk}").json()["data"]
    assert added["progress"] == {"units": 4, "decided": 1, "done": False, "percent": 25}
    post(ann, coded_document, action="suggest")
    suggestion = CodedSegment.objects.filter(
        coder=coders["ann"], status="suggested", target="recommendation").exclude(
        recommendation=recs[0]).first()
    assert suggestion is not None
    decided = post(ann, coded_document, action="decide", segment=suggestion.pk,
                   lock=suggestion.lock, status="rejected").json()["data"]
    assert decided["progress"]["decided"] == 2 and decided["progress"]["percent"] == 50
    page = ann.get(f"/coding/documents/{coded_document.pk}/", {"format": "json"}).json()
    assert page["data"]["progress"]["decided"] == 2  # the page counts the same


def test_finishing_is_one_control_and_saving_the_memo_keeps_it(coders, coded_document):
    ann = client(coders["ann"])
    done = post(ann, coded_document, action="done").json()["data"]
    assert done["done"] is True and done["progress"]["done"] is True
    post(ann, coded_document, action="progress", memo="Checked twice")  # no 'done' field
    progress = CodingProgress.objects.get(coder=coders["ann"])
    assert progress.done is True and progress.memo == "Checked twice"
    page = ann.get(f"/coding/documents/{coded_document.pk}/").content.decode()
    assert page.count("I have finished coding this document") == 0
    fresh = client(coders["bob"]).get(f"/coding/documents/{coded_document.pk}/")
    assert fresh.content.decode().count("I have finished coding this document") == 1
