"""The fictional demo corpus: coded, dated and placed validly; rendered files readable."""

from __future__ import annotations

import base64
import re
import zlib
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from observatory_core.dataset import DATE_ORDER, ReviewRecord
from observatory_core.places import load_local_authorities
from observatory_core.vocab import load_vocabularies
from observatory_demo import MARKER, DemoReview, build_demo_corpus, write_demo_files

CODED = {
    "review_type": "review_type", "review_method": "review_method", "outcome": "outcome",
    "child_sex": "sex", "child_ethnicity": "ethnicity",
}
MULTI = {
    "abuse_categories": "abuse_category", "family_characteristics": "family_characteristic",
    "agencies": "agency", "parallel_proceedings": "parallel_proceeding",
}


@pytest.fixture(scope="module")
def corpus() -> list[DemoReview]:
    return build_demo_corpus()


@pytest.fixture(scope="module")
def files(corpus: list[DemoReview], tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, list[Path]]:
    return write_demo_files(corpus, tmp_path_factory.mktemp("demo"))


def records(corpus: list[DemoReview]) -> list[ReviewRecord]:
    return [r.record for r in corpus]


def test_size_and_determinism(corpus: list[DemoReview]) -> None:
    assert len(corpus) >= 40
    assert build_demo_corpus() == corpus
    assert build_demo_corpus(seed=7) != corpus
    assert len({r.reference for r in records(corpus)}) == len(corpus)
    names = [d.filename for r in corpus for d in r.documents]
    assert len(set(names)) == len(names)


def test_records_fictional_and_titled(corpus: list[DemoReview]) -> None:
    for rec in records(corpus):
        assert rec.fictional is True
        assert re.fullmatch(r"DEMO-\d{4}-\d{3}", rec.reference)
        assert "(fictional)" in rec.title
        assert rec.summary


def test_coded_values_exist_in_vocabularies(corpus: list[DemoReview]) -> None:
    vocabs = load_vocabularies()
    kinds = vocabs["document_kind"].codes()
    for rec in records(corpus):
        for name, key in CODED.items():
            value = getattr(rec, name)
            assert value is None or value in vocabs[key].codes(), (rec.reference, name, value)
        for name, key in MULTI.items():
            assert set(getattr(rec, name)) <= set(vocabs[key].codes()), (rec.reference, name)
        assert rec.abuse_categories and rec.agencies
    agencies = set(vocabs["agency"].codes())
    for review in corpus:
        for doc in review.documents:
            assert doc.kind in kinds
            assert all(code in agencies for _, code, _ in doc.recommendations)


def test_local_authorities_valid_at_date(corpus: list[DemoReview]) -> None:
    places = {la.gss_code: la for la in load_local_authorities()}
    abolished = 0
    for rec in records(corpus):
        la = places[rec.local_authority]
        for day in (rec.incident_date, rec.decision_date):
            assert day is not None
            assert la.start_date is None or la.start_date <= day, rec.reference
            assert la.end_date is None or day <= la.end_date, rec.reference
        abolished += la.end_date is not None
    assert abolished >= 1
    assert len({places[rec.local_authority].region_code for rec in records(corpus)}) == 9


def test_dates_ordered_and_spread(corpus: list[DemoReview]) -> None:
    in_progress = late = 0
    for rec in records(corpus):
        days = [getattr(rec, name) for name in DATE_ORDER]
        known = [d for d in days if d is not None]
        assert known == sorted(known) and len(set(known)) == len(known), rec.reference
        assert all(d <= date(2025, 12, 31) for d in known)
        assert rec.incident_date and rec.notification_date and rec.decision_date
        if rec.completion_date is None:
            in_progress += 1
            assert rec.publication_date is None
        elif (rec.completion_date - rec.decision_date).days > 183:
            late += 1
        assert (rec.review_type == "scr") <= (rec.decision_date.year < 2019)
        if rec.decision_date.year >= 2019:
            assert rec.review_type != "scr"
    assert in_progress >= 1 and late >= 3
    years = {rec.decision_date.year for rec in records(corpus) if rec.decision_date}
    assert len(years) >= 15 and min(years) == 2008 and max(years) == 2025


def test_distribution(corpus: list[DemoReview]) -> None:
    recs = records(corpus)
    outcomes = Counter(r.outcome for r in recs)
    assert set(outcomes) == {"death", "serious_harm"}
    assert 0.5 <= outcomes["death"] / len(recs) <= 0.7
    ages = [r.child_age_months for r in recs]
    assert all(a is not None and 0 <= a < 216 for a in ages)
    assert sum(a < 12 for a in ages if a is not None) >= len(recs) // 4
    assert min(a for a in ages if a is not None) == 0
    assert {r.child_sex for r in recs} == {"female", "male", "not_known"}
    assert len({r.child_ethnicity for r in recs}) >= 8
    assert len({r.review_method for r in recs}) >= 4
    assert len({c for r in recs for c in r.abuse_categories}) == 4


def test_documents_and_ground_truth(corpus: list[DemoReview]) -> None:
    kinds = Counter(d.kind for r in corpus for d in r.documents)
    assert kinds["overview_report"] >= len(corpus) // 2
    assert kinds["executive_summary"] and kinds["imr"] and kinds["chronology"]
    numbers = set()
    for review in corpus:
        for doc in review.documents:
            assert doc.title.startswith(MARKER)
            assert doc.filename.startswith(review.record.reference)
            if doc.kind == "overview_report":
                assert doc.fmt == "pdf" and 4 <= len(doc.recommendations) <= 20
                numbers.update(re.sub(r"\d+", "9", n) for n, _, _ in doc.recommendations)
            confidential = doc.kind in ("imr", "chronology")
            assert bool(doc.personal_data) == confidential, doc.filename
    # Several recommendation shapes, including unnumbered bullets or table rows.
    assert {"9.", "R9", "Recommendation 9:"} & numbers and len(numbers) >= 4


# ----------------------------------------------------------------- reading rendered files


def pdf_text(data: bytes) -> str:
    """Text shown by ``(...) Tj`` operators in the content streams (enough for reportlab)."""
    texts = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        head, body = match.groups()
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"), adobe=False)
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        for s in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body, re.S):
            s = re.sub(rb"\\([()\\])", rb"\1", s)
            texts.append(s.decode("latin-1"))
    return "\n".join(texts)


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for t in document.tables for row in t.rows for cell in row.cells]
    parts += [p.text for s in document.sections for p in s.header.paragraphs]
    return "\n".join(parts)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_written_files_readable(corpus: list[DemoReview], files: dict[str, list[Path]]) -> None:
    assert set(files) == {r.record.reference for r in corpus}
    for review in corpus:
        paths = {p.name: p for p in files[review.record.reference]}
        for doc in review.documents:
            path = paths[doc.filename]
            if doc.fmt == "pdf":
                data = path.read_bytes()
                assert data.startswith(b"%PDF-")
                pages = pdf_pages(data)
                text = pdf_text(data)
                assert text.count(MARKER) >= pages + 1  # first line and every page's header
                if doc.kind == "overview_report":
                    assert 6 <= pages <= 15, (doc.filename, pages)
                    assert (f"of {pages}" in text) == (doc.page_numbers == "n_of_m")
                # Header and footer lines can fall inside a paragraph split across pages.
                text = re.sub(rf"{MARKER}( - Page \d+ of \d+)?|\n\d+\n", "", text)
            else:
                text = docx_text(path)
                assert text.startswith(MARKER)
            body = squash(text)
            for number, _, rec_text in doc.recommendations:
                assert squash(rec_text) in body, (doc.filename, number, rec_text)
                if not number.isdigit():  # bare table numbers look like page numbers
                    assert squash(f"{number}{rec_text}") in body
            for _, value in doc.personal_data:
                assert squash(value) in body


def test_identifiers_are_obviously_fake(corpus: list[DemoReview]) -> None:
    seen = Counter()
    for review in corpus:
        for doc in review.documents:
            for kind, value in doc.personal_data:
                seen[kind] += 1
                if kind == "postcode":
                    assert value.startswith("ZZ99 ")
                elif kind == "phone":
                    assert value.startswith(("01632 960 ", "07700 900 "))
                elif kind == "nhs_number":
                    assert value.startswith("999 ")
                    digits = [int(c) for c in value.replace(" ", "")]
                    weights = range(10, 1, -1)
                    check = 11 - sum(d * w for d, w in zip(digits[:9], weights, strict=True)) % 11
                    assert digits[9] == (0 if check == 11 else check)
    assert set(seen) == {"date_of_birth", "postcode", "phone", "nhs_number"}
