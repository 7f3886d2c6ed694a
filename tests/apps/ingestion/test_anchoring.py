"""People's work survives re-processing: a new run's passages, recommendations and findings
are matched with the previous run's, so codes, memos, consensus and decisions stay on them;
what can no longer be placed is kept and flagged for re-anchoring, never deleted."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.test import Client

from observatory.coding.models import CodedSegment, CodingProgress
from observatory.coding.services import add_code, ensure_codebooks
from observatory.ingestion import services
from observatory.ingestion.decisions import decide
from observatory.ingestion.models import (
    Decision,
    DocumentText,
    Extraction,
    Finding,
    Passage,
    PersonalDataFlag,
    Recommendation,
)
from observatory.repository.services import store_version
from observatory_core.ingest.pipeline import PipelineRun

from ..conftest import make_review, term

pytestmark = pytest.mark.django_db

REPORT = """Serious Case Review: Child A

Overview report

Introduction

This review looks at how agencies worked with Child A and the family during 2014.
The child's mother, Jane Smith, was known to the health visiting service.

Analysis

Finding 1: Information was not shared

Health visitors did not tell social workers about the injury seen in March.

Finding 2: Neglect was not recognised

Staff saw the poor home conditions many times and did not act on them.

The family moved house three times in the year before the child died.

Recommendations

1. The LSCB should ensure that all staff receive training on recognising neglect.

2. Children's social care should improve the quality of recording in case files.

3. The police should share information with health visitors promptly.

4. The hospital trust should audit the referral process for injured babies.
"""

PREFIX = "Page 1 was read again by OCR.\n\n"


def _human_rows() -> dict[str, int]:
    """Every row a person made or decided."""
    return {
        "coded segments": CodedSegment.objects.count(),
        "coding progress": CodingProgress.objects.count(),
        "decided extractions": Extraction.objects.exclude(status=Decision.SUGGESTED).count(),
        "decided flags": PersonalDataFlag.objects.exclude(status=Decision.SUGGESTED).count(),
    }


def _reprocess_all(capture) -> None:
    from observatory.repository.models import DocumentVersion

    for version in DocumentVersion.objects.all():
        with capture(execute=True):
            job = services.reprocess(version)
        job.refresh_from_db()
        assert job.status == "done", job.message


def _shift(item, by: int):
    fields = {f.name for f in dataclasses.fields(item)}
    return dataclasses.replace(item, start=item.start + by, end=item.end + by) \
        if {"start", "end"} <= fields else item


def _changed_text_layer(monkeypatch, lost_text: str, lost_recommendation: str) -> None:
    """Runs that read the file differently: a new line before everything (every offset
    moves), one passage's words are now read as other words, one recommendation is gone."""
    real_execute = PipelineRun.execute

    def execute(self, steps):
        result = real_execute(self, steps)
        by = len(PREFIX)
        text = PREFIX + result.text
        at = text.index(lost_text)
        text = text[:at] + "Z" * len(lost_text) + text[at + len(lost_text):]
        pages = tuple(dataclasses.replace(p, start=0 if p.start == 0 else p.start + by,
                                          end=p.end + by) for p in result.pages)
        recommendations = tuple(
            dataclasses.replace(_shift(r, by), text="An entirely different sentence now.")
            if r.text == lost_recommendation else _shift(r, by)
            for r in result.recommendations)
        return dataclasses.replace(
            result, text=text, pages=pages,
            passages=tuple(_shift(p, by) for p in result.passages),
            furniture=tuple(_shift(s, by) for s in result.furniture),
            sections=tuple(_shift(s, by) for s in result.sections),
            recommendations=recommendations,
            findings=tuple(_shift(f, by) for f in result.findings),
            dataset=tuple(_shift(d, by) for d in result.dataset),
            personal_data=tuple(_shift(f, by) for f in result.personal_data))

    monkeypatch.setattr(PipelineRun, "execute", execute)


@pytest.fixture
def worked_on(users, django_capture_on_commit_callbacks):
    """A processed report with codes on passages, a span, a recommendation (with a consensus
    row) and a finding, a progress memo, decided dataset values and a decided flag."""
    ensure_codebooks()
    from observatory.coding.models import Codebook

    review = make_review("ANCHOR-1")
    with django_capture_on_commit_callbacks(execute=True):
        version = store_version(review=review, kind=term("document_kind", "overview_report"),
                                filename="report.txt",
                                stream=io.BytesIO(REPORT.encode())).version
    coder = users["analyst"]
    book = Codebook.objects.get(key="case_themes")
    code = book.codes.filter(retired=False).first()
    passages = {p.text: p for p in Passage.objects.filter(version=version)}
    kept = passages["The family moved house three times in the year before the child died."]
    lost = passages["Staff saw the poor home conditions many times and did not act on them."]
    recs = list(Recommendation.objects.filter(version=version).order_by("index"))
    finding = Finding.objects.filter(version=version).first()
    assert len(recs) == 4 and finding is not None
    made = {
        "kept": add_code(coder=coder, code=code, version=version, target="passage",
                         unit_pk=kept.pk, memo="moves matter"),
        "span": add_code(coder=coder, code=code, version=version, target="passage",
                         unit_pk=kept.pk, start=kept.start + 11, end=kept.start + 22,
                         memo="the span"),
        "lost": add_code(coder=coder, code=code, version=version, target="passage",
                         unit_pk=lost.pk, memo="neglect seen"),
        "rec": add_code(coder=coder, code=code, version=version, target="recommendation",
                        unit_pk=recs[0].pk, memo="training"),
        "consensus": add_code(coder=coder, code=code, version=version,
                              target="recommendation", unit_pk=recs[0].pk, consensus=True),
        "lost_rec": add_code(coder=coder, code=code, version=version,
                             target="recommendation", unit_pk=recs[1].pk, memo="recording"),
        "finding": add_code(coder=coder, code=code, version=version, target="finding",
                            unit_pk=finding.pk, memo="sharing"),
    }
    CodingProgress.objects.create(version=version, codebook=book, coder=coder, done=True,
                                  memo="first pass done")
    extraction = Extraction.objects.filter(version=version).first()
    decide(extraction, "confirm", coder)
    flag = PersonalDataFlag.objects.filter(version=version, text__contains="Jane").first()
    assert flag is not None
    PersonalDataFlag.objects.filter(pk=flag.pk).update(status=Decision.CONFIRMED,
                                                       decided_by=coder)
    return {"version": version, "segments": made, "kept": kept, "lost": lost, "recs": recs,
            "finding": finding, "flag": flag, "coder": coder, "extraction": extraction}


def test_reprocessing_twice_keeps_every_human_row_on_the_same_units(
        worked_on, django_capture_on_commit_callbacks):
    before = _human_rows()
    memos = dict(CodedSegment.objects.values_list("pk", "memo"))
    units = {s.pk: (s.passage_id, s.recommendation_id, s.finding_id, s.start, s.end)
             for s in CodedSegment.objects.all()}
    for _ in range(2):
        _reprocess_all(django_capture_on_commit_callbacks)
        assert _human_rows() == before
        assert dict(CodedSegment.objects.values_list("pk", "memo")) == memos
        # Nothing changed in the file: every unit keeps its identity, so every code stays.
        assert {s.pk: (s.passage_id, s.recommendation_id, s.finding_id, s.start, s.end)
                for s in CodedSegment.objects.all()} == units
        assert not CodedSegment.objects.filter(needs_reanchoring=True).exists()
    consensus = CodedSegment.objects.get(pk=worked_on["segments"]["consensus"].pk)
    assert consensus.consensus and consensus.recommendation_id == worked_on["recs"][0].pk
    progress = CodingProgress.objects.get()
    assert progress.done and progress.memo == "first pass done"
    extraction = Extraction.objects.get(pk=worked_on["extraction"].pk)
    assert extraction.status == Decision.CONFIRMED


def test_a_changed_text_layer_moves_work_with_its_text_and_flags_what_is_gone(
        worked_on, monkeypatch, django_capture_on_commit_callbacks):
    version = worked_on["version"]
    before = _human_rows()
    lost_rec = worked_on["recs"][1]
    _changed_text_layer(monkeypatch, worked_on["lost"].text, lost_rec.text)
    _reprocess_all(django_capture_on_commit_callbacks)
    _reprocess_all(django_capture_on_commit_callbacks)

    assert _human_rows() == before  # no human-made row lost
    text = DocumentText.objects.get(version=version).text
    assert text.startswith(PREFIX)
    seg = {k: CodedSegment.objects.get(pk=s.pk) for k, s in worked_on["segments"].items()}
    # Unchanged units keep their identity; their new offsets point at the same words.
    kept = Passage.objects.get(pk=worked_on["kept"].pk)
    assert kept.start == worked_on["kept"].start + len(PREFIX)
    assert seg["kept"].passage_id == kept.pk and seg["kept"].memo == "moves matter"
    assert text[seg["span"].start:seg["span"].end] == worked_on["segments"]["span"].text
    assert seg["rec"].recommendation_id == worked_on["recs"][0].pk
    assert seg["consensus"].consensus and seg["finding"].finding_id == worked_on["finding"].pk
    for key in ("kept", "span", "rec", "consensus", "finding"):
        assert not seg[key].needs_reanchoring, key
    # What can no longer be placed is kept, with its old text, and flagged.
    for key, old in (("lost", worked_on["lost"].text), ("lost_rec", lost_rec.text)):
        assert seg[key].needs_reanchoring, key
        assert seg[key].passage_id is None and seg[key].recommendation_id is None
        assert old in seg[key].text and seg[key].memo
    # The confirmed personal-data flag follows its name.
    flag = PersonalDataFlag.objects.get(pk=worked_on["flag"].pk)
    assert flag.status == Decision.CONFIRMED and text[flag.start:flag.end] == flag.text


def test_the_coder_is_told_which_codes_need_re_anchoring(
        worked_on, monkeypatch, django_capture_on_commit_callbacks):
    _changed_text_layer(monkeypatch, worked_on["lost"].text, worked_on["recs"][1].text)
    _reprocess_all(django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(worked_on["coder"])
    version = worked_on["version"]
    page = client.get(f"/coding/documents/{version.document_id}/?codebook=case_themes")
    assert page.status_code == 200
    body = page.content.decode()
    assert "2 of your codes need re-anchoring" in body
    assert "Staff saw the poor home conditions" in body
