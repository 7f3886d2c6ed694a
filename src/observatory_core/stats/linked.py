"""Validating linked data files before anything is written: population estimates, Ofsted
evaluations of reviews (seed 003 Annex A) and child death review figures.

Every problem in a file is listed (file, row, field, reason); the caller writes only when
there is none. Areas are resolved by ONS (GSS) code, DfE code or name (places.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..places import Places
from ..tabular import RowProblem

ENGLAND = "E92000001"
JUDGEMENTS = ("outstanding", "good", "adequate", "inadequate")
AGE_GROUP = re.compile(r"^\d{1,2}-\d{1,2}$|^\d{1,2}\+$")


@dataclass(frozen=True)
class PopulationRow:
    la_code: str
    year: int
    age_group: str
    count: int


@dataclass(frozen=True)
class EvaluationRow:
    la_code: str
    judgement: str
    evaluation_date: date
    reference: str


@dataclass(frozen=True)
class ChildDeathRow:
    year: int
    area_code: str  # ENGLAND for national figures
    measure: str
    count: int
    source: str


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _missing(filename: str, rows: list[Mapping[str, Any]], required: Iterable[str]
             ) -> list[RowProblem]:
    header = set(rows[0]) if rows else set()
    return [RowProblem(filename, 1, name, "column missing") for name in required
            if name not in header]


def _int(value: Any) -> int:
    text = _text(value).replace(",", "")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f"'{text}' is not a whole number")
    return int(text)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _area(places: Places, value: str):
    return places.by_gss(value) or places.by_dfe(value) or places.resolve(value)


def _row_area(places: Places, raw: Mapping[str, Any], field: str, filename: str, number: int,
              problems: list[RowProblem]):
    """The local area a row's ``field`` names, or None with the problem listed."""
    value = _text(raw.get(field))
    area = _area(places, value) if value else None
    if area is None:
        problems.append(RowProblem(filename, number, field,
                                   f"unknown area '{value}'" if value else "missing"))
    return area


def parse_population(filename: str, rows: list[Mapping[str, Any]],
                     places: Places | None = None
                     ) -> tuple[list[PopulationRow], list[RowProblem]]:
    """Columns la_code, year, age_group, count (e.g. ONS mid-year estimates, ages 0-17)."""
    places = places or Places()
    problems = _missing(filename, rows, ("la_code", "year", "age_group", "count"))
    if problems or not rows:
        return [], problems or [RowProblem(filename, 1, "", "the file has no rows")]
    out: list[PopulationRow] = []
    seen: dict[tuple[str, int, str], int] = {}
    for number, raw in enumerate(rows, start=2):
        bad = len(problems)
        area = _row_area(places, raw, "la_code", filename, number, problems)
        try:
            year = _int(raw.get("year"))
            if not 1950 <= year <= 2100:
                raise ValueError(f"{year} is not a plausible year")
        except ValueError as exc:
            problems.append(RowProblem(filename, number, "year", str(exc)))
            year = 0
        group = _text(raw.get("age_group"))
        if not AGE_GROUP.match(group):
            problems.append(RowProblem(filename, number, "age_group",
                                       f"'{group}' is not an age group like 0-17"))
        try:
            count = _int(raw.get("count"))
            if count < 0:
                raise ValueError(f"negative count {count}")
        except ValueError as exc:
            problems.append(RowProblem(filename, number, "count", str(exc)))
            count = 0
        if len(problems) == bad and area is not None:
            key = (area.gss_code, year, group)
            if key in seen:
                problems.append(RowProblem(filename, number, "", (
                    f"duplicate of row {seen[key]} ({area.name}, {year}, {group})")))
            else:
                seen[key] = number
                out.append(PopulationRow(area.gss_code, year, group, count))
    return (out if not problems else []), problems


def parse_evaluations(filename: str, rows: list[Mapping[str, Any]],
                      places: Places | None = None
                      ) -> tuple[list[EvaluationRow], list[RowProblem]]:
    """Columns local_authority, judgement, evaluation_date (and optionally reference)."""
    places = places or Places()
    problems = _missing(filename, rows, ("local_authority", "judgement", "evaluation_date"))
    if problems or not rows:
        return [], problems or [RowProblem(filename, 1, "", "the file has no rows")]
    has_reference = "reference" in rows[0]
    out: list[EvaluationRow] = []
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(rows, start=2):
        bad = len(problems)
        area = _row_area(places, raw, "local_authority", filename, number, problems)
        judgement = _text(raw.get("judgement")).lower()
        if judgement not in JUDGEMENTS:
            problems.append(RowProblem(filename, number, "judgement", (
                f"'{judgement}' is not one of {', '.join(JUDGEMENTS)}")))
        try:
            when = _date(raw.get("evaluation_date"))
        except ValueError as exc:
            problems.append(RowProblem(filename, number, "evaluation_date", str(exc)))
            when = date.min
        reference = _text(raw.get("reference")) if has_reference else ""
        if has_reference and not reference:
            problems.append(RowProblem(filename, number, "reference", "missing"))
        if len(problems) == bad and area is not None:
            key = (reference,) if has_reference else (area.gss_code, judgement, when)
            if key in seen:
                problems.append(RowProblem(filename, number, "", f"duplicate of row {seen[key]}"))
            else:
                seen[key] = number
                out.append(EvaluationRow(area.gss_code, judgement, when,
                                         reference or f"{area.gss_code}:{when}:{judgement}"))
    return (out if not problems else []), problems


def parse_child_deaths(filename: str, rows: list[Mapping[str, Any]],
                       places: Places | None = None
                       ) -> tuple[list[ChildDeathRow], list[RowProblem]]:
    """Columns year, area_code (blank or E92000001 = England), count, and optionally
    measure (default 'deaths_reviewed') and source."""
    places = places or Places()
    problems = _missing(filename, rows, ("year", "area_code", "count"))
    if problems or not rows:
        return [], problems or [RowProblem(filename, 1, "", "the file has no rows")]
    out: list[ChildDeathRow] = []
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(rows, start=2):
        bad = len(problems)
        code = _text(raw.get("area_code")) or ENGLAND
        area_code = code if code == ENGLAND else None
        if area_code is None:
            area = _area(places, code)
            if area is None:
                problems.append(RowProblem(filename, number, "area_code",
                                           f"unknown area '{code}'"))
            else:
                area_code = area.gss_code
        try:
            year = _int(raw.get("year"))
            if not 1950 <= year <= 2100:
                raise ValueError(f"{year} is not a plausible year")
        except ValueError as exc:
            problems.append(RowProblem(filename, number, "year", str(exc)))
            year = 0
        try:
            count = _int(raw.get("count"))
            if count < 0:
                raise ValueError(f"negative count {count}")
        except ValueError as exc:
            problems.append(RowProblem(filename, number, "count", str(exc)))
            count = 0
        measure = _text(raw.get("measure")) or "deaths_reviewed"
        if len(problems) == bad and area_code:
            key = (year, area_code, measure)
            if key in seen:
                problems.append(RowProblem(filename, number, "", f"duplicate of row {seen[key]}"))
            else:
                seen[key] = number
                out.append(ChildDeathRow(year, area_code, measure, count,
                                         _text(raw.get("source"))))
    return (out if not problems else []), problems
