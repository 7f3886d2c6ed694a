"""Importing linked data: population estimates, evaluations, child death figures. Each file
is validated whole by observatory_core.stats.linked; with any problem nothing is written.
Importing the same file again changes nothing (rows are updated in place)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from observatory_core.stats import linked
from observatory_core.tabular import RowProblem, TableError, read_table

from ..vocabularies.models import LocalAuthority
from .models import ChildDeathFigure, Evaluation, PopulationEstimate


@dataclass
class ImportReport:
    filename: str
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"{self.filename}: refused, {len(self.problems)} problem(s); nothing written"
        return f"{self.filename}: {self.created} added, {self.updated} updated"


def _rows(filename: str, data: bytes, report: ImportReport):
    try:
        return read_table(filename, data)
    except (TableError, UnicodeDecodeError) as exc:
        report.problems.append(RowProblem(filename, 0, "", str(exc)))
        return None


def _areas() -> dict[str, LocalAuthority]:
    return {la.gss_code: la for la in LocalAuthority.objects.all()}


def import_population(filename: str, data: bytes, source: str = "") -> ImportReport:
    report = ImportReport(filename)
    rows = _rows(filename, data, report)
    if rows is None:
        return report
    parsed, report.problems = linked.parse_population(filename, rows)
    if report.problems:
        return report
    areas = _areas()
    missing = sorted({r.la_code for r in parsed} - set(areas))
    if missing:
        report.problems = [RowProblem(filename, 0, "la_code", f"area {c} is not in the "
                                      "database (run 'observatory lists sync')") for c in missing]
        return report
    with transaction.atomic():
        for r in parsed:
            _, created = PopulationEstimate.objects.update_or_create(
                local_authority=areas[r.la_code], year=r.year, age_group=r.age_group,
                defaults={"count": r.count, "source": source or filename})
            report.created += created
            report.updated += not created
    return report


def import_evaluations(filename: str, data: bytes, source: str = "") -> ImportReport:
    report = ImportReport(filename)
    rows = _rows(filename, data, report)
    if rows is None:
        return report
    parsed, report.problems = linked.parse_evaluations(filename, rows)
    if report.problems:
        return report
    areas = _areas()
    with transaction.atomic():
        for r in parsed:
            _, created = Evaluation.objects.update_or_create(
                reference=r.reference,
                defaults={"local_authority": areas[r.la_code], "judgement": r.judgement,
                          "evaluation_date": r.evaluation_date,
                          "source": source or filename})
            report.created += created
            report.updated += not created
    return report


def import_child_deaths(filename: str, data: bytes, source: str = "") -> ImportReport:
    report = ImportReport(filename)
    rows = _rows(filename, data, report)
    if rows is None:
        return report
    parsed, report.problems = linked.parse_child_deaths(filename, rows)
    if report.problems:
        return report
    with transaction.atomic():
        for r in parsed:
            _, created = ChildDeathFigure.objects.update_or_create(
                year=r.year, area_code=r.area_code, measure=r.measure,
                defaults={"count": r.count, "source": r.source or source or filename})
            report.created += created
            report.updated += not created
    return report


IMPORTERS = {"population": import_population, "evaluations": import_evaluations,
             "child-deaths": import_child_deaths}
