"""Codebooks as data: the shipped ones load; bad ones are refused with every problem listed;
TOML, CSV and .qdc round-trip."""

from __future__ import annotations

import pytest

from observatory_core.coding.codebook import CodebookError, parse_codebook, shipped_codebooks
from observatory_core.coding.formats import from_csv, from_qdc, from_toml, to_csv, to_qdc, to_toml


def test_shipped_codebooks_load_and_cover_the_issue():
    books = {b.key: b for b in shipped_codebooks()}
    assert set(books) >= {"recommendation_themes", "case_themes", "care_pathway",
                          "assessment_framework", "child_death_categories",
                          "abuse_categories", "agencies"}
    themes = books["recommendation_themes"]
    assert [c.name for c in themes.children(None)] == [
        "The child", "Family and environment", "Managing the case", "Regional and national"]
    assert themes.path("training") == ["managing_case", "training"]
    stages = books["care_pathway"].children("stage")
    assert [c.id for c in stages] == list("ABCDEFG")
    assert len([c for c in books["care_pathway"].codes if c.id.startswith("issue_")]) == 14
    # agencies reuse the controlled list rather than copying it
    agency = books["agencies"].code("police")
    assert agency.name == "Police" and "constabulary" in agency.keywords
    for book in books.values():
        assert len(book.source) > 20
        assert all(c.name for c in book.codes)


def test_bad_codebook_lists_every_problem():
    with pytest.raises(CodebookError) as caught:
        parse_codebook({"key": "bad", "name": "", "source": "test data for refusal",
                        "codes": [
                            {"id": "a", "name": "A"},
                            {"id": "x", "name": "X", "parent": "z"},
                            {"id": "y", "name": "Y", "parent": "x"},
                            {"id": "z", "name": "Z", "parent": "y"},
                            {"id": "a", "name": "A again"},
                            {"id": "d", "name": "", "parent": "nowhere"},
                            {"id": "e", "name": "E", "patterns": ["(unclosed"]},
                        ]})
    problems = caught.value.problems
    text = "\n".join(problems)
    assert "missing name" in text  # the codebook's own name
    assert "duplicate id 'a'" in text
    assert "code 6 'd': missing name" in text
    assert "unknown parent 'nowhere'" in text
    assert any(p.startswith("cycle: ") for p in problems)
    assert "bad pattern" in text


def test_formats_round_trip():
    for book in shipped_codebooks():
        assert from_toml(to_toml(book)).codes == tuple(
            c.__class__(**{**c.__dict__}) for c in book.codes)
        again = from_csv(to_csv(book))
        assert [(c.id, c.parent, c.name, c.keywords, c.patterns) for c in again.codes] == [
            (c.id, c.parent, c.name, c.keywords, c.patterns) for c in book.codes]
        qdc = from_qdc(to_qdc(book), key=book.key)
        assert sorted((c.id, c.parent, c.name) for c in qdc.codes) == sorted(
            (c.id, c.parent, c.name) for c in book.codes)


def test_csv_import_refuses_bad_rows():
    text = "id,name,parent\na,A,\na,Again,\nb,,a\nc,C,zz\n"
    with pytest.raises(CodebookError) as caught:
        from_csv(text, key="k", name="K", source="a test codebook")
    assert len(caught.value.problems) == 3
