"""The counting rule for codes in its two forms: the pure rule (``counted``, which
``codes_per`` uses) and the queryset the analysis tables count (``counted_segments``).
Generated codings (several coders, accepted, suggested and rejected codes, consensus on some
units, two codebooks sharing a code key) must give the same segments in both forms."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.accounts.services import create_user
from observatory.coding.counting import code_rows, counted_segments
from observatory.coding.models import Code, Codebook, CodedSegment
from observatory.coding.services import codes_per
from observatory.ingestion.models import Finding, Passage, Recommendation
from observatory.repository.models import Document, DocumentVersion
from observatory_core.coding.counting import CodeRow, counted, reviews_per_code

from ..conftest import PASSWORD, make_review, term


def test_consensus_replaces_the_coders_codes_of_its_unit_only():
    """A consensus settles its unit: the coders' codes there no longer count, even a code
    the consensus did not choose (unit 10's 'b'); other units keep every accepted code."""
    def row(pk, unit, code, consensus=False, status="accepted", review=1):
        return CodeRow(pk, "book", "passage", unit, code, status, consensus, review)

    rows = [row(1, 10, "a"), row(2, 10, "b"), row(3, 10, "a", consensus=True),
            row(4, 11, "a"), row(5, 11, "a"), row(6, 12, "c", status="suggested"),
            row(7, 13, "a", review=2)]
    assert [r.id for r in counted(rows)] == [3, 4, 5, 7]
    assert reviews_per_code(rows) == {"a": 2}  # review 1 counted once for three units


@pytest.fixture
def world(db):
    coders = [create_user(f"coder{i}", PASSWORD, "analyst") for i in range(3)]
    books = []
    for key in ("book-a", "book-b"):
        book = Codebook.objects.create(key=key, name=key, source="test")
        for code in ("x", "y"):  # the same keys in both books
            Code.objects.create(codebook=book, key=code, name=f"{key} {code}")
        books.append(book)
    units = []
    for n in range(2):
        review = make_review(f"COUNT-{n}")
        document = Document.objects.create(review=review, title="report",
                                           kind=term("document_kind", "overview_report"))
        version = DocumentVersion.objects.create(
            document=document, number=1, sha256=str(n), size=1, original_filename="r.txt",
            media_type="text/plain", storage_area="published", path=f"r{n}")
        Document.objects.filter(pk=document.pk).update(current_version=version)
        common = {"version": version, "page": 1, "start": 0, "end": 1, "producer": "t"}
        for i in range(2):
            passage = Passage.objects.create(document=document, review=review, kind="p",
                                             text="t", index=i, **common)
            rec = Recommendation.objects.create(review=review, text="t", confidence=1,
                                                index=i, **common)
            finding = Finding.objects.create(text="t", kind="finding", confidence=1,
                                             index=i, **common)
            units += [(review, version, "passage", {"passage": passage}),
                      (review, version, "recommendation", {"recommendation": rec}),
                      (review, version, "finding", {"finding": finding})]
        units.append((review, None, "review", {}))
    return coders, books, units


segment = st.tuples(st.integers(0, 1), st.integers(0, 13), st.integers(0, 1),
                    st.integers(0, 2), st.sampled_from(["accepted", "accepted", "suggested",
                                                        "rejected"]), st.booleans())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(segments=st.lists(segment, max_size=25))
def test_both_forms_of_the_rule_agree(world, segments):
    coders, books, units = world
    with transaction.atomic():
        for book_n, unit_n, code_n, coder_n, status, consensus in segments:
            review, version, target, unit = units[unit_n]
            book = books[book_n]
            CodedSegment.objects.create(
                codebook=book, codebook_version=1, code=book.codes.order_by("pk")[code_n],
                review=review, version=version, target=target, coder=coders[coder_n],
                status=status, consensus=consensus, **unit)
        every = code_rows(CodedSegment.objects.all())
        for book in ("book-a", "book-b", None):
            for code in ("x", "y", None):
                # The rule runs over whole codebooks (a consensus on a unit settles it
                # whatever code it chose); then the code asked for is kept.
                kept = counted([r for r in every if book is None or r.codebook == book])
                expected = {r.id for r in kept if code is None or r.code == code}
                found = set(counted_segments(book, code).values_list("pk", flat=True))
                assert found == expected, (book, code)
        # codes_per is the pure rule grouped per (unit, code).
        for book in ("book-a", "book-b"):
            kept = counted([r for r in every if r.codebook == book])
            assert {(r["review_id"], r["target"], r["unit_id"], r["code"], r["consensus"])
                    for r in codes_per(codebook=book)} == {
                (r.review, r.target, r.unit, r.code, r.consensus) for r in kept}
        transaction.set_rollback(True)
