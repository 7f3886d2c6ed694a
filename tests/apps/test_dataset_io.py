"""Importing the minimum dataset: each bad row reported, nothing partial, idempotent."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from observatory.repository.dataset_io import import_dataset
from observatory.repository.models import Review
from observatory.repository.serialize import review_row
from observatory_core.tabular import COLUMNS, record_to_row, write_csv, write_xlsx

GOOD = [
    {"reference": "IMP-1", "title": "Child A (test)", "local_authority": "Birmingham",
     "review_type": "Serious Case Review", "outcome": "death", "child_age_months": "4",
     "incident_date": "2012-03-01", "decision_date": "2012-04-10",
     "completion_date": "01/02/2013", "child_sex": "female", "child_disability": "no",
     "abuse_categories": "neglect; physical_abuse",
     "family_characteristics": "domestic_abuse", "fictional": "yes"},
    {"reference": "IMP-2", "title": "Child B (test)", "local_authority": "E06000023",
     "review_type": "lcspr", "outcome": "Serious harm", "child_age_months": "150",
     "known_to_csc": "yes"},
]


def csv_of(rows) -> bytes:
    return write_csv(rows, columns=list(dict.fromkeys(k for r in rows for k in r)))


def test_good_file_creates_reviews_with_derived_values(db):
    report = import_dataset("good.csv", csv_of(GOOD))
    assert report.ok, report.problems
    assert sorted(report.created) == ["IMP-1", "IMP-2"]
    first = Review.objects.get(reference="IMP-1")
    assert first.local_authority.gss_code == "E08000025"
    assert first.age_band.code == "under_1"
    assert first.timeliness_months == pytest.approx(9.8, abs=0.05)
    assert sorted(t.code for t in first.abuse_categories.all()) == ["neglect", "physical_abuse"]
    assert first.child_disability is False and first.looked_after is None
    assert Review.objects.get(reference="IMP-2").age_band.code == "11_to_15"


def test_reimporting_the_same_file_changes_nothing(db):
    data = csv_of(GOOD)
    import_dataset("good.csv", data)
    stamps = dict(Review.objects.values_list("reference", "updated_at"))
    again = import_dataset("good.csv", data)
    assert again.ok and again.created == [] and again.updated == []
    assert sorted(again.unchanged) == ["IMP-1", "IMP-2"]
    assert dict(Review.objects.values_list("reference", "updated_at")) == stamps


def test_export_then_import_round_trips(db):
    import_dataset("good.csv", csv_of(GOOD))
    rows = [record_to_row(review_row(r)) for r in Review.objects.all()]
    for exported in (("again.csv", write_csv(rows)), ("again.xlsx", write_xlsx(rows))):
        report = import_dataset(*exported)
        assert report.ok and sorted(report.unchanged) == ["IMP-1", "IMP-2"], report.problems


def test_every_bad_row_is_reported_and_nothing_is_written(db):
    rows = [
        GOOD[0],
        {**GOOD[1], "local_authority": "Atlantis"},
        {**GOOD[1], "reference": "IMP-3", "review_type": "tea party", "child_age_months": "-2"},
        {**GOOD[1], "reference": "IMP-4", "incident_date": "2020-05-01",
         "decision_date": "2019-01-01"},
        {**GOOD[1], "reference": "IMP-5", "looked_after": "perhaps",
         "abuse_categories": "neglect;unknown-thing"},
        {**GOOD[1], "reference": "IMP-1"},
        {**GOOD[1], "reference": "IMP-6", "title": "", "incident_date": "31/02/2020"},
    ]
    report = import_dataset("bad.csv", csv_of(rows))
    assert not report.ok
    found = {(p.row, p.field) for p in report.problems}
    assert (3, "local_authority") in found
    assert (4, "review_type") in found and (4, "child_age_months") in found
    assert (5, "decision_date") in found
    assert (6, "looked_after") in found and (6, "abuse_categories") in found
    assert (7, "reference") in found
    assert (8, "title") in found and (8, "incident_date") in found
    assert all(p.file == "bad.csv" for p in report.problems)
    assert "Atlantis" in str(next(p for p in report.problems if p.row == 3))
    assert Review.objects.count() == 0


@pytest.mark.parametrize("name,data,reason", [
    ("empty.csv", b"", "empty"),
    ("notes.txt", b"reference\nX\n", "only .csv and .xlsx"),
    ("broken.xlsx", b"PK\x03\x04 not really a workbook", "cannot be read as a table"),
    ("header-only.csv", ",".join(COLUMNS).encode() + b"\n", "no data rows"),
    ("wrong-columns.csv", b"name,age\nA,3\n", "missing columns"),
])
def test_unreadable_files_are_refused_whole(db, name, data, reason):
    report = import_dataset(name, data)
    assert not report.ok
    assert any(reason in p.reason for p in report.problems), report.problems
    assert Review.objects.count() == 0


def test_xlsx_import_with_real_dates_and_numbers(db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["reference", "title", "local_authority", "review_type", "incident_date",
                  "child_age_months"])
    from datetime import datetime

    sheet.append(["X-1", "Child X", "Bristol", "scr", datetime(2014, 6, 1), 30])
    out = io.BytesIO()
    workbook.save(out)
    report = import_dataset("book.xlsx", out.getvalue())
    assert report.ok, report.problems
    review = Review.objects.get(reference="X-1")
    assert str(review.incident_date) == "2014-06-01" and review.age_band.code == "1_to_5"


def test_partnership_import_is_limited_to_its_area(db, users):
    partnership = users["partnership_own"]
    report = import_dataset("good.csv", csv_of(GOOD), user=partnership,
                            allowed_area_id=partnership.profile.local_authority_id)
    assert not report.ok
    assert [(p.row, p.field) for p in report.problems] == [(3, "local_authority")]
    assert Review.objects.count() == 0


def test_formula_like_text_is_neutralised_in_exports_and_restored_on_import(db):
    rows = [{**GOOD[1], "reference": "F-1", "title": "=HYPERLINK(\"x\")"}]
    import_dataset("f.csv", csv_of(rows))
    exported = write_csv([record_to_row(review_row(Review.objects.get(reference="F-1")))])
    assert b"'=HYPERLINK" in exported
    report = import_dataset("f.csv", exported)
    assert report.ok and report.unchanged == ["F-1"]
