"""`observatory ingest` over a folder, search (web, API, CLI) and who sees derived data."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from django.test import Client

from observatory.cli import main
from observatory.ingestion.models import DocumentText, IngestJob, Passage, PersonalDataFlag
from observatory.ingestion.search import fts5_query, search
from observatory.repository.models import Document, DocumentVersion

from ..conftest import OTHER_AREA, make_review

pytestmark = pytest.mark.django_db
SECRET = "The aardvark protocol was never shared with the school nurse."


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="observatory")


def test_ingest_folder_good_duplicate_bad_and_unmatched(tmp_path, overview_pdf, summary_docx):
    review = make_review("DEMO-2009-002")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(overview_pdf, folder / overview_pdf.name)
    shutil.copy(summary_docx, folder / "sub" / summary_docx.name)
    shutil.copy(overview_pdf, folder / "sub" / "DEMO-2009-002-overview-report-copy.pdf")
    (folder / "DEMO-2009-002-overview-report-broken.pdf").write_bytes(
        b"<html><body>not a pdf</body></html>")
    (folder / "notes-overview-report.pdf").write_bytes(overview_pdf.read_bytes()[:100])

    result = run("ingest", folder)
    assert result.exit_code == 1, result.output
    assert "2 ingested, 1 unchanged, 2 failed (5 files)" in result.output
    assert "DEMO-2009-002-overview-report-broken.pdf: " in result.output
    assert "notes-overview-report.pdf: no review reference" in result.output
    assert Document.objects.filter(review=review).count() == 2
    assert IngestJob.objects.filter(status="done").count() == 2
    assert DocumentText.objects.count() == 2
    kinds = set(Document.objects.values_list("kind__code", flat=True))
    assert kinds == {"overview_report", "executive_summary"}

    again = run("ingest", folder)
    assert "0 ingested, 3 unchanged, 2 failed" in again.output
    assert DocumentVersion.objects.count() == 2


def test_ingest_with_review_and_kind(tmp_path, overview_pdf):
    review = make_review("ING-CLI")
    path = tmp_path / "report.pdf"
    shutil.copy(overview_pdf, path)
    result = run("ingest", path, "--review", "ING-CLI", "--kind", "other")
    assert result.exit_code == 0, result.output
    assert "1 ingested, 0 unchanged, 0 failed" in result.output
    assert Passage.objects.filter(review=review).count() > 50
    assert run("ingest", path, "--review", "NOPE").exit_code != 0


def test_search_finds_a_phrase_on_the_right_page(upload, overview_pdf):
    review = make_review("ING-FIND")
    version, _ = upload(review, "overview_report", overview_pdf)
    text = DocumentText.objects.get(version=version)
    phrase = "professional curiosity"
    offset = text.text.lower().index(phrase)
    expected = next(n for n, s, e in text.pages if s <= offset < e)

    page = search(None, f'"{phrase}"')
    assert page.total >= 1
    first = min(page.hits, key=lambda h: h.index)
    assert phrase in str(first.snippet).lower().replace("<mark>", "").replace("</mark>", "")
    assert "<mark>" in str(first.snippet)
    hit_pages = {h.page for h in page.hits}
    assert expected in hit_pages
    assert first.url.startswith(f"/documents/{version.document_id}/text/?version=1&page=")
    assert first.url.endswith(f"#p-{first.index}")
    assert search(None, "recommendation").total > 0
    # filters: a review outside the filter is not searched; section kind narrows
    from observatory.repository.filters import ReviewFilterForm, visible_reviews

    form = ReviewFilterForm({"outcome": "serious_harm"})
    assert form.is_valid()
    assert search(None, phrase, reviews=form.filter(visible_reviews(None))).total == 0
    sample = Passage.objects.filter(version=version, section_kind="recommendations",
                                    kind__in=["paragraph", "list_item"]).first()
    word = max(sample.text.split(), key=len).strip(".,;:()")
    in_recs = search(None, word, section_kind="recommendations")
    assert in_recs.total > 0 and {h.section_kind for h in in_recs.hits} == {"recommendations"}


def test_query_syntax_cannot_break_fts():
    assert fts5_query('foo AND bar* "a b" OR NEAR(x) -y col:z') == (
        '"foo" "AND" "bar" "a b" OR "NEAR x" "y" "col z"')
    assert fts5_query('" ( * ') == ""


def test_confidential_passages_never_reach_roles_that_may_not_see_them(upload, users):
    own = make_review("ING-OWN")
    other = make_review("ING-OTHER", area=OTHER_AREA)
    upload(own, "imr", SECRET.encode(), "imr.txt")
    upload(other, "imr", SECRET.encode() + b" Other area.", "imr2.txt")
    upload(own, "overview_report", b"The school nurse saw the child twice.", "ov.txt")

    assert search(None, "aardvark").total == 0
    assert search(users["practitioner"], "aardvark").total == 0
    assert search(users["researcher"], "aardvark").total == 0
    assert search(users["practitioner"], "school nurse").total == 1  # counts exclude IMRs
    assert search(users["partnership_own"], "aardvark").total == 1
    assert search(users["analyst"], "aardvark").total == 2
    assert search(users["analyst"], "school nurse").total == 3

    client = Client()
    client.force_login(users["practitioner"])
    body = client.get("/search/", {"q": "aardvark", "format": "json"}).json()
    assert body["data"]["total"] == 0 and body["data"]["results"] == []
    html = client.get("/search/", {"q": "school nurse"}).content.decode()
    assert "aardvark" not in html and "1 passage found" in html
    api = client.get("/api/search", {"q": "aardvark"}).json()
    assert api["total"] == 0
    result = run("search", "aardvark", "--user", "practitioner", "--format", "json")
    assert json.loads(result.output)["total"] == 0
    result = run("search", "aardvark", "--user", "analyst")
    assert result.output.startswith("2 passages found") and "[[aardvark]]" in result.output


def test_counts_are_capped_and_exclude_confidential_passages(upload, users, monkeypatch):
    from observatory.ingestion import search as search_module

    monkeypatch.setattr(search_module, "COUNT_CAP", 5)
    review = make_review("ING-CAP")
    lines = "\n\n".join(f"The gannet report {i} was read." for i in range(5))
    upload(review, "overview_report", lines.encode(), "ov.txt")
    upload(review, "imr", (lines + " In the IMR.").encode(), "imr.txt")
    practitioner, analyst = users["practitioner"], users["analyst"]
    for limit in (2, 20):  # a full page (capped count) and a short one (no count query)
        page = search(practitioner, "gannet", limit=limit, mode="keyword")
        assert (page.total, page.more, page.total_label) == (5, False, "5")  # IMRs not counted
        assert all(not h.confidential for h in page.hits)
    capped = search(analyst, "gannet", limit=2, mode="keyword")
    assert (capped.total, capped.more, capped.total_label) == (5, True, "5+")
    assert len(capped.hits) == 2
    # the page, its JSON and the API say "5+" too, never a number the cap made up
    from django.test import Client

    client = Client()
    client.force_login(analyst)
    page_html = client.get("/search/", {"q": "gannet", "mode": "keyword"}).content.decode()
    assert "5+ passages found" in page_html
    api = client.get("/api/search", {"q": "gannet", "mode": "keyword", "limit": 2}).json()
    assert (api["total"], api["more"]) == (5, True)
    monkeypatch.setattr(search_module, "COUNT_CAP", 1000)
    assert search(analyst, "gannet", limit=2, mode="keyword").total == 10


def test_ranking_falls_back_inside_the_filter_when_the_best_are_hidden(upload, users):
    """The best matches are ranked without the access filter and then checked; when all
    of them are confidential, the ranking is redone inside the filter."""
    review = make_review("ING-RANK")
    hidden = "\n\n".join(f"Item {i}: the gannet gannet gannet flew." for i in range(50))
    upload(review, "imr", hidden.encode(), "imr.txt")
    upload(review, "overview_report", b"Once, far out over the long grey sea, a single "
           b"gannet was seen by the health visitor and by nobody else that winter.", "ov.txt")
    page = search(users["practitioner"], "gannet", limit=1, mode="keyword")
    assert page.total == 1 and len(page.hits) == 1 and not page.hits[0].confidential
    assert search(users["analyst"], "gannet", limit=1, mode="keyword").hits[0].confidential


def test_totals_never_count_passages_matched_only_inside_redacted_text(upload, users):
    name = "Kelly Marie Campbell"
    report = f"Overview report\n\n1. Introduction\n\n1.1 {name} was 17 when she died.\n"
    report += "".join(f"\n1.{i} {name} was seen by the health visitor on visit {i}.\n"
                      for i in range(2, 6))
    version, job = upload(make_review("ING-REDCOUNT"), "overview_report", report.encode(),
                          "report.txt")
    assert job.status == IngestJob.DONE, job.message
    assert PersonalDataFlag.objects.filter(version=version, text__contains="Campbell").exists()
    practitioner, analyst = users["practitioner"], users["analyst"]
    for limit in (1, 20):  # before: only the page shown was adjusted, so limit=1 gave 4
        page = search(practitioner, "Campbell", limit=limit, mode="keyword")
        assert (page.total, page.hits) == (0, [])
    assert search(analyst, "Campbell", limit=1, mode="keyword").total == 5
    assert search(practitioner, "health visitor", limit=1, mode="keyword").total == 4
    client = Client()
    client.force_login(practitioner)
    assert client.get("/api/search", {"q": "Campbell", "limit": 1}).json()["total"] == 0


def test_derived_data_takes_the_permission_of_its_document(upload, users):
    review = make_review("ING-PERM")
    version, _ = upload(review, "imr", SECRET.encode(), "imr.txt")
    pk = version.document_id
    urls = [f"/documents/{pk}/text/", f"/documents/{pk}/dataset/",
            f"/documents/{pk}/ingestion/", f"/api/documents/{pk}/extracted"]
    for role, status in (("practitioner", 404), ("researcher", 404), ("analyst", 200),
                         ("partnership_own", 200), ("partnership_other", 404)):
        client = Client()
        client.force_login(users[role])
        for url in urls:
            answer = client.get(url, {"format": "json"})
            assert answer.status_code == status, (role, url, answer.status_code)
            if status == 404:
                assert "aardvark" not in answer.content.decode()
    anonymous = Client().get(f"/documents/{pk}/text/", {"format": "json"})
    assert anonymous.status_code == 404
    analyst = Client()
    analyst.force_login(users["analyst"])
    page = analyst.get(f"/documents/{pk}/text/", {"page": 1}).content.decode()
    assert 'id="p-0"' in page and "aardvark" in page
    # a practitioner may not decide values drafted from a document they cannot see
    practitioner = Client()
    practitioner.force_login(users["practitioner"])
    assert practitioner.post(f"/documents/{pk}/dataset/", {"extraction": 1,
                                                           "action": "confirm"}).status_code == 404


def test_document_page_shows_status_sections_recommendations_and_dataset(upload, overview_pdf,
                                                                         users):
    review = make_review("ING-PAGE")
    version, _ = upload(review, "overview_report", overview_pdf)
    client = Client()
    client.force_login(users["analyst"])
    html = client.get(f"/documents/{version.document_id}/").content.decode()
    assert 'id="ingest-status"' in html and "govuk-tag--green" in html
    assert 'id="sections-table"' in html and 'id="recommendations-table"' in html
    assert "obs-addressee" in html and "<mark>" in html and "Confirm<span" in html
    status = client.get(f"/documents/{version.document_id}/ingestion/?format=json").json()
    assert status["data"]["status"] == "done" and status["data"]["percent"] == 100
    extracted = client.get(f"/api/documents/{version.document_id}/extracted").json()
    assert extracted["recommendations"][0]["addressee"]
    assert extracted["dataset"][0]["page"] >= 1
    # a practitioner sees the results but cannot decide
    viewer = Client()
    viewer.force_login(users["practitioner"])
    html = viewer.get(f"/documents/{version.document_id}/").content.decode()
    assert 'id="recommendations-table"' in html and "Confirm<span" not in html
