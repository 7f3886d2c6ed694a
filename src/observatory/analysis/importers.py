"""Importing linked data: population estimates, evaluations, child death figures. Each file
is validated whole by observatory_core.stats.linked; with any problem nothing is written.
Importing the same file again changes nothing (rows are updated in place)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from observatory_core.stats import linked
from observatory_core.tabular import RowProblem, TableError, read_table

from ..vocabularies.models import LocalAuthority
from ..web.validation import field_problems
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


def _import(filename: str, data: bytes, parse: Callable[[str, list], tuple[list, list]],
            save: Callable[[Any, dict[str, LocalAuthority], str], bool], source: str,
            area_of: Callable[[Any], str] | None = None, *,
            model: type[Any] = PopulationEstimate) -> ImportReport:
    """Read, validate whole, check every named area exists, then write all rows in one
    transaction (update_or_create, so the same file twice changes nothing)."""
    report = ImportReport(filename)
    rows = _rows(filename, data, report)
    if rows is None:
        return report
    parsed, report.problems = parse(filename, rows)
    report.problems += _length_problems(filename, parsed, model, source)
    if report.problems:
        return report
    areas = _areas()
    missing = sorted({area_of(r) for r in parsed} - set(areas)) if area_of else []
    if missing:
        report.problems = [RowProblem(filename, 0, "la_code", f"area {c} is not in the "
                                      "database (run 'observatory lists sync')") for c in missing]
        return report
    with transaction.atomic():
        for r in parsed:
            created = save(r, areas, source or filename)
            report.created += created
            report.updated += not created
    return report


def _length_problems(filename: str, parsed: list[Any], model: type[Any],
                     source: str) -> list[RowProblem]:
    """Text the database columns would refuse (too long), refused as a form would, before
    anything is written; row numbers count the header as row 1, as parsing does."""
    text_columns = [f.name for f in model._meta.get_fields()
                    if getattr(f, "max_length", None) and f.name != "local_authority"]
    problems = [RowProblem(filename, 0, "source", reason)
                for reason in field_problems(model, "source", source) if source]
    for row_number, row in enumerate(parsed, start=2):
        for column in text_columns:
            value = getattr(row, column, None)
            if isinstance(value, str) and value:
                problems += [RowProblem(filename, row_number, column, reason)
                             for reason in field_problems(model, column, value)]
    return problems


def _save_population(r: Any, areas: dict[str, LocalAuthority], source: str) -> bool:
    return PopulationEstimate.objects.update_or_create(
        local_authority=areas[r.la_code], year=r.year, age_group=r.age_group,
        defaults={"count": r.count, "source": source})[1]


def _save_evaluation(r: Any, areas: dict[str, LocalAuthority], source: str) -> bool:
    return Evaluation.objects.update_or_create(
        reference=r.reference,
        defaults={"local_authority": areas[r.la_code], "judgement": r.judgement,
                  "evaluation_date": r.evaluation_date, "source": source})[1]


def _save_child_deaths(r: Any, areas: dict[str, LocalAuthority], source: str) -> bool:
    return ChildDeathFigure.objects.update_or_create(
        year=r.year, area_code=r.area_code, measure=r.measure,
        defaults={"count": r.count, "source": r.source or source})[1]


def _la_code(r: Any) -> str:
    return r.la_code


def import_population(filename: str, data: bytes, source: str = "") -> ImportReport:
    return _import(filename, data, linked.parse_population, _save_population, source, _la_code)


def import_evaluations(filename: str, data: bytes, source: str = "") -> ImportReport:
    return _import(filename, data, linked.parse_evaluations, _save_evaluation, source,
                   _la_code, model=Evaluation)


def import_child_deaths(filename: str, data: bytes, source: str = "") -> ImportReport:
    # Child death figures name national or regional areas too, not only councils.
    return _import(filename, data, linked.parse_child_deaths, _save_child_deaths, source,
                   model=ChildDeathFigure)


IMPORTERS = {"population": import_population, "evaluations": import_evaluations,
             "child-deaths": import_child_deaths}
