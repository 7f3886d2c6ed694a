"""Importing and exporting the minimum dataset: all rows or none, idempotent."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.datastructures import MultiValueDict

from observatory_core.dataset import FIELDS, ReviewRecord
from observatory_core.places import Places, load_local_authorities
from observatory_core.tabular import RowProblem, TableError, parse_rows, read_table
from observatory_core.vocab import Term as CoreTerm
from observatory_core.vocab import Vocabulary as CoreVocabulary

from ..accounts.access import can
from ..vocabularies.models import LocalAuthority, Term, Vocabulary
from .models import Review
from .serialize import review_row


@dataclass
class ImportReport:
    file: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"{self.file}: {len(self.problems)} problem(s); nothing was imported"
        return (f"{self.file}: {len(self.created)} created, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged")


def db_vocabularies() -> dict[str, CoreVocabulary]:
    """The vocabularies as administrators have edited them (the database is the truth)."""
    result = {}
    for vocab in Vocabulary.objects.prefetch_related("terms"):
        terms = tuple(CoreTerm(t.code, t.label, t.description, t.source, t.order,
                               t.attributes) for t in vocab.terms.all() if t.active)
        result[vocab.key] = CoreVocabulary(vocab.key, vocab.label, vocab.source,
                                           vocab.multiple, terms, vocab.description)
    return result


def db_places() -> Places:
    known = set(LocalAuthority.objects.values_list("gss_code", flat=True))
    return Places([p for p in load_local_authorities() if p.gss_code in known])


def import_dataset(filename: str, data: bytes, *, user: Any = None,
                   allowed_area_id: int | Collection[int] | None = None) -> ImportReport:
    """Validate every row, then write all of them in one transaction, or nothing.
    ``allowed_area_id``: the area(s) a partnership may import into (``areas_of(user)``)."""
    report = ImportReport(filename)
    allowed = None if allowed_area_id is None else (
        {allowed_area_id} if isinstance(allowed_area_id, int) else set(allowed_area_id))
    try:
        rows = read_table(filename, data)
    except TableError as exc:
        report.problems.append(RowProblem(filename, 0, "", str(exc).split(": ", 1)[-1]))
        return report
    records, report.problems = parse_rows(filename, rows, db_vocabularies(), db_places())
    if not rows:
        report.problems.append(RowProblem(filename, 1, "", "has no data rows"))
    if report.problems:
        return report
    areas = {a.gss_code: a for a in LocalAuthority.objects.all()}
    existing = {r.reference: r for r in Review.objects.select_related("local_authority")
                .filter(reference__in=[rec.reference for rec in records])}
    for index, record in enumerate(records, start=2):
        if allowed is not None and areas[record.local_authority].pk not in allowed:
            report.problems.append(RowProblem(filename, index, "local_authority",
                                              "is not your partnership's area"))
        current = existing.get(record.reference)
        if current is not None and user is not None and (
            not can(user, "change", current)
            or (allowed is not None and current.local_authority_id not in allowed)
        ):
            # Neutral wording: the file must not reveal which references exist elsewhere.
            report.problems.append(RowProblem(filename, index, "reference",
                                              "is not a review you may change"))
    if report.problems:
        return report
    terms = {(t.vocabulary.key, t.code): t for t in Term.objects.select_related("vocabulary")}
    for index, record in enumerate(records, start=2):
        report.problems.extend(form_problems(filename, index, record, areas, terms,
                                             existing.get(record.reference)))
    if report.problems:
        return report
    with transaction.atomic():
        for record in records:
            _save(record, areas, terms, user, report)
    return report


def _form_data(record: ReviewRecord, areas: dict[str, LocalAuthority],
               terms: dict[tuple[str, str], Term]) -> MultiValueDict:
    """A record as the review form would receive it from a person typing it in."""
    data = MultiValueDict()
    for spec in FIELDS:
        value = getattr(record, spec.name)
        if spec.kind == "codes":
            data.setlist(spec.name, [str(terms[(spec.vocabulary, c)].pk) for c in value])
        elif spec.kind == "code":
            data[spec.name] = str(terms[(spec.vocabulary, value)].pk) if value else ""
        elif spec.kind == "place":
            data[spec.name] = str(areas[value].pk)
        elif spec.name == "fictional":  # a checkbox: absent means no
            if value:
                data[spec.name] = "on"
        elif spec.kind == "bool":
            data[spec.name] = {True: "true", False: "false"}.get(value, "")
        elif isinstance(value, date):
            data[spec.name] = value.isoformat()
        else:
            data[spec.name] = "" if value is None else str(value)
    return data


def form_problems(filename: str, index: int, record: ReviewRecord,
                  areas: dict[str, LocalAuthority], terms: dict[tuple[str, str], Term],
                  instance: Review | None) -> list[RowProblem]:
    """An imported row is validated by the same form a person uses to enter or edit the
    review (lengths, required fields, dates, model rules), so an import can never write a
    record the edit form would then refuse to save. The area is checked separately, in
    wording that reveals nothing (see import_dataset)."""
    from .forms import ReviewForm

    form = ReviewForm(_form_data(record, areas, terms), instance=instance)
    if form.is_valid():
        return []
    return [RowProblem(filename, index, "" if name == "__all__" else name, message)
            for name, messages in form.errors.items() for message in messages]


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    return {f.name: row.get(f.name) for f in FIELDS}


def _save(record: ReviewRecord, areas: dict[str, LocalAuthority],
          terms: dict[tuple[str, str], Term], user: Any, report: ImportReport) -> None:
    existing = Review.objects.filter(reference=record.reference).first()
    wanted = {f.name: getattr(record, f.name) for f in FIELDS}
    wanted["local_authority"] = record.local_authority
    for spec in FIELDS:
        if spec.kind == "codes":
            wanted[spec.name] = sorted(wanted[spec.name])
    if existing is not None and _comparable(review_row(existing)) == _comparable(wanted):
        report.unchanged.append(record.reference)
        return
    review = existing or Review(created_by=user if getattr(user, "is_authenticated", False)
                                else None)
    for spec in FIELDS:
        value = getattr(record, spec.name)
        if spec.kind == "code":
            setattr(review, spec.name, terms.get((spec.vocabulary, value)) if value else None)
        elif spec.kind == "place":
            review.local_authority = areas[value]
        elif spec.kind != "codes":
            setattr(review, spec.name, value)
    review.save()
    for spec in FIELDS:
        if spec.kind == "codes":
            getattr(review, spec.name).set(
                [terms[(spec.vocabulary, c)] for c in getattr(record, spec.name)])
    (report.updated if existing else report.created).append(record.reference)
