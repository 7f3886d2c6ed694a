"""The minimum dataset of a case review, and the values derived from it.

``ReviewRecord`` is the framework-free form of a review's case record. ``FIELDS`` describes
each column once, so CSV/XLSX import and export, validation and the web forms agree on
names, kinds and the vocabulary behind each coded field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from .vocab import Vocabulary

FieldKind = Literal["text", "date", "code", "codes", "bool", "int", "place"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: FieldKind
    vocabulary: str | None = None
    required: bool = False
    help: str = ""


# Column order here is the column order of exports.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("reference", "Reference", "text", required=True,
              help="Unique reference for the review, e.g. the partnership's own."),
    FieldSpec("title", "Title", "text", required=True),
    FieldSpec("local_authority", "Local area", "place", required=True,
              help="ONS (GSS) code, DfE three-digit code or name of the local authority."),
    FieldSpec("review_type", "Review type", "code", "review_type", required=True),
    FieldSpec("review_method", "Review method", "code", "review_method"),
    FieldSpec("incident_date", "Date of incident", "date"),
    FieldSpec("notification_date", "Date of notification", "date"),
    FieldSpec("decision_date", "Date of decision to review", "date"),
    FieldSpec("start_date", "Date review started", "date"),
    FieldSpec("completion_date", "Date review completed", "date"),
    FieldSpec("publication_date", "Date of publication", "date"),
    FieldSpec("outcome", "Outcome for the child", "code", "outcome"),
    FieldSpec("child_age_months", "Child's age at incident (months)", "int",
              help="Age band is derived from this."),
    FieldSpec("child_sex", "Child's sex", "code", "sex"),
    FieldSpec("child_ethnicity", "Child's ethnicity", "code", "ethnicity"),
    FieldSpec("child_disability", "Child had a disability", "bool"),
    FieldSpec("child_protection_plan", "On a child protection plan", "bool"),
    FieldSpec("looked_after", "Looked after child", "bool"),
    FieldSpec("known_to_csc", "Known to children's social care", "bool"),
    FieldSpec("abuse_categories", "Categories of abuse and neglect", "codes", "abuse_category"),
    FieldSpec("family_characteristics", "Family characteristics", "codes",
              "family_characteristic"),
    FieldSpec("agencies", "Agencies involved", "codes", "agency"),
    FieldSpec("parallel_proceedings", "Parallel proceedings", "codes", "parallel_proceeding"),
    FieldSpec("summary", "Summary", "text"),
    FieldSpec("fictional", "Fictional (demo) record", "bool"),
)

FIELD_BY_NAME = {f.name: f for f in FIELDS}
DATE_FIELDS = tuple(f.name for f in FIELDS if f.kind == "date")
# The dates of a review, in the order they must happen.
DATE_ORDER = ("incident_date", "notification_date", "decision_date", "start_date",
              "completion_date", "publication_date")


@dataclass
class ReviewRecord:
    reference: str
    title: str
    local_authority: str  # GSS code
    review_type: str
    review_method: str | None = None
    incident_date: date | None = None
    notification_date: date | None = None
    decision_date: date | None = None
    start_date: date | None = None
    completion_date: date | None = None
    publication_date: date | None = None
    outcome: str | None = None
    child_age_months: int | None = None
    child_sex: str | None = None
    child_ethnicity: str | None = None
    child_disability: bool | None = None
    child_protection_plan: bool | None = None
    looked_after: bool | None = None
    known_to_csc: bool | None = None
    abuse_categories: list[str] = field(default_factory=list)
    family_characteristics: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    parallel_proceedings: list[str] = field(default_factory=list)
    summary: str = ""
    fictional: bool = False


def age_band_for(age_months: int | None, bands: Vocabulary) -> str | None:
    """The code of the age band holding ``age_months``.

    Bands carry ``min_months`` (inclusive) and ``max_months`` (exclusive; absent for the
    oldest band) as attributes in the age-band vocabulary file.
    """
    if age_months is None or age_months < 0:
        return None
    for term in bands.terms:
        low = term.attributes.get("min_months")
        high = term.attributes.get("max_months")
        if low is None:
            continue
        if age_months >= low and (high is None or age_months < high):
            return term.code
    return None


def months_between(start: date | None, end: date | None) -> float | None:
    """Whole and part months from ``start`` to ``end`` (average month length), or None."""
    if start is None or end is None:
        return None
    return round((end - start).days / (365.2425 / 12), 1)


def timeliness_months(record: ReviewRecord) -> float | None:
    """Months from the decision to review to completion: the measure the guidance limits."""
    return months_between(record.decision_date, record.completion_date)


def date_order_problems(values: dict[str, date | None]) -> list[tuple[str, str]]:
    """(field, reason) for each date that comes before one that must precede it."""
    problems = []
    known = [(name, values.get(name)) for name in DATE_ORDER if values.get(name)]
    for (earlier_name, earlier), (later_name, later) in zip(known, known[1:], strict=False):
        if later < earlier:
            problems.append((later_name, f"is before {FIELD_BY_NAME[earlier_name].label.lower()}"))
    return problems
