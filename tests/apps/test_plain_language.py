"""No internal words reach people: every page the URL resolver knows, opened as every role,
and the reports' PDF text and the tables' CSV, are free of the project's working words
(source reports by their file number, issue numbers, file paths, command lines, pipeline
step producers, raw snake_case labels, unknown step counts)."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from observatory.analysis.models import SavedAnalysis
from observatory.analysis.tables import REGISTRY
from observatory.consultation import services as delphi
from observatory.ingestion.models import Passage
from observatory.repository.services import store_version

from .conftest import ROLE_USERS, make_review, term

pytestmark = pytest.mark.django_db

JARGON = {
    "a source report by its number": re.compile(r"\b[Ss]eeds? 00\d\b|\(00[0-4] (?:Table|Figure"
                                                r"|Annex|ch\.)"),
    "an issue number": re.compile(r"\b[Ii]ssue \d+\b"),
    "a file path": re.compile(r"\b(?:docs|src|tests|scripts)/[\w./-]+"),
    "a command line": re.compile(r"\bobservatory (?:import|lists|table|report|setup|ingest|demo"
                                 r"|coding|delphi|users|audit|manage|extract)\b"),
    "a step producer": re.compile(r"\b[a-z_]+@\d+(?::|\b)"),
    "a raw label": re.compile(r"\b[A-Z][a-z]+_[a-z_]+\b"),
    "an unknown step count": re.compile(r"\bof \?"),
}
REPORT = (b"Overview report\n\nIntroduction\n\nThis review concerns Child K, a 3-year-old girl "
          b"who died in March 2015. Dr Jane Doe saw her twice; date of birth 03/04/2012.\n\n"
          b"Findings\n\nFinding 1: Agencies did not share what they knew.\n\n"
          b"Recommendations\n\n1. Police should share information with children's social care."
          b"\n\n2. Health visitors should visit weekly.\n")
# Pages that only answer a POST, and actions that change things when opened.
SKIP = ("logout", "delphi-round-action", "delphi-revoke", "delphi-rule", "delphi-section-add",
        "delphi-statement-add", "codebook-import", "delphi-round-next", "research-comment",
        "research-return", "research-approve", "research-refuse", "research-revoke",
        "research-output-upload", "research-output-exception", "research-output-release",
        "research-output-withhold")


def visible_text(body: str) -> str:
    """What a person sees or hears: text outside scripts and styles, plus titles, alt text
    and accessible names."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    names = " ".join(re.findall(r'\b(?:alt|aria-label|title)="([^"]*)"', body))
    return html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + names)


def jargon_in(text: str) -> list[str]:
    found = []
    for what, pattern in JARGON.items():
        for match in pattern.finditer(text):
            found.append(f"{what}: …{text[max(0, match.start() - 50):match.end() + 30]}…")
    return found


def routes(resolver=None, prefix: str = ""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if not str(pattern.pattern).startswith(("admin/", "api/")):
                yield from routes(pattern, prefix + str(pattern.pattern))
        elif pattern.name not in SKIP:
            yield prefix + str(pattern.pattern), pattern.name


@pytest.fixture
def site(users, django_capture_on_commit_callbacks):
    review = make_review("PLAIN-1")
    make_review("PLAIN-2", published=False)
    with django_capture_on_commit_callbacks(execute=True):
        document = store_version(review=review, kind=term("document_kind", "overview_report"),
                                 filename="report.txt", stream=io.BytesIO(REPORT)
                                 ).version.document
    study = delphi.create_study("Learning from reviews", user=users["steering"])
    section = delphi.add_section(study, "Local learning")
    version = delphi.add_statement(study, section, "Reviews should be published")
    token = delphi.invite(study, 1)[0].token
    saved = SavedAnalysis.objects.create(slug="police", name="Police", filters={"year": "2015"})
    from observatory.quality.services import save_entry, start_dialogue

    dialogue = start_dialogue(review, users["partnership_own"], "board_manager")
    entry = save_entry(dialogue, dialogue.participants.get(), "start", 1, answers={"1": "Yes"},
                       where_we_are="On track", helped="", found_hard=True)
    grant, output = _research(users)
    return {"application_id": grant.application_id, "grant_id": grant.pk,
            "output_id": output.pk, "copy": 1,
            "job": "00000000-0000-0000-0000-000000000000",
            "number": 1, "stage": "start", "entry_id": entry.pk, "action_id": 1,
            "signed": "not-a-signed-link",
            "reference": review.reference, "pk": document.pk, "study_id": study.pk,
            "version_id": version.pk, "token": token, "key": "recommendation_themes",
            "slug": saved.slug, "year": 2015, "fmt": "csv",
            "passage": Passage.objects.filter(version__document=document).first().pk}


def _research(users):
    """A research grant with a held results table (its findings are shown to people)."""
    from observatory.research.outputs import upload

    from .conftest import OWN_AREA
    from .research_support import make_grant

    grant = make_grant(users["researcher"], users["steering"], areas=[OWN_AREA],
                       years=(2014, 2016))
    return grant, upload(grant, users["researcher"], "Outcomes", "t.csv",
                         b"outcome,north,south\ndeath,3,12\nharm,0,9\n")


def urls_for(site) -> list[str]:
    out = []
    for route, name in routes():
        if name == "analysis-table":
            out += [f"/analysis/tables/{n}/" for n in REGISTRY]
            continue
        values = {**site, "pk": site["passage"]} if name == "passage-similar" else site
        out.append("/" + re.sub(r"<(?:\w+:)?(\w+)>",
                                lambda m, v=values: str(v[m.group(1)]), route))
    return out


def test_the_crawl_covers_every_page_kind(site):
    urls = urls_for(site)
    assert len(urls) > 50
    for expected in ("/", "/methodology/", "/analysis/", f"/documents/{site['pk']}/",
                     f"/documents/{site['pk']}/personal-data/", "/audit/", "/consultations/",
                     f"/coding/documents/{site['pk']}/", "/analysis/tables/ages/"):
        assert expected in urls


def test_no_page_shows_internal_words_to_any_role(users, site):
    problems = []
    urls = urls_for(site)
    for name in [None, *ROLE_USERS]:
        client = Client()
        if name:
            client.force_login(users[name])
        for url in urls:
            response = client.get(url)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            for found in jargon_in(visible_text(response.content.decode())):
                problems.append(f"{name or 'public'} {url}: {found}")
    assert not problems, "\n".join(sorted(set(problems))[:60])


def test_reports_and_downloads_have_no_internal_words(users, site):
    import pypdfium2

    for user in (None, users["analyst"]):
        client = Client()
        if user:
            client.force_login(user)
        pdf = client.get("/analysis/reports/annual/2015/", {"format": "pdf"})
        document = pypdfium2.PdfDocument(pdf.content)
        text = "\n".join(document[i].get_textpage().get_text_range()
                         for i in range(len(document)))
        assert "annual report" in text.lower()
        assert not jargon_in(text), jargon_in(text)
        for table in REGISTRY:
            csv = client.get(f"/analysis/tables/{table}/", {"download": "csv"})
            assert not jargon_in(csv.content.decode()), (table, jargon_in(csv.content.decode()))


@pytest.mark.parametrize(("text", "expected"), [
    ("As in seed 001 Table 1.", "a source report by its number"),
    ("Step 0 of ?", "an unknown step count"),
    ("See docs/delphi.md", "a file path"),
    ("run 'observatory import population'", "a command line"),
    ("flag_personal_data_model@1:flag_personal_data_model.ORG", "a step producer"),
    ("Person_name", "a raw label"),
    ("the coding app (issue 4)", "an issue number"),
])
def test_the_check_finds_each_kind_of_internal_word(text, expected):
    assert any(f.startswith(expected) for f in jargon_in(text))
